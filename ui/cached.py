"""The app's only caching: cached wrappers over the core, and the current results.

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

The CSV downloads are bytes: they stay in ``st.cache_data``, whose ``max_size`` bounds them
by bytes.

Every cache has ``max_entries`` so memory stays bounded with many users and large files
(``st.cache_resource`` has no byte limit: the counts below are chosen from measured sizes).
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
from segmentation import apply as core_apply
from segmentation import defaults as core_defaults
from segmentation import excel as core_excel
from segmentation import export as core_export
from segmentation import margins as core_margins
from segmentation import movement as core_movement
from segmentation import profile as core_profile
from segmentation import saved as core_saved
from segmentation import stability as core_stability
from segmentation import transitions as core_transitions
from segmentation import value as core_value
from segmentation.apply import apply_saved
from segmentation.charts import rfm as rfm_charts
from segmentation.drift import Drift, feature_drift
from segmentation.order_log import OrderColumns, OrderLogGuess, guess_order_log
from segmentation.orders import CustomerTable, customer_data, customers_from_data, rfm_features
from segmentation.sample import SAMPLE_NAME, SAMPLE_PATH
from ui import budget, state
from ui.state import Choices

# Bounds by count (least recently used evicted first). Measured sizes in memory, at 100k
# and at 1M customers x 7 columns: CustomerData ~5 MB / ~50 MB (plus its raw text frame
# once shown), PreparedFeatures ~6 MB / ~64 MB, Segmentation ~2 MB / ~16 MB, a scatter
# figure ~3 MB (at most 20k points drawn, whatever the size), KChoice, Profiles and an
# elbow figure a few KB. Ten users on 100k-row files and one on a 1M file need well under
# 1 GB; even every entry at 1M rows stays under ~4 GB. The byte-bounded CSV caches
# (st.cache_data) add at most their max_size.
_LOADS = 12
_PREPARED = 16
_SWEEPS = 64
_FITS = 32
_PROFILES = 64
_SCATTERS = 32
_EXPORTS, _EXPORTS_SIZE = 8, "300MB"


def _read_only(result):
    """`result` (a frozen dataclass) with its numpy arrays made read-only: shared, never edited."""
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return result


# --- cached wrappers over the core -------------------------------------------------------


@st.cache_data(max_entries=1, show_spinner=False)
def sample_bytes() -> bytes:
    """The shipped sample file's bytes."""
    return SAMPLE_PATH.read_bytes()


@st.cache_resource(max_entries=_LOADS, show_spinner=False)
def load(digest: str, _raw: bytes, name: str, id_column: str | None) -> CustomerData:
    """`segmentation.read_customers` on uploaded bytes, keyed on their digest, with the
    derived columns offered as features (an age from a year of birth)."""
    data = segmentation.read_customers(_raw, name=name, id_column=id_column)
    return core_defaults.add_derived_columns(data)


@st.cache_resource(max_entries=_LOADS, show_spinner=False)
def suggestion(
    digest: str, id_column: str | None, _data: CustomerData
) -> core_defaults.FeatureSuggestion:
    """`segmentation.defaults.suggest_features`: the features offered and chosen by default."""
    return core_defaults.suggest_features(_data)


@st.cache_resource(max_entries=_PREPARED, show_spinner="Preparing the features…")
def prepared(
    digest: str, id_column: str | None, choices: Choices, _data: CustomerData
) -> PreparedFeatures:
    """`segmentation.prepare_features` for the data `digest` and the preparation `choices`:
    done once per choice, shared by the sweep and the fit of every k."""
    return _read_only(
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
    max_entries=_SWEEPS,
    show_spinner="Trying k = 2 to 10 segments on your customers…",
)
def sweep(
    digest: str, id_column: str | None, choices: Choices, _prepared: PreparedFeatures
) -> KChoice:
    """`segmentation.evaluate_prepared` (as `evaluate_k`) for `digest` and `choices`."""
    return segmentation.evaluate_prepared(_prepared)


@st.cache_resource(max_entries=_FITS, show_spinner="Fitting the segments…")
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
    return _read_only(segmentation.fit_prepared(_prepared, k, start=_start))


@st.cache_resource(max_entries=_PROFILES, show_spinner="Describing each segment…")
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


