"""The app's caching: cached wrappers over the core, and the current results.

Beside it: `ui.downloads` (the cached download files), `ui.trust_cache` (stability, margins,
the Sankey) and `ui.cache_policy` (entry counts and keys).

Every wrapper is keyed on the sha256 digest of the uploaded bytes plus hashable choices
(strings, tuples, ints). DataFrames and core results are passed as ``_underscore``
arguments, which Streamlit does not hash: its DataFrame hash looks at a sample of rows
only and would serve stale results for a file that differs in one row.

The big results (CustomerData, PreparedFeatures, KChoice, Segmentation, Profiles, and the
elbow and scatter figures) are cached with ``st.cache_resource``: every rerun gets the very
same object back, with no copy. ``st.cache_data`` would unpickle a fresh copy on every call
(~0.7 s for a million-customer CustomerData, on every rerun). Sharing one object is safe
here because:

* the results are immutable: frozen dataclasses, whose DataFrames pandas' copy-on-write
  protects and whose numpy arrays (prepared matrix, labels, reasons) `_read_only` makes
  read-only when cached; pages only read them (they copy before adding columns or
  styling, see ``widgets.with_segments``), and st.plotly_chart serialises a copy of a figure;
* the keys are content digests: a session only ever computes or receives results for the
  bytes it uploaded itself (or the shipped sample), so sharing one object between sessions
  happens only between users who uploaded the very same bytes, and reveals nothing.

The downloads are bytes: they stay in ``st.cache_data`` (`ui.downloads`), whose ``max_size``
bounds them by bytes.

Every cache has ``max_entries`` so memory stays bounded with many users and large files
(``st.cache_resource`` has no byte limit: the counts in `ui.cache_policy` come from measured
sizes).
The biggest results, the reads and the prepared features, are also noted in `ui.budget`,
which clears the least recently used of them past its byte total (`budget.TOTAL_BYTES`).
The ``current_*`` functions below turn the durable choices of `ui.state` into results,
one step at a time, so a page can show what it has when a later step fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import segmentation
from segmentation import CustomerData, KChoice, PreparedFeatures, Segmentation, charts
from segmentation import defaults as core_defaults
from segmentation import movement as core_movement
from segmentation import profile as core_profile
from segmentation import saved as core_saved
from segmentation import value as core_value
from segmentation.apply import apply_saved
from segmentation.charts import rfm as rfm_charts
from segmentation.drift import Drift, feature_drift
from segmentation.order_log import (
    OrderColumns,
    OrderLog,
    OrderLogGuess,
    guess_order_log,
    read_order_head,
)
from segmentation.orders import CustomerTable, customer_data, customers_from_data, rfm_features
from segmentation.orders_duckdb import customers_from_log
from segmentation.sample import SAMPLE_NAME, SAMPLE_PATH
from ui import budget, state
from ui.cache_policy import (
    FITS,
    LOADS,
    PREPARED,
    PROFILES,
    SCATTERS,
    SWEEPS,
    applied_key,
    read_only,
)
from ui.state import Choices

# --- cached wrappers over the core -------------------------------------------------------


@st.cache_data(max_entries=1, show_spinner=False)
def sample_bytes() -> bytes:
    """The shipped sample file's bytes."""
    return SAMPLE_PATH.read_bytes()


@st.cache_resource(max_entries=LOADS, show_spinner=False)
def load(digest: str, _raw: bytes, name: str, id_column: str | None) -> CustomerData:
    """`segmentation.read_customers` on uploaded bytes, keyed on their digest, with the
    derived columns offered as features (an age from a year of birth)."""
    data = segmentation.read_customers(_raw, name=name, id_column=id_column)
    return core_defaults.add_derived_columns(data)


@st.cache_resource(max_entries=LOADS, show_spinner=False)
def suggestion(
    digest: str, id_column: str | None, _data: CustomerData
) -> core_defaults.FeatureSuggestion:
    """`segmentation.defaults.suggest_features`: the features offered and chosen by default."""
    return core_defaults.suggest_features(_data)


