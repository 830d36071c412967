"""Every session-state key of the app, and typed getters/setters for the user's choices.

Two kinds of keys live here:

* durable choices (``seg.*``): the dataset, id override, features, transforms, k, names,
  scatter axes. They survive moving between pages because no widget owns them.
* widget keys (``w.*``): what a widget writes while its page is shown. Streamlit drops them
  when the page is not shown, so each widget is seeded from its durable choice before it is
  drawn and copies back in ``on_change`` (see `seed` and `copier`).

Results are never stored here: pages recompute them through `ui.cached` (cached).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

# --- durable choices -------------------------------------------------------------------
DATASET = "seg.dataset"  # Dataset or None (None: the built-in sample)
ID_COLUMN = "seg.id_column"  # str or None (None: the detected id)
FEATURES = "seg.features"  # tuple of str or None (None: default_features)
SCALER = "seg.scaler"  # one of segmentation.SCALERS
MISSING = "seg.missing"  # one of segmentation.MISSING_POLICIES
LOG_FEATURES = "seg.log_features"  # tuple of str or None (None: suggested_log_features)
CLIP = "seg.clip"  # bool: clip outliers at the 1st/99th percentiles
K = "seg.k"  # int or None (None: the recommended k)
RENAMES = "seg.renames"  # {segmentation key: {segment 1..k: name}}
SCATTER_X = "seg.scatter_x"  # str or None
SCATTER_Y = "seg.scatter_y"  # str or None
SCATTER_VIEW = "seg.scatter_view"  # "features" or "pca"
EXPORT_SEGMENT = "seg.export_segment"  # int segment number 1..k for the per-segment list
UPLOAD_SEEN = "seg.upload_seen"  # file_id of the last upload handled
UPLOAD_ERROR = "seg.upload_error"  # message of the last failed upload, or None
NAMES_ERROR = "seg.names_error"  # message of the last refused rename, or None
ORDERS_MODE = "seg.orders_mode"  # None (as detected), "customers" or "orders"
ORDER_COLUMNS = "seg.order_columns"  # {role: column or None} the user chose, or None
SNAPSHOT = "seg.snapshot"  # datetime.date or None (None: the day after the last order)
DATE_ORDER = "seg.date_order"  # "auto", "day-first" or "month-first"
SEGMENTED = "seg.segmented"  # (digest, id column, Choices) a page last swept k for, or None
VALUE_COLUMN = "seg.value_column"  # str, value.NO_VALUE, or None (None: the money-like default)
NOTES = "seg.notes"  # {segmentation key: {segment 1..k: campaign note}}, beside RENAMES
BORDERLINE = "seg.borderline"  # bool: outline borderline customers on the scatter
MEASURED = "seg.measured"  # segmentation keys whose stability a page has measured (tuple)
SAVED = "seg.saved"  # LoadedSaved or None: a saved segmentation applied instead of a fit
SAVED_SEEN = "seg.saved_seen"  # file_id of the last saved-segmentation upload handled
SAVED_ERROR = "seg.saved_error"  # message of the last refused saved segmentation, or None
EXCEL_ASKED = "seg.excel_asked"  # tuple of Excel files asked for: (segmentation key, what)
PERSIST_TOKEN = "seg.persist_token"  # this session's random token in the address (ui.persist)
PERSIST_NOTICE = "seg.persist_notice"  # why earlier work could not be restored, or None
K_STEPPED = "seg.k_stepped"  # bool: the k slider moved since the k part last ran

# --- widget keys (dropped by Streamlit when their page is not shown) --------------------
W_UPLOAD = "w.upload"
W_ID_COLUMN = "w.id_column"
W_FEATURES = "w.features"
W_SCALER = "w.scaler"
W_MISSING = "w.missing"
W_LOG_FEATURES = "w.log_features"
W_CLIP = "w.clip"
W_K = "w.k"
W_SCATTER_X = "w.scatter_x"
W_SCATTER_Y = "w.scatter_y"
W_SCATTER_VIEW = "w.scatter_view"
W_SCATTER = "w.scatter"  # the chart's selection state
W_EXPORT_SEGMENT = "w.export_segment"
W_ORDERS_MODE = "w.orders_mode"
W_ORDER_ROLE_PREFIX = "w.order_role."  # + customer / date / amount / order
W_SNAPSHOT = "w.snapshot"
W_DATE_ORDER = "w.date_order"
W_SAVED_UPLOAD = "w.saved_upload"
W_MOVEMENT_CELL = "w.movement_cell"  # the cell of the who-moved matrix whose customers to download
W_NAME_PREFIX = "w.name."  # + segmentation key digest + "." + segment number
W_VALUE_COLUMN = "w.value_column"
W_NOTE_PREFIX = "w.note."  # + segmentation key digest + "." + segment number
W_BORDERLINE = "w.borderline"

#: Clip percentiles used when outlier clipping is on.
CLIP_PERCENTILES = (1.0, 99.0)
#: Renames kept for this many segmentations per session (oldest dropped first).
MAX_RENAMED_SEGMENTATIONS = 50

_DEFAULTS: dict[str, Any] = {
    DATASET: None,
    ID_COLUMN: None,
    FEATURES: None,
    SCALER: "standard",
    MISSING: "drop",
    LOG_FEATURES: None,
    CLIP: False,
    K: None,
    SCATTER_X: None,
    SCATTER_Y: None,
    SCATTER_VIEW: "features",
    EXPORT_SEGMENT: None,
    UPLOAD_SEEN: None,
    UPLOAD_ERROR: None,
    NAMES_ERROR: None,
    SEGMENTED: None,
    ORDERS_MODE: None,
    ORDER_COLUMNS: None,
    SNAPSHOT: None,
    DATE_ORDER: "auto",
    VALUE_COLUMN: None,
    BORDERLINE: False,
    K_STEPPED: False,
    MEASURED: (),
    SAVED: None,
    SAVED_SEEN: None,
    SAVED_ERROR: None,
    EXCEL_ASKED: (),
    PERSIST_TOKEN: None,
    PERSIST_NOTICE: None,
}

#: What a reload brings back (`ui.persist`): the upload and every durable choice.
PERSISTED = (
    DATASET,
    ID_COLUMN,
    FEATURES,
    SCALER,
    MISSING,
    LOG_FEATURES,
    CLIP,
    K,
    RENAMES,
    NOTES,
    VALUE_COLUMN,
    SCATTER_X,
    SCATTER_Y,
    SCATTER_VIEW,
    EXPORT_SEGMENT,
    EXCEL_ASKED,
)

#: Choices that no longer apply once another dataset is loaded.
_PER_DATASET = (
    ID_COLUMN,
    FEATURES,
    LOG_FEATURES,
    K,
    SCATTER_X,
    SCATTER_Y,
    EXPORT_SEGMENT,
    NAMES_ERROR,
    ORDERS_MODE,
    ORDER_COLUMNS,
    SNAPSHOT,
    DATE_ORDER,
    VALUE_COLUMN,
)


@dataclass(frozen=True)
class Dataset:
    """An uploaded file: its bytes, its name as uploaded, and the sha256 of the bytes."""

    data: bytes
    name: str
    digest: str


@dataclass(frozen=True)
class LoadedSaved:
    """A saved segmentation uploaded to be applied: the parsed file, its name and digest."""

    saved: Any  # segmentation.saved.SavedSegmentation
    name: str
    digest: str


@dataclass(frozen=True)
class Choices:
    """The preparation choices, hashable, as the cached wrappers take them."""

    features: tuple[str, ...]
    scaler: str
    missing: str
    log_features: tuple[str, ...]
    clip: tuple[float, float] | None


def order_choices() -> tuple | None:
    """The user's order-log choices as one hashable value; None while all are defaults."""
    choices = (get(ORDERS_MODE), get(ORDER_COLUMNS), get(SNAPSHOT), get(DATE_ORDER))
    if choices == (None, None, None, "auto"):
        return None
    columns = get(ORDER_COLUMNS)
    return (choices[0], tuple(sorted((columns or {}).items())), choices[2], choices[3])