@st.cache_resource(max_entries=_SWEEPS, show_spinner=False)
def elbow(
    digest: str, id_column: str | None, choices: Choices, k: int, _choice: KChoice
) -> go.Figure:
    """`segmentation.charts.elbow_figure` of one sweep with `k` marked (shared, never edited)."""
    return charts.elbow_figure(_choice, current_k=k)


@st.cache_resource(max_entries=_SCATTERS, show_spinner="Drawing the customers…")
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
    with_margins: bool = False,
    _margins: core_margins.Margins | None = None,
) -> bytes:
    """CSV bytes of every input row with its segment and segment name (and, `with_margins`,
    the runner-up segment and margin from `_margins`; for a saved segmentation applied, an
    earlier assignment in the file kept as ``previous_*``)."""
    # With a byte-order mark: Excel on Windows then reads the file as UTF-8 ("·", "é").
    margins = _margins if with_margins else None
    if is_applied_key(digest):
        return core_movement.labelled_bytes(_data, _seg, names, margins=margins, bom=True)
    return core_export.labelled_csv_bytes(_data, _seg, names, margins=margins, bom=True)


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
    with_margins: bool = False,
    _margins: core_margins.Margins | None = None,
) -> bytes:
    """CSV bytes of the customers of segment number `segment` (1..k) (and, `with_margins`,
    their runner-up segment and margin from `_margins`)."""
    frame = core_export.segment_customers(
        _data, _seg, names, segment, margins=_margins if with_margins else None
    )
    if is_applied_key(digest):  # the previous assignment named as in the labelled download
        frame.columns = core_movement.renamed_columns(_data.raw.columns, list(frame.columns))
    return core_export.to_csv_bytes(frame, bom=True)


def _excel_progress():
    """A progress bar drawn inside the cached function (so a cache hit replays it, gone)."""
    bar = st.progress(0.0, text="Writing the Excel file…")
    return bar, lambda share: bar.progress(min(share, 1.0), text="Writing the Excel file…")


@st.cache_data(max_entries=_EXPORTS, max_size=_EXPORTS_SIZE, show_spinner=False)
def customers_xlsx(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    segment: int | None,
    _data: CustomerData,
    _seg: Segmentation,
    with_margins: bool = False,
    _margins: core_margins.Margins | None = None,
) -> bytes:
    """.xlsx bytes of the labelled customers (or of segment number `segment`'s), the same
    columns as the CSV, with a progress bar while they are written."""
    bar, report = _excel_progress()
    margins = _margins if with_margins else None
    book = core_excel.customers_xlsx_bytes(
        _data, _seg, names, segment=segment, margins=margins, progress=report
    )
    bar.empty()
    return book


@st.cache_data(max_entries=_PROFILES, show_spinner=False)
def profile_xlsx(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    _profiles: core_profile.Profiles,
) -> bytes:
    """.xlsx bytes of the profile table with the current names."""
    return core_excel.profile_xlsx_bytes(core_profile.profile_table(_profiles, names))


@st.cache_data(max_entries=_PROFILES, show_spinner=False)
def profile_csv(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    _profiles: core_profile.Profiles,
    with_trust: bool = False,
    _stability: core_stability.Stability | None = None,
    _borderline: core_margins.Borderline | None = None,
    value_column: str | None = None,
    _value: core_value.SegmentValue | None = None,
) -> bytes:
    """CSV bytes of the profile table with the current names (and, `with_trust`, each
    segment's stability and borderline share; with `value_column`, its value columns)."""
    table = core_profile.profile_table(_profiles, names)
    if with_trust:
        table = core_stability.with_stability(table, _stability)
        table = core_margins.with_borderline(table, _borderline, names)
    if _value is not None:
        table = core_value.with_value_columns(table, _value)
    return core_export.to_csv_bytes(table, bom=True)


@st.cache_resource(max_entries=_PROFILES, show_spinner=False)
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


@st.cache_resource(max_entries=_LOADS, show_spinner=False)
def order_guess(digest: str, _data: CustomerData) -> OrderLogGuess:
    """`segmentation.order_log.guess_order_log` of the file `digest`."""
    return guess_order_log(_data.frame, id_column=_data.id_column)


@st.cache_resource(
    max_entries=_LOADS, show_spinner="Building one row per customer from the orders…"
)
def order_customers(
    digest: str,
    columns: OrderColumns,
    snapshot: dt.date | None,
    date_order: str,
    _data: CustomerData,
) -> tuple[CustomerTable, CustomerData]:
    """The customer table of the order log `digest` for the chosen columns and snapshot."""
    table = customers_from_data(_data, columns, snapshot=snapshot, date_order=date_order)
    report = _data.report
    return table, customer_data(table, name=_data.name, file_format=report.file_format)