@st.cache_resource(max_entries=PREPARED, show_spinner="Preparing the features…")
def prepared(
    digest: str, id_column: str | None, choices: Choices, _data: CustomerData
) -> PreparedFeatures:
    """`segmentation.prepare_features` for the data `digest` and the preparation `choices`:
    done once per choice, shared by the sweep and the fit of every k."""
    return read_only(
        segmentation.prepare_features(
            _data.frame,
            choices.features,
            scaler=choices.scaler,
            missing=choices.missing,
            log_features=choices.log_features,
            clip=choices.clip,
        )
    )


@st.cache_resource(
    max_entries=SWEEPS,
    show_spinner="Trying k = 2 to 10 segments on your customers…",
)
def sweep(
    digest: str, id_column: str | None, choices: Choices, _prepared: PreparedFeatures
) -> KChoice:
    """`segmentation.evaluate_prepared` (as `evaluate_k`) for `digest` and `choices`."""
    return segmentation.evaluate_prepared(_prepared)


@st.cache_resource(max_entries=FITS, show_spinner="Fitting the segments…")
def fit(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    _prepared: PreparedFeatures,
    _start: np.ndarray | None = None,
) -> Segmentation:
    """`segmentation.fit_prepared` (as `fit_segments`) for `digest`, `choices` and `k`;
    `_start` (the sweep's centres for k) only saves time, so it is not part of the key."""
    return read_only(segmentation.fit_prepared(_prepared, k, start=_start))


@st.cache_resource(max_entries=PROFILES, show_spinner="Describing each segment…")
def profiles(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    _data: CustomerData,
    _seg: Segmentation,
) -> core_profile.Profiles:
    """`segmentation.profile.profile_segments` for one segmentation: every offered column
    but codes (a region's average means nothing) is described."""
    offered = suggestion(digest, id_column, _data)
    numeric = [c for c in offered.options if offered.marks.get(c) != core_defaults.CODE]
    return core_profile.profile_segments(_data.frame, _seg, numeric=numeric)


@st.cache_resource(max_entries=SWEEPS, show_spinner=False)
def elbow(digest: str, id_column: str | None, choices: Choices, _choice: KChoice) -> go.Figure:
    """`segmentation.charts.elbow_figure` of one sweep (shared, never edited)."""
    return charts.elbow_figure(_choice)


@st.cache_resource(max_entries=SCATTERS, show_spinner="Drawing the customers…")
def scatter(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    x: str | None,
    y: str | None,
    view: str,
    max_points: int,
    _data: CustomerData,
    _seg: Segmentation,
) -> go.Figure:
    """`segmentation.charts.scatter_figure` for one segmentation, names, axes and view.

    The figure is shared, never edited: st.plotly_chart serialises a copy of it.
    """
    return charts.scatter_figure(
        _data.frame,
        _seg,
        names,
        x=x,
        y=y,
        view=view,
        id_column=id_column,
        max_points=max_points,
    )


@st.cache_resource(max_entries=PROFILES, show_spinner=False)
def segment_value(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    column: str,
    _data: CustomerData,
    _seg: Segmentation,
) -> core_value.SegmentValue:
    """`segmentation.value.segment_value` of one segmentation on one value column."""
    return core_value.segment_value(_data.frame, _seg, column)