def digest_of(data: bytes) -> str:
    """sha256 hex digest of `data`: the cache key of an upload."""
    return hashlib.sha256(data).hexdigest()


def get(key: str) -> Any:
    """The durable value under `key`, or its default."""
    if key in st.session_state:
        return st.session_state[key]
    return _DEFAULTS.get(key)


def put(key: str, value: Any) -> None:
    """Store a durable value."""
    st.session_state[key] = value


def set_dataset(dataset: Dataset | None) -> None:
    """Replace the dataset and reset every choice that belonged to the old one."""
    put(DATASET, dataset)
    for key in _PER_DATASET:
        put(key, _DEFAULTS[key])
    put(UPLOAD_ERROR, None)


def seed(widget_key: str, value: Any) -> None:
    """Give a widget its value from the durable choice before the widget is drawn.

    Only when it differs: a value set from the script is pushed to the browser, where it
    would undo a change the user made while this run was going on (a quick k step)."""
    if widget_key not in st.session_state or st.session_state[widget_key] != value:
        st.session_state[widget_key] = value


def copier(widget_key: str, key: str, convert: Callable[[Any], Any] = lambda v: v):
    """An on_change callback copying the widget's value into the durable choice."""

    def copy() -> None:
        put(key, convert(st.session_state[widget_key]))

    return copy


def renames_for(seg_key: str) -> dict[int, str]:
    """The user's names for the segmentation `seg_key` ({segment 1..k: name})."""
    return dict(get(RENAMES) or {}).get(seg_key, {})


def set_renames(seg_key: str, renames: dict[int, str]) -> None:
    """Store names for one segmentation, keeping at most MAX_RENAMED_SEGMENTATIONS."""
    allr = dict(get(RENAMES) or {})
    allr.pop(seg_key, None)
    allr[seg_key] = dict(renames)
    while len(allr) > MAX_RENAMED_SEGMENTATIONS:
        allr.pop(next(iter(allr)))
    put(RENAMES, allr)


def notes_for(seg_key: str) -> dict[int, str]:
    """The campaign notes for the segmentation `seg_key` ({segment 1..k: note})."""
    return dict(get(NOTES) or {}).get(seg_key, {})


def set_note(seg_key: str, segment: int, note: str) -> None:
    """Store one campaign note, keeping notes for at most MAX_RENAMED_SEGMENTATIONS
    segmentations, as the names. An empty note is kept too: it clears the note a saved
    segmentation brought."""
    all_notes = dict(get(NOTES) or {})
    notes = dict(all_notes.pop(seg_key, {}))
    notes[segment] = note
    all_notes[seg_key] = notes
    while len(all_notes) > MAX_RENAMED_SEGMENTATIONS:
        all_notes.pop(next(iter(all_notes)))
    put(NOTES, all_notes)