@st.cache_resource(max_entries=_PROFILES, show_spinner=False)
def rfm_grid(digest: str, _data: CustomerData) -> go.Figure:
    """`segmentation.charts.rfm.rfm_grid_figure` of a customer table built from orders."""
    return rfm_charts.rfm_grid_figure(_data.frame)


@st.cache_resource(max_entries=_PROFILES, show_spinner=False)
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
    return order_customers(
        current_source().file_digest,
        order_columns(data),
        state.get(state.SNAPSHOT),
        state.get(state.DATE_ORDER),
        data,
    )


def load_upload(digest: str, raw: bytes, name: str) -> CustomerData:
    """Read a new upload (cached: the page then gets the same result). Raises DataError."""
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


def current_elbow(data: CustomerData, choices: Choices, choice: KChoice, k: int) -> go.Figure:
    """The elbow chart of the current sweep with `k` marked (cached per choices and k)."""
    return elbow(current_source().digest, data.id_column, choices, k, choice)


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


# --- can these segments be trusted: stability, margins, k -> k+1 (issue 14) ---------------


@st.cache_resource(
    max_entries=_FITS,
    show_spinner="Refitting the segments on resampled customers to test how stable each is…",
)
def stability(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    _prepared: PreparedFeatures,
    _seg: Segmentation,
) -> core_stability.Stability:
    """`segmentation.stability.segment_stability` of one segmentation (a few KB)."""
    return core_stability.segment_stability(_prepared, _seg)


@st.cache_resource(max_entries=_FITS, show_spinner="Finding the customers on a border…")
def margins(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    _prepared: PreparedFeatures,
    _seg: Segmentation,
) -> core_margins.Margins:
    """`segmentation.margins.segment_margins` of one segmentation (16 bytes a customer:
    16 MB at 1M, as a Segmentation)."""
    return _read_only(core_margins.segment_margins(_prepared, _seg))


@st.cache_resource(max_entries=_SCATTERS, show_spinner=False)
def borderline_scatter(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    x: str | None,
    y: str | None,
    view: str,
    max_points: int,
    _scatter: go.Figure,
    _margins: core_margins.Margins,
) -> go.Figure:
    """The scatter with borderline customers outlined (shared, never edited)."""
    return charts.borderline_overlay(_scatter, _margins)


@st.cache_resource(max_entries=_SWEEPS, show_spinner="Following the customers from k to k + 1…")
def sankey(
    digest: str,
    id_column: str | None,
    choices: Choices,
    ks: tuple[int, ...],
    chosen_k: int,
    names: tuple[tuple[str, ...], ...],
    _segs: tuple[Segmentation, ...],
) -> go.Figure:
    """The Sankey of the fits `_segs` (one per k of `ks`) with `names` (shared, never edited)."""
    chain = [core_transitions.segment_transitions(a, b) for a, b in zip(_segs, _segs[1:])]
    return charts.sankey_figure(chain, names, chosen_k=chosen_k)


def current_stability(cur: Current) -> core_stability.Stability:
    """Stability of the current segmentation (cached); remembered as measured for the
    sidebar, which shows it only once a page has asked for it."""
    result = stability(
        cur.source.digest,
        cur.data.id_column,
        cur.choices,
        cur.k,
        current_prepared(cur.data, cur.choices),
        cur.seg,
    )
    measured = tuple(key for key in state.get(state.MEASURED) if key != cur.key)
    state.put(state.MEASURED, (*measured[-(state.MAX_RENAMED_SEGMENTATIONS - 1) :], cur.key))
    return result


def measured_stability(cur: Current) -> core_stability.Stability | None:
    """Stability of the current segmentation if a page has measured it, else None (the
    sidebar never starts the resampling itself)."""
    if cur.key not in state.get(state.MEASURED):
        return None
    return current_stability(cur)


def current_margins(data: CustomerData, choices: Choices, seg: Segmentation):
    """Runner-up segment and margin of every customer of `seg` (cached)."""
    loaded = state.get(state.SAVED)
    if loaded is not None:  # measured in the saved segmentation's own scaled space
        key = applied_key(current_source().digest, loaded.digest)
        return applied_margins(key, data.id_column, data, loaded.saved, seg)
    prepared_features = current_prepared(data, choices)
    return margins(current_source().digest, data.id_column, choices, seg.k, prepared_features, seg)