# --- the current results, step by step ---------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where the current customers come from.

    ``digest`` keys every result; for an order log it covers the user's order choices
    too (the customer table changes with them), while ``file_digest`` is the bytes' own.
    """

    raw: bytes
    name: str
    digest: str
    is_sample: bool
    file_digest: str = ""


def current_source() -> Source:
    """The uploaded dataset, or the built-in sample when nothing was uploaded."""
    dataset = state.get(state.DATASET)
    if dataset is not None:
        choices = state.order_choices()
        digest = dataset.digest
        if choices is not None:
            digest = state.digest_of(f"{dataset.digest}|{choices!r}".encode())
        return Source(dataset.data, dataset.name, digest, False, dataset.digest)
    raw = sample_bytes()
    return Source(raw, SAMPLE_NAME, state.digest_of(raw), True)


def file_data() -> CustomerData:
    """The current file as read, with the user's id column if they chose one.

    Raises DataError (e.g. an id override that no longer applies is dropped first).
    """
    source = current_source()
    digest = source.file_digest or source.digest
    big = big_order_log(source)
    if big is not None:
        return big.data
    override = state.get(state.ID_COLUMN)
    if override is not None:
        try:
            return _read(digest, source.raw, source.name, override)
        except segmentation.DataError:
            state.put(state.ID_COLUMN, None)
            raise
    return _read(digest, source.raw, source.name, None)


def current_data() -> CustomerData:
    """The current customers: the file as read, or the customer table built from it when it
    is an order log (see `current_orders`). Raises DataError."""
    data = file_data()
    built = current_orders(data)
    return data if built is None else built[1]


@st.cache_resource(max_entries=LOADS, show_spinner=False)
def order_head(digest: str, _raw: bytes, name: str) -> OrderLog | None:
    """`segmentation.order_log.read_order_head`: the head of a big plain CSV upload, or None."""
    return read_order_head(_raw, name=name)


def big_order_log(source: Source) -> OrderLog | None:
    """The head of the current upload when it is a big plain CSV order log that is used as
    one: it is then summed by DuckDB from its bytes and never read whole."""
    if source.is_sample or state.get(state.ORDERS_MODE) == "customers":
        return None
    log = order_head(source.file_digest or source.digest, source.raw, source.name)
    if log is None or not (log.guess.looks_like_orders or state.get(state.ORDERS_MODE)):
        return None
    return log


@st.cache_resource(max_entries=LOADS, show_spinner=False)
def order_guess(digest: str, _data: CustomerData) -> OrderLogGuess:
    """`segmentation.order_log.guess_order_log` of the file `digest`."""
    return guess_order_log(_data.frame, id_column=_data.id_column)


@st.cache_resource(max_entries=LOADS, show_spinner="Building one row per customer from the orders…")
def order_customers(
    digest: str,
    columns: OrderColumns,
    snapshot: dt.date | None,
    date_order: str,
    _data: CustomerData,
    _log: OrderLog | None = None,
    _raw: bytes = b"",
) -> tuple[CustomerTable, CustomerData]:
    """The customer table of the order log `digest` for the chosen columns and snapshot:
    from the bytes `_raw` when `_log` is the head of a big plain CSV file, else from
    `_data` (the same table either way)."""
    options = {"snapshot": snapshot, "date_order": date_order}
    if _log is not None:
        table = customers_from_log(_log, _raw, columns, **options)
    else:
        table = customers_from_data(_data, columns, **options)
    report = _data.report
    return table, customer_data(table, name=_data.name, file_format=report.file_format)


@st.cache_resource(max_entries=PROFILES, show_spinner=False)
def rfm_grid(digest: str, _data: CustomerData) -> go.Figure:
    """`segmentation.charts.rfm.rfm_grid_figure` of a customer table built from orders."""
    return rfm_charts.rfm_grid_figure(_data.frame)


@st.cache_resource(max_entries=PROFILES, show_spinner=False)
def rfm_mix(
    digest: str,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    _data: CustomerData,
    _seg: Segmentation,
) -> go.Figure:
    """`segmentation.charts.rfm.rfm_mix_figure`: each segment's mix of RFM segments."""
    return rfm_charts.rfm_mix_figure(_data.frame["rfm_segment"], _seg.labels, names)


def is_order_log(data: CustomerData) -> bool:
    """Whether `data` (the file as read) is used as an order log: the user said so, or it
    looks like one and the user did not say otherwise."""
    source = current_source()
    if source.is_sample:
        return False
    mode = state.get(state.ORDERS_MODE)
    if mode is not None:
        return mode == "orders"
    return order_guess(source.file_digest, data).looks_like_orders


def order_columns(data: CustomerData) -> OrderColumns:
    """The columns of the order log: the user's choices, the guess for the rest.

    Raises DataError naming a role no column was found for."""
    guess = order_guess(current_source().file_digest, data)
    chosen = dict(state.get(state.ORDER_COLUMNS) or {})
    found = {
        "customer": guess.customer_options,
        "date": guess.date_options,
        "amount": guess.amount_options,
    }
    roles = {}
    for role, options in found.items():
        taken = set(roles.values())
        roles[role] = chosen.get(role) or next((c for c in options if c not in taken), None)
        if roles[role] is None:
            raise segmentation.DataError(
                f"No column was found for the {ORDER_ROLES[role].lower()}: choose it below"
            )
    guessed_order = guess.columns.order if guess.columns else None
    roles["order"] = chosen["order"] if "order" in chosen else guessed_order
    if roles["order"] in (roles["customer"], roles["date"], roles["amount"]):
        roles["order"] = None
    return OrderColumns(**roles)


