"""The cached download files: labelled customers, segment lists, profile tables (CSV and
Excel), a movement cell's customers and the saved segmentation. Bytes, so ``st.cache_data``
bounds them by size (see `ui.cached` for why results are shared objects instead)."""

from __future__ import annotations

import streamlit as st

from segmentation import CustomerData, Segmentation
from segmentation import excel as core_excel
from segmentation import export as core_export
from segmentation import margins as core_margins
from segmentation import movement as core_movement
from segmentation import profile as core_profile
from segmentation import saved as core_saved
from segmentation import stability as core_stability
from segmentation import value as core_value
from ui.cache_policy import EXPORTS, EXPORTS_SIZE, PROFILES, is_applied_key
from ui.state import Choices


@st.cache_data(
    max_entries=EXPORTS,
    max_size=EXPORTS_SIZE,
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
    max_entries=EXPORTS,
    max_size=EXPORTS_SIZE,
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


@st.cache_data(max_entries=EXPORTS, max_size=EXPORTS_SIZE, show_spinner=False)
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


@st.cache_data(max_entries=PROFILES, show_spinner=False)
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


@st.cache_data(max_entries=PROFILES, show_spinner=False)
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


@st.cache_data(max_entries=EXPORTS, max_size=EXPORTS_SIZE, show_spinner=False)
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


@st.cache_data(max_entries=EXPORTS, show_spinner=False)
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
    notes: tuple[tuple[int, str], ...] = (),
) -> bytes:
    """The `Download segmentation` file: the current segmentation saved as JSON (a saved
    one applied is given back with the current names), with each segment's campaign note
    (`notes`: (segment, note) pairs)."""
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
    return core_saved.to_json_bytes(core_saved.with_segment_notes(saved, dict(notes)))