def neighbours(data: CustomerData, choices: Choices, choice: KChoice, k: int):
    """[(k', Segmentation, names)] for k - 1, k and k + 1 where swept: the fits the app
    makes when k moves there (cached, started from the sweep's centres)."""
    out = []
    for other in (k - 1, k, k + 1):
        if other not in choice.k_values:
            continue
        seg = current_fit(data, choices, other)
        prof = current_profiles(data, choices, seg)
        out.append((other, seg, current_names(segmentation_key(data, choices, other), prof.names)))
    return out


# --- a saved segmentation applied instead of a fit ------------------------------------------
# Its results are cached under "<data digest>+<saved file digest>" where a fit's are under
# the data digest, so the two never share an entry (same features and k or not).


def applied_key(data_digest: str, saved_digest: str) -> str:
    """The cache key of a saved segmentation applied to some data."""
    return f"{data_digest}+{saved_digest}"


def is_applied_key(digest: str) -> bool:
    """Whether `digest` is an `applied_key`."""
    return "+" in digest


@st.cache_resource(max_entries=_LOADS, show_spinner=False)
def saved_file(digest: str, _raw: bytes, name: str) -> core_saved.SavedSegmentation:
    """`segmentation.saved.from_json` on uploaded bytes. Raises SavedFileError."""
    return core_saved.from_json(_raw, name=name)


@st.cache_resource(max_entries=_FITS, show_spinner="Assigning customers to the saved segments…")
def applied(digest: str, id_column: str | None, _data: CustomerData, _saved) -> Segmentation:
    """`segmentation.apply.apply_saved` for the data and saved segmentation `digest`."""
    return _read_only(apply_saved(_saved, _data.frame))


@st.cache_resource(max_entries=_FITS, show_spinner=False)
def applied_margins(
    digest: str, id_column: str | None, _data: CustomerData, _saved, _seg: Segmentation
):
    """`segmentation.apply.saved_margins` of the customers assigned to a saved segmentation."""
    return _read_only(core_apply.saved_margins(_saved, _data.frame, _seg.labels))


@st.cache_resource(max_entries=_PROFILES, show_spinner=False)
def drift(digest: str, id_column: str | None, _data: CustomerData, _saved) -> Drift:
    """`segmentation.drift.feature_drift` for the data and saved segmentation `digest`."""
    return feature_drift(_saved, _data.frame)


@st.cache_resource(max_entries=_PROFILES, show_spinner=False)
def movement(digest: str, id_column: str | None, names: tuple[str, ...], _data: CustomerData, _seg):
    """`segmentation.movement.movement` (None when the file has no earlier assignment)."""
    return core_movement.movement(_data, _seg, names)


@st.cache_data(max_entries=_EXPORTS, max_size=_EXPORTS_SIZE, show_spinner=False)
def cell_csv(
    digest: str,
    id_column: str | None,
    names: tuple[str, ...],
    before: str,
    now: str,
    _data: CustomerData,
    _seg: Segmentation,
    _moved,
) -> bytes:
    """CSV bytes of the customers of one cell of the movement matrix."""
    table = core_movement.labelled_table(_data, _seg, names)
    return core_export.to_csv_bytes(table.iloc[_moved.cell(before, now)])


@st.cache_data(max_entries=_EXPORTS, show_spinner=False)
def segmentation_json(
    digest: str,
    id_column: str | None,
    choices: Choices,
    k: int,
    names: tuple[str, ...],
    file_name: str,
    _data: CustomerData,
    _seg: Segmentation,
    _saved: core_saved.SavedSegmentation | None = None,
    notes: str = "",
) -> bytes:
    """The `Download segmentation` file: the current segmentation saved as JSON (a saved
    one applied is given back with the current names), with the campaign `notes`."""
    if _saved is not None:
        saved = core_saved.with_names(_saved, names)
    else:
        saved = core_saved.save_segmentation(
            _data.frame,
            _seg,
            names,
            id_column=_data.id_column,
            file_name=file_name,
            sha256=digest,
        )
    if notes:
        saved = core_saved.with_notes(saved, notes[: core_saved.MAX_NOTES])
    return core_saved.to_json_bytes(saved)


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
