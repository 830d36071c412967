"""Export: the labelled customers, one segment's list, and the profile table as CSV
(with a byte-order mark, so Excel reads accents) and as Excel workbooks."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from segmentation import SegmentationError
from segmentation import excel as core_excel
from ui import downloads, share, state, trust, widgets
from ui import saved as ui_saved

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 10
#: Excel files a session keeps asked for (older ones are prepared again on request).
MAX_EXCEL_ASKED = 20


def file_name(stem: str, k: int, what: str, ext: str = "csv") -> str:
    """'mall_customers_k5_labelled.csv'."""
    return f"{widgets.file_stem(stem)}_k{k}_{what}.{ext}"


def ask_excel(asked_key: tuple[str, str]) -> None:
    asked = tuple(a for a in state.get(state.EXCEL_ASKED) if a != asked_key)
    state.put(state.EXCEL_ASKED, (asked + (asked_key,))[-MAX_EXCEL_ASKED:])


def excel_download(
    asked_key: tuple[str, str], label: str, name: str, n_rows: int, make: Callable[[], bytes]
) -> None:
    """An Excel download: prepared on request (with progress, a large file takes seconds),
    or the reason there is none (more rows than a sheet holds)."""
    if not core_excel.fits_in_excel(n_rows):
        st.caption(widgets.md(core_excel.too_many_rows_message(n_rows)))
        return
    what = asked_key[1]
    if asked_key not in state.get(state.EXCEL_ASKED):
        st.button(
            f"Prepare {label} for Excel (.xlsx)",
            key=f"ask_xlsx_{what}",
            on_click=ask_excel,
            args=(asked_key,),
            icon=":material/table_view:",
        )
        return
    st.download_button(
        f"Download {label} (.xlsx)",
        make(),
        file_name=name,
        mime=XLSX,
        on_click="ignore",
        key=f"download_xlsx_{what}",
        icon=":material/download:",
    )


def render() -> None:
    """Draw the page; return early (instead of st.stop) so the sidebar is still drawn."""
    st.title("Export")
    cur = widgets.current_segmentation("download segments")
    if cur is None:
        return
    try:
        margins = trust.export_margins(cur)
        all_customers(cur, margins)
    except SegmentationError as exc:
        widgets.error(exc)
        return
    one_segment(cur, margins)
    saved_json = ui_saved.download_segmentation(cur)
    if profile_downloads(cur):
        share.downloads(cur, saved_json=saved_json)


def all_customers(cur, margins) -> None:
    """Every row of the file with its segment: CSV, Excel and a preview."""
    data, seg, names, k, choices = cur.data, cur.seg, cur.names, cur.k, cur.choices
    stem = data.name or cur.source.name
    unassigned = int((seg.labels < 0).sum())
    st.subheader("All customers with their segment")
    st.caption(
        f"Every one of the {widgets.count(len(data.frame))} rows of the file, in file order, with "
        "every cell as written, plus `segment` (1 to "
        f"{k}), `segment_name`, `runner_up_segment` (the next closest segment) and `margin` "
        "(0 = on the border with it, 1 = at the heart of its own segment)."
        + (
            f" {widgets.count(unassigned)} customers without a segment carry the reason in "
            "`unassigned_reason`."
            if unassigned
            else ""
        )
    )
    labelled = downloads.labelled_csv(
        cur.source.digest, data.id_column, choices, k, names, data, seg, True, margins
    )
    st.download_button(
        "Download labelled customers",
        labelled,
        file_name=file_name(stem, k, "labelled"),
        mime=CSV,
        on_click="ignore",
        key="download_labelled",
        type="primary",
        icon=":material/download:",
    )
    excel_download(
        (cur.key, "labelled"),
        "labelled customers",
        file_name(stem, k, "labelled", "xlsx"),
        len(data.frame),
        lambda: downloads.customers_xlsx(
            cur.source.digest, data.id_column, choices, k, names, None, data, seg, True, margins
        ),
    )
    head = data.raw_head(PREVIEW_ROWS)
    preview, seg_col = widgets.with_segments(head, seg.labels[: len(head)], names, front=False)
    preview = trust.with_margins(preview, margins)
    st.caption(f"The first {len(preview)} rows of {file_name(stem, k, 'labelled')}:")
    widgets.segment_table(preview, seg_col)


def one_segment(cur, margins) -> None:
    """The customers of the segment chosen in a selectbox: CSV and Excel."""
    data, seg, names, k, choices = cur.data, cur.seg, cur.names, cur.k, cur.choices
    digest, stem = cur.source.digest, data.name or cur.source.name
    st.subheader("One segment's customers")
    segment_numbers = list(range(1, k + 1))
    chosen = state.get(state.EXPORT_SEGMENT)
    state.seed(state.W_EXPORT_SEGMENT, chosen if chosen in segment_numbers else 1)
    segment = st.selectbox(
        "Segment",
        segment_numbers,
        key=state.W_EXPORT_SEGMENT,
        format_func=lambda s: f"{s} · {names[s - 1]} ({widgets.count(seg.sizes[s - 1])} customers)",
        on_change=state.copier(state.W_EXPORT_SEGMENT, state.EXPORT_SEGMENT, int),
    )
    members = downloads.segment_csv(
        digest, data.id_column, choices, k, names, segment, data, seg, True, margins
    )
    st.download_button(
        "Download this segment's customers",
        members,
        file_name=file_name(stem, k, f"segment{segment}"),
        mime=CSV,
        on_click="ignore",
        key="download_segment",
        icon=":material/download:",
    )
    excel_download(
        (cur.key, f"segment{segment}"),
        "this segment's customers",
        file_name(stem, k, f"segment{segment}", "xlsx"),
        int(seg.sizes[segment - 1]),
        lambda: downloads.customers_xlsx(
            digest, data.id_column, choices, k, names, segment, data, seg, True, margins
        ),
    )


def profile_downloads(cur) -> bool:
    """The profile table as CSV and Excel; False (and the reason shown) when it cannot be made."""
    data, k, stem = cur.data, cur.k, cur.data.name or cur.source.name
    st.subheader("Segment profiles")
    st.caption(
        "One row per segment: size, share, stability (how often it comes back when customers "
        "are resampled), means and medians, index against the average, borderline share; "
        "with a value column chosen on Profiles, its value_share and value_per_customer."
    )
    try:
        profile_bytes = trust.profile_csv(cur, value=share.current_value(cur))
    except SegmentationError as exc:
        widgets.error(exc)
        return False
    st.download_button(
        "Download the profile table",
        profile_bytes,
        file_name=file_name(stem, k, "profiles"),
        mime=CSV,
        on_click="ignore",
        key="download_profiles",
        icon=":material/download:",
    )
    st.download_button(
        "Download the profile table (.xlsx)",
        downloads.profile_xlsx(
            cur.source.digest, data.id_column, cur.choices, k, cur.names, cur.profiles
        ),
        file_name=file_name(stem, k, "profiles", "xlsx"),
        mime=XLSX,
        on_click="ignore",
        key="download_profiles_xlsx",
        icon=":material/download:",
    )
    return True


render()
