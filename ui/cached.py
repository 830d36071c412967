"""The app's only caching: st.cache_data wrappers over the core, and the current results.

Every wrapper is keyed on the sha256 digest of the uploaded bytes plus hashable choices
(strings, tuples, ints). DataFrames and core results are passed as ``_underscore``
arguments, which Streamlit does not hash: its DataFrame hash looks at a sample of rows
only and would serve stale results for a file that differs in one row.

Every cache has ``max_entries`` so memory stays bounded with many users and large files.
Keys are content digests: a user is only ever served results computed from the very bytes
they uploaded themselves.

The ``current_*`` functions below turn the durable choices of `ui.state` into results,
one step at a time, so a page can show what it has when a later step fails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

import segmentation
from segmentation import CustomerData, KChoice, Segmentation
from segmentation import export as core_export
from segmentation import profile as core_profile
from segmentation.sample import SAMPLE_NAME, SAMPLE_PATH
from ui import state
from ui.state import Choices

# Bounds, by count and by pickled bytes (whichever is hit first evicts the least recently
# used entry). Measured sizes: a CustomerData (typed frame + raw text) is ~15 MB pickled at
# 100k customers x 7 columns and ~150 MB at 1M; a Segmentation ~1 MB / ~18 MB; labelled CSV
# bytes ~9 MB / ~90 MB; KChoice and Profiles a few KB. Ten users at 100k rows fit well
# inside; at 1M rows the byte limits keep the process to about 1.3 GB of cached results.
_LOADS, _LOADS_SIZE = 12, "500MB"
_SWEEPS = 64
_FITS, _FITS_SIZE = 32, "200MB"
_PROFILES = 64
_EXPORTS, _EXPORTS_SIZE = 8, "300MB"


# --- cached wrappers over the core -------------------------------------------------------


@st.cache_data(max_entries=1, show_spinner=False)
def sample_bytes() -> bytes:
    """The shipped sample file's bytes."""
    return SAMPLE_PATH.read_bytes()


@st.cache_data(
    max_entries=_LOADS,
    max_size=_LOADS_SIZE,
    show_spinner="Reading the file and checking its health…",
)
def load(digest: str, _raw: bytes, name: str, id_column: str | None) -> CustomerData:
    """`segmentation.read_customers` on uploaded bytes, keyed on their digest."""
    return segmentation.read_customers(_raw, name=name, id_column=id_column)


@st.cache_data(
    max_entries=_SWEEPS,
    show_spinner="Trying k = 2 to 10 segments on your customers…",
)
def sweep(digest: str, id_column: str | None, choices: Choices, _data: CustomerData) -> KChoice:
    """`segmentation.evaluate_k` for the data `digest` and the preparation `choices`."""
    return segmentation.evaluate_k(
        _data.frame,
        choices.features,
        scaler=choices.scaler,
        missing=choices.missing,
        log_features=choices.log_features,
        clip=choices.clip,
    )


@st.cache_data(max_entries=_FITS, max_size=_FITS_SIZE, show_spinner="Fitting the segments…")
def fit(
    digest: str, id_column: str | None, choices: Choices, k: int, _data: CustomerData
) -> Segmentation:
    """`segmentation.fit_segments` for the data `digest`, `choices` and `k`."""
    return segmentation.fit_segments(
        _data.frame,
        choices.features,
        k,
        scaler=choices.scaler,
        missing=choices.missing,
        log_features=choices.log_features,
        clip=choices.clip,
    )


@st.cache_data(max_entries=_PROFILES, show_spinner="Describing each segment…")
def profiles(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    _data: CustomerData,
    _seg: Segmentation,
) -> core_profile.Profiles:
    """`segmentation.profile.profile_segments` for one segmentation."""
    return core_profile.profile_segments(_data.frame, _seg)


@st.cache_data(
    max_entries=_EXPORTS,
    max_size=_EXPORTS_SIZE,
    show_spinner="Preparing the labelled customers file…",
)
def labelled_csv(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    _data: CustomerData,
    _seg: Segmentation,
) -> bytes:
    """CSV bytes of every input row with its segment and segment name."""
    frame = core_export.labelled_customers(_data, _seg, names)
    return core_export.to_csv_bytes(frame)


@st.cache_data(
    max_entries=_EXPORTS,
    max_size=_EXPORTS_SIZE,
    show_spinner="Preparing the segment's customer list…",
)
def segment_csv(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    segment: int,
    _data: CustomerData,
    _seg: Segmentation,
) -> bytes:
    """CSV bytes of the customers of segment number `segment` (1..k)."""
    frame = core_export.segment_customers(_data, _seg, names, segment)
    return core_export.to_csv_bytes(frame)


@st.cache_data(max_entries=_PROFILES, show_spinner=False)
def profile_csv(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    _profiles: core_profile.Profiles,
) -> bytes:
    """CSV bytes of the profile table with the current names."""
    return core_export.to_csv_bytes(core_profile.profile_table(_profiles, names))


# --- one fetch per run ------------------------------------------------------------------
# st.cache_data returns a fresh copy (unpickled) on every call: at a million customers the
# data alone takes ~0.7 s. The page and the sidebar both need the current results, so each
# is fetched once per run and dropped when the run ends (app.py: begin_run / end_run).


def begin_run() -> None:
    """Start a run with an empty memo."""
    st.session_state[state.RUN_MEMO] = {}