#: The label of each order-log role, as the Data page names its selectbox.
ORDER_ROLES = {
    "customer": "Customer id column",
    "date": "Order date column",
    "amount": "Amount column",
    "order": "Order id column",
}


def current_orders(data: CustomerData) -> tuple[CustomerTable, CustomerData] | None:
    """The customer table built from the current file when it is an order log, else None.

    Raises DataError (no column for a role, ambiguous dates, two currencies...)."""
    if not is_order_log(data):
        return None
    source = current_source()
    return order_customers(
        source.file_digest,
        order_columns(data),
        state.get(state.SNAPSHOT),
        state.get(state.DATE_ORDER),
        data,
        big_order_log(source),
        source.raw,
    )


def load_upload(digest: str, raw: bytes, name: str) -> CustomerData:
    """Read a new upload (cached: the page then gets the same result). Raises DataError.

    A big plain CSV order log is read by its head only (see `big_order_log`)."""
    log = order_head(digest, raw, name)
    if log is not None and log.guess.looks_like_orders:
        return log.data
    return _read(digest, raw, name, None)


def _read(digest: str, raw: bytes, name: str, id_column: str | None) -> CustomerData:
    """`load` with a spinner counting the seconds, shown only if the read takes a while."""
    with st.spinner(f"Reading {name} and checking its health…", show_time=True):
        data = load(digest, raw, name, id_column)
    budget.note(
        ("load", digest, name, id_column), data, lambda: load.clear(digest, None, name, id_column)
    )
    return data


def current_suggestion(data: CustomerData) -> core_defaults.FeatureSuggestion:
    """The features offered for `data`, the default ones, their marks and why."""
    return suggestion(current_source().digest, data.id_column, data)


def feature_options(data: CustomerData) -> list[str]:
    """Columns that can be segmented on: numeric, not the id, not a constant."""
    return list(current_suggestion(data).options)


def log_options(data: CustomerData, features: tuple[str, ...]) -> list[str]:
    """Chosen features a log transform can apply to (never negative)."""
    frame = data.frame
    return [f for f in features if not (frame[f].min() < 0)]


def current_choices(data: CustomerData) -> Choices:
    """The preparation choices, made valid for `data` (defaults where none was made)."""
    options = feature_options(data)
    chosen = state.get(state.FEATURES)
    if chosen is None:
        features = rfm_features(data) or tuple(current_suggestion(data).defaults)
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


def current_prepared(data: CustomerData, choices: Choices) -> PreparedFeatures:
    """The prepared features for the current choices (cached: once per choice)."""
    digest = current_source().digest
    result = prepared(digest, data.id_column, choices, data)
    key = (digest, data.id_column, choices)
    budget.note(("prepared", *key), result, lambda: prepared.clear(*key, None))
    return result


def current_sweep(data: CustomerData, choices: Choices) -> KChoice:
    """Scores per k for the current choices (cached: moving k never recomputes it)."""
    digest = current_source().digest
    choice = sweep(digest, data.id_column, choices, current_prepared(data, choices))
    state.put(state.SEGMENTED, (digest, data.id_column, choices))
    return choice


def is_segmented(data: CustomerData, choices: Choices) -> bool:
    """Whether k has already been swept for this data and these choices (by a page, or by
    `app.sweep_ahead` after the page was drawn): the sidebar summarises only then, so it
    never holds up the page it sits beside with a sweep."""
    return state.get(state.SEGMENTED) == (current_source().digest, data.id_column, choices)


def current_elbow(data: CustomerData, choices: Choices, choice: KChoice) -> go.Figure:
    """The elbow chart of the current sweep (cached per choices; the slider shows k)."""
    return elbow(current_source().digest, data.id_column, choices, choice)


