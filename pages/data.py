"""Data: upload a customer file (or explore the sample), read its health report, preview it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from segmentation import DataError, SegmentationError
from ui import cached, state, widgets
from ui import orders as order_widgets
from ui import saved as ui_saved

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]
PREVIEW_ROWS = 200
DELIMITER_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}


def handle_upload(uploaded) -> None:
    """Read a new upload; on success it replaces the dataset, on failure the old one stays."""
    if uploaded is None:
        state.put(state.UPLOAD_ERROR, None)  # the failed file is gone: so is its message
        return
    if uploaded.file_id == state.get(state.UPLOAD_SEEN):
        return
    state.put(state.UPLOAD_SEEN, uploaded.file_id)
    raw = uploaded.getvalue()
    digest = state.digest_of(raw)
    try:
        cached.load_upload(digest, raw, uploaded.name)
    except DataError as exc:
        state.put(state.UPLOAD_ERROR, f"{uploaded.name} could not be used: {exc}")
        return
    state.set_dataset(state.Dataset(raw, uploaded.name, digest))


def use_sample() -> None:
    """Go back to the built-in sample."""
    state.set_dataset(None)


def change_id() -> None:
    """Copy the id selectbox into the durable choice; features chosen before no longer apply."""
    state.put(state.ID_COLUMN, st.session_state[state.W_ID_COLUMN])
    state.put(state.FEATURES, None)
    state.put(state.LOG_FEATURES, None)
    state.put(state.K, None)


def render() -> None:
    """Draw the page; return early (instead of st.stop) so the sidebar is still drawn."""
    st.title("Your customers")
    uploader()
    try:
        source = cached.current_source()
        data = cached.file_data()
    except SegmentationError as exc:
        widgets.error(exc)
        return
    if source.is_sample:
        widgets.sample_notice(data.report.n_rows)
    else:
        st.button("Use the built-in sample instead", on_click=use_sample)
    what_was_read(source, data.report, rows="Rows" if cached.is_order_log(data) else None)
    customers = order_widgets.order_section(data)
    if customers is None and cached.is_order_log(data):
        return  # the order choices are not complete yet: the problem is shown above
    if customers is None:
        id_choice(data)
    data = customers or data
    health_check(data.report)
    columns_and_roles(data)
    preview(data.raw_head(PREVIEW_ROWS), data.report.n_rows, built=customers is not None)


def uploader() -> None:
    """The file uploader, and the last upload's error (the data before it stays)."""
    uploaded = st.file_uploader(
        "Upload customer data",
        type=UPLOAD_TYPES,
        key=state.W_UPLOAD,
        help="CSV, TSV or TXT (any delimiter), Excel .xlsx or Parquet; one row per customer.",
    )
    handle_upload(uploaded)
    ui_saved.render_uploader()
    if state.get(state.UPLOAD_ERROR):
        widgets.error(state.get(state.UPLOAD_ERROR))
        st.caption("The customers you had before are still loaded.")


def what_was_read(source, report, *, rows: str | None = None) -> None:
    """Rows, columns and format, and how a text file was decoded and split."""
    st.subheader("What was read")
    cols = st.columns(4)
    cols[0].metric(rows or "Customers (rows)", widgets.count(report.n_rows))
    cols[1].metric("Columns", widgets.count(report.n_columns))
    cols[2].metric("Numeric columns", widgets.count(len(report.numeric_columns)))
    cols[3].metric("Format", report.file_format.upper())
    details = [f"File: {widgets.md(source.name)}"]
    if report.encoding:
        details.append(f"encoding {widgets.md(report.encoding)}")
    if report.delimiter:
        shown = DELIMITER_NAMES.get(report.delimiter, report.delimiter)
        details.append(f"delimiter {widgets.md(shown)}")
    if report.decimal and report.decimal != ".":
        details.append(f"decimal separator {widgets.md(report.decimal)}")
    st.caption(" · ".join(details))


def id_choice(data) -> None:
    """The customer id column (detected, or the user's), and repeated ids."""
    report = data.report
    st.subheader("Customer id")
    candidates = list(report.id_candidates)
    if data.id_column and data.id_column not in candidates:
        candidates.insert(0, data.id_column)
    if not candidates:
        st.info(
            "No column looks like a customer id: downloads keep every row in file order.",
            icon=":material/info:",
        )
        return
    state.seed(state.W_ID_COLUMN, data.id_column if data.id_column in candidates else None)
    st.selectbox(
        "Customer id column",
        candidates,
        key=state.W_ID_COLUMN,
        on_change=change_id,
        placeholder="No id column detected",
        help="Kept as text in every download and never used as a feature.",
    )
    if report.duplicate_ids:
        st.warning(
            f"{widgets.count(report.duplicate_ids)} rows repeat an id seen above: "
            "check for duplicated customers before acting on the segments.",
            icon=":material/warning:",
        )


def health_check(report) -> None:
    """One alert per piece of advice, listing the columns it applies to; suggestions (skew,
    codes) as tips, problems as warnings."""
    st.subheader("Health check")
    if not report.findings:
        st.success(
            "No problems found: every column was read cleanly.", icon=":material/check_circle:"
        )
        return
    groups: dict[str, list] = {}
    for finding in report.findings:
        groups.setdefault(finding.advice, []).append(finding)
    suggestions = set(report.skewed_columns) | set(report.code_like_columns)
    for advice, findings in groups.items():
        lines = [
            (f"**{widgets.md(f.column)}** " if f.column else "") + widgets.md(f.problem)
            for f in findings
        ]
        if advice:
            lines.append(f"**What to do:** {widgets.md(advice)}")
        text = "  \n".join(lines)
        if all(f.column in suggestions for f in findings):
            st.info(text, icon=":material/lightbulb:")
        else:
            st.warning(text, icon=":material/warning:")


def column_role(column: str, data) -> str:
    """How the app uses `column`: id, number, date, category or text."""
    report = data.report
    if column == data.id_column:
        return "id"
    if column in report.numeric_columns:
        return "number"
    if column in report.date_columns:
        return "date"
    if column in report.categorical_columns:
        return "category"
    return "text"


def columns_and_roles(data) -> None:
    """Columns read as numbers, and every column with its role and missing values."""
    report = data.report
    if report.converted_columns:
        converted = pd.DataFrame(
            report.converted_columns, columns=["column", "read as a number by"]
        )
        st.caption("Columns recognised as numbers")
        st.dataframe(converted, hide_index=True)
    columns = list(data.frame.columns)
    roles = pd.DataFrame(
        {
            "column": columns,
            "role": [column_role(c, data) for c in columns],
            "missing": [int(report.missing.get(c, 0)) for c in columns],
        }
    )
    roles["missing %"] = roles["missing"] / max(report.n_rows, 1) * 100
    with st.expander("Columns and their roles", expanded=False):
        st.dataframe(
            roles,
            hide_index=True,
            column_config={
                "missing": st.column_config.NumberColumn("missing", format="localized"),
                "missing %": st.column_config.NumberColumn("missing %", format="%.1f%%"),
            },
        )


def preview(head: pd.DataFrame, n_rows: int, *, built: bool = False) -> None:
    """The first rows, as written in the file (or as built from its orders)."""
    st.subheader("Preview")
    st.caption(
        f"First {widgets.count(min(PREVIEW_ROWS, n_rows))} of "
        f"{widgets.count(n_rows)} customers, "
        + ("one row per customer as built from the orders." if built else "as written in the file.")
    )
    st.dataframe(head, hide_index=True)


render()