def end_run() -> None:
    """Drop this run's results: sessions hold no copies between runs."""
    st.session_state.pop(state.RUN_MEMO, None)


def _once(key: tuple, compute):
    memo = st.session_state.get(state.RUN_MEMO)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# --- the current results, step by step ---------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where the current customers come from."""

    raw: bytes
    name: str
    digest: str
    is_sample: bool


def current_source() -> Source:
    """The uploaded dataset, or the built-in sample when nothing was uploaded."""
    dataset = state.get(state.DATASET)
    if dataset is not None:
        return Source(dataset.data, dataset.name, dataset.digest, False)
    raw = sample_bytes()
    return Source(raw, SAMPLE_NAME, state.digest_of(raw), True)


def current_data() -> CustomerData:
    """The current customers, read with the user's id column if they chose one.

    Raises DataError (e.g. an id override that no longer applies is dropped first).
    """
    source = current_source()
    override = state.get(state.ID_COLUMN)
    if override is not None:
        try:
            return _once(
                ("load", source.digest, source.name, override),
                lambda: load(source.digest, source.raw, source.name, override),
            )
        except segmentation.DataError:
            state.put(state.ID_COLUMN, None)
            raise
    return _once(
        ("load", source.digest, source.name, None),
        lambda: load(source.digest, source.raw, source.name, None),
    )


def load_upload(digest: str, raw: bytes, name: str) -> CustomerData:
    """Read a new upload (once per run: the page then uses the same result). Raises DataError."""
    return _once(("load", digest, name, None), lambda: load(digest, raw, name, None))


def feature_options(data: CustomerData) -> list[str]:
    """Columns that can be segmented on: numeric, not the id."""
    return [c for c in data.report.numeric_columns if c != data.id_column]


def log_options(data: CustomerData, features: tuple[str, ...]) -> list[str]:
    """Chosen features a log transform can apply to (never negative)."""
    frame = data.frame
    return [f for f in features if not (frame[f].min() < 0)]


def current_choices(data: CustomerData) -> Choices:
    """The preparation choices, made valid for `data` (defaults where none was made)."""
    options = feature_options(data)
    chosen = state.get(state.FEATURES)
    if chosen is None:
        features = tuple(segmentation.default_features(data))
    else:
        features = tuple(f for f in chosen if f in options)
    logs = state.get(state.LOG_FEATURES)
    if logs is None:
        suggested = segmentation.suggested_log_features(data, features) if features else ()
        log_features = tuple(suggested)
    else:
        allowed = set(log_options(data, features))
        log_features = tuple(f for f in features if f in logs and f in allowed)
    clip = state.CLIP_PERCENTILES if state.get(state.CLIP) else None
    return Choices(features, state.get(state.SCALER), state.get(state.MISSING), log_features, clip)


def current_sweep(data: CustomerData, choices: Choices) -> KChoice:
    """Scores per k for the current choices (cached: moving k never recomputes it)."""
    digest = current_source().digest
    return _once(
        ("sweep", digest, data.id_column, choices),
        lambda: sweep(digest, data.id_column, choices, data),
    )


def current_k(choice: KChoice) -> int:
    """The user's k if still possible, else the nearest possible one; recommended by default."""
    k = state.get(state.K)
    ks = choice.k_values
    if k is None:
        return choice.recommended
    return min(max(int(k), min(ks)), max(ks))


def current_fit(data: CustomerData, choices: Choices, k: int) -> Segmentation:
    """The fitted segmentation for the current choices and k."""
    digest = current_source().digest
    return _once(
        ("fit", digest, data.id_column, choices, k),
        lambda: fit(digest, data.id_column, choices, k, data),
    )


def current_profiles(data: CustomerData, choices: Choices, seg: Segmentation):
    """Profiles of the current segmentation."""
    digest = current_source().digest
    return _once(
        ("profiles", digest, data.id_column, choices, seg.k),
        lambda: profiles(digest, data.id_column, choices, seg.k, data, seg),
    )


def segmentation_key(data: CustomerData, choices: Choices, k: int) -> str:
    """A short stable key naming one segmentation (data, id, choices, k): renames live here."""
    text = repr((current_source().digest, data.id_column, choices, k))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def current_names(seg_key: str, default_names) -> tuple[str, ...]:
    """Default names with the user's renames for this segmentation applied."""
    renames = state.renames_for(seg_key)
    if not renames:
        return tuple(default_names)
    try:
        return tuple(core_profile.apply_names(default_names, renames))
    except segmentation.SettingsError:
        state.set_renames(seg_key, {})
        return tuple(default_names)


@dataclass(frozen=True)
class Current:
    """Everything a page shows about the current segmentation."""

    source: Source
    data: CustomerData
    choices: Choices
    choice: KChoice
    k: int
    seg: Segmentation
    profiles: core_profile.Profiles
    names: tuple[str, ...]
    key: str


def current() -> Current:
    """All current results in one go. Raises SegmentationError when a step cannot be done."""
    data = current_data()
    choices = current_choices(data)
    choice = current_sweep(data, choices)
    k = current_k(choice)
    seg = current_fit(data, choices, k)
    prof = current_profiles(data, choices, seg)
    key = segmentation_key(data, choices, k)
    return Current(
        current_source(), data, choices, choice, k, seg, prof, current_names(key, prof.names), key
    )