def current_k(choice: KChoice) -> int:
    """The user's k if still possible, else the nearest possible one; recommended by default."""
    k = state.get(state.K)
    ks = choice.k_values
    if k is None:
        return choice.recommended
    return min(max(int(k), min(ks)), max(ks))


def current_fit(data: CustomerData, choices: Choices, k: int) -> Segmentation:
    """The fitted segmentation for the current choices and k.

    Starts from the sweep's centres for k (cached already), so a new k on the slider costs
    one refinement, not a new search; the segments are the same.
    """
    digest = current_source().digest
    start = current_sweep(data, choices).start_centres.get(k)
    return fit(digest, data.id_column, choices, k, current_prepared(data, choices), start)


def current_profiles(data: CustomerData, choices: Choices, seg: Segmentation):
    """Profiles of the current segmentation."""
    digest = current_source().digest
    return profiles(digest, data.id_column, choices, seg.k, data, seg)


def segmentation_key(data: CustomerData, choices: Choices, k: int) -> str:
    """A short stable key naming one segmentation (data, id, choices, k): renames live here."""
    text = repr((current_source().digest, data.id_column, choices, k))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def current_scatter(
    data: CustomerData,
    choices: Choices,
    seg: Segmentation,
    names: tuple[str, ...],
    *,
    x: str | None,
    y: str | None,
    view: str,
    max_points: int,
) -> go.Figure:
    """The scatter of the current segmentation (cached: a rerun that changes none of its
    inputs does not rebuild it). Raises SettingsError for axes that do not apply."""
    if view == "pca" and len(choices.features) > 1:
        x = y = None  # the PCA view has no axes to choose: one figure whatever was chosen
    return scatter(
        current_source().digest,
        data.id_column,
        choices,
        seg.k,
        tuple(names),
        x,
        y,
        view,
        max_points,
        data,
        seg,
    )


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
    if state.get(state.SAVED) is not None:
        return current_applied()
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


# --- a saved segmentation applied instead of a fit ------------------------------------------


@st.cache_resource(max_entries=LOADS, show_spinner=False)
def saved_file(digest: str, _raw: bytes, name: str) -> core_saved.SavedSegmentation:
    """`segmentation.saved.from_json` on uploaded bytes. Raises SavedFileError."""
    return core_saved.from_json(_raw, name=name)


@st.cache_resource(max_entries=FITS, show_spinner="Assigning customers to the saved segments…")
def applied(digest: str, id_column: str | None, _data: CustomerData, _saved) -> Segmentation:
    """`segmentation.apply.apply_saved` for the data and saved segmentation `digest`."""
    return read_only(apply_saved(_saved, _data.frame))


@st.cache_resource(max_entries=PROFILES, show_spinner=False)
def drift(digest: str, id_column: str | None, _data: CustomerData, _saved) -> Drift:
    """`segmentation.drift.feature_drift` for the data and saved segmentation `digest`."""
    return feature_drift(_saved, _data.frame)


@st.cache_resource(max_entries=PROFILES, show_spinner=False)
def movement(digest: str, id_column: str | None, names: tuple[str, ...], _data: CustomerData, _seg):
    """`segmentation.movement.movement` (None when the file has no earlier assignment)."""
    return core_movement.movement(_data, _seg, names)


def current_applied() -> Current:
    """`current()` when a saved segmentation is loaded: the customers assigned to its
    segments (no sweep, no fit). Raises DataError when the data lacks one of its features."""
    loaded = state.get(state.SAVED)
    saved = loaded.saved
    data = current_data()
    source = current_source()
    key = applied_key(source.digest, loaded.digest)
    seg = applied(key, data.id_column, data, saved)
    choices = Choices(saved.features, saved.scaler, saved.missing, saved.log_features, saved.clip)
    prof = profiles(key, data.id_column, choices, saved.k, data, seg)
    seg_key = hashlib.sha256(repr((key, data.id_column)).encode()).hexdigest()[:16]
    return Current(
        dataclasses.replace(source, digest=key),
        data,
        choices,
        None,
        saved.k,
        seg,
        prof,
        current_names(seg_key, saved.names),
        seg_key,
    )
