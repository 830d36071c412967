"""A saved segmentation in the app: the uploader (Data), what is applied, drift and who
moved (Segments), and `Download segmentation` (Export)."""

from __future__ import annotations

import html

import streamlit as st

from segmentation import SegmentationError
from segmentation.apply import check_columns
from segmentation.drift import OUTSIDE_SHIFTED, PSI_MODERATE, PSI_SHIFTED
from ui import cache_policy, cached, downloads, share, state, widgets

JSON = "application/json"
CSV = "text/csv"


# --------------------------------------------------------------------------- Data page


def _handle_upload(uploaded) -> None:
    """Read a new saved segmentation; a refused one leaves the previous choice in place."""
    if uploaded is None:
        state.put(state.SAVED_ERROR, None)
        return
    if uploaded.file_id == state.get(state.SAVED_SEEN):
        return
    state.put(state.SAVED_SEEN, uploaded.file_id)
    raw = uploaded.getvalue()
    digest = state.digest_of(raw)
    try:
        saved = cached.saved_file(digest, raw, uploaded.name)
    except SegmentationError as exc:
        state.put(state.SAVED_ERROR, f"{uploaded.name} could not be used: {exc}")
        return
    state.put(state.SAVED_ERROR, None)
    state.put(state.SAVED, state.LoadedSaved(saved, uploaded.name, digest))


def drop_saved() -> None:
    """Stop applying the saved segmentation: segment the customers afresh."""
    state.put(state.SAVED, None)
    state.put(state.SAVED_ERROR, None)


def render_uploader() -> None:
    """The Data page's second uploader, `Apply a saved segmentation`."""
    uploaded = st.file_uploader(
        "Apply a saved segmentation",
        type=["json"],
        key=state.W_SAVED_UPLOAD,
        help="A segmentation saved on the Export page (Download segmentation) or with "
        "`python -m segmentation fit`: these customers get its segments, without refitting.",
    )
    _handle_upload(uploaded)
    if state.get(state.SAVED_ERROR):
        widgets.error(state.get(state.SAVED_ERROR))
    loaded = state.get(state.SAVED)
    if loaded is None:
        return
    st.success(
        f"Applying {widgets.md(loaded.name)}: {_origin(loaded.saved)}",
        icon=":material/bookmark:",
    )
    try:
        check_columns(loaded.saved, cached.current_data().frame)
    except SegmentationError as exc:
        widgets.error(exc)
    st.button(
        "Stop applying it",
        on_click=drop_saved,
        key="drop_saved_data",
        help="Segment these customers afresh (features, scaling and k of your choice).",
    )


def _origin(saved) -> str:
    """'4 segments fitted on june.csv (12,000 customers), saved 2026-12-07' (escaped)."""
    where = widgets.md(saved.source.file_name or "an unnamed file")
    when = widgets.md(saved.created[:10]) if saved.created else "at an unknown date"
    return (
        f"{saved.k} segments fitted on {where} ({widgets.count(saved.source.rows)} customers), "
        f"saved {when}"
    )


# --------------------------------------------------------------------------- Segments page


def render_segments() -> bool:
    """With a saved segmentation loaded, draw the Segments page for it (what is applied,
    drift, who moved) and return True; else draw nothing and return False."""
    loaded = state.get(state.SAVED)
    if loaded is None:
        return False
    saved = loaded.saved
    st.info(
        f"These customers are assigned to the segments of {widgets.md(loaded.name)}, "
        f"{_origin(saved)}, without refitting. Features: "
        + ", ".join(widgets.md(f) for f in saved.features)
        + f" · {widgets.md(saved.scaler)} scaling."
        + (f"  \n**Notes:** {widgets.md(saved.notes)}" if saved.notes else ""),
        icon=":material/bookmark:",
    )
    st.button(
        "Drop the saved segmentation and segment afresh",
        on_click=drop_saved,
        key="drop_saved",
        icon=":material/close:",
    )
    try:
        cur = cached.current()
    except SegmentationError as exc:
        widgets.error(exc)
        return True
    _segments(saved, cur)
    _drift(cur)
    _movement(cur)
    return True


def _segments(saved, cur) -> None:
    st.subheader(f"{saved.k} segments")
    rows = []
    notes = share.current_notes(cur)
    for s, (name, colour, size) in enumerate(zip(cur.names, saved.colours, cur.seg.sizes), 1):
        note = notes.get(s)
        rows.append(
            f'<div style="margin:0 0 .3rem 0"><span style="color:{colour};font-size:1.2em">'
            f"&#9679;</span> <b>{s}</b> {html.escape(str(name))} "
            f'<span style="color:#666">· {widgets.count(size)} customers now, '
            f"{widgets.count(saved.sizes[s - 1])} in training</span>"
            + _note_html(note)
            + "</div>"
        )
    st.html("".join(rows))
    unassigned = int((cur.seg.labels < 0).sum())
    if unassigned:
        st.caption(
            f"{widgets.count(unassigned)} customers have no segment (a missing value); "
            "the labelled download keeps them with the reason."
        )


def _note_html(note: str | None) -> str:
    if not note:
        return ""
    return (
        '<div style="color:#444;margin-left:1.4rem;white-space:pre-line">Campaign note: '
        f"{html.escape(note)}</div>"
    )


def _drift(cur) -> None:
    st.subheader("Has the data moved since?")
    loaded = state.get(state.SAVED)
    drift = cached.drift(cur.source.digest, cur.data.id_column, cur.data, loaded.saved)
    if drift.shifted:
        st.warning(
            "These features moved past the threshold (PSI above "
            f"{PSI_SHIFTED} or more than {widgets.percent(OUTSIDE_SHIFTED, 0)} of customers "
            "outside the training range): "
            + ", ".join(widgets.md(f) for f in drift.shifted)
            + ". The segments may no longer describe these customers well: consider "
            "segmenting afresh.",
            icon=":material/warning:",
        )
    else:
        st.success("No feature moved past the threshold.", icon=":material/check_circle:")
    st.caption(
        f"Population stability index (PSI): below {PSI_MODERATE} stable, {PSI_MODERATE} to "
        f"{PSI_SHIFTED} moderate, above {PSI_SHIFTED} shifted."
    )
    st.dataframe(
        drift.table(),
        hide_index=True,
        column_config={
            "outside training range": st.column_config.NumberColumn(format="percent"),
            "PSI": st.column_config.NumberColumn(format="%.3f"),
            "missing now": st.column_config.NumberColumn(format="percent"),
            "missing in training": st.column_config.NumberColumn(format="percent"),
        },
    )


def _movement(cur) -> None:
    moved = cached.movement(cur.source.digest, cur.data.id_column, cur.names, cur.data, cur.seg)
    if moved is None:
        st.caption(
            "Upload a file that carries an earlier labelled download's `segment` and "
            "`segment_name` columns to see who moved between segments."
        )
        return
    st.subheader("Who moved")
    total = int(moved.counts.to_numpy().sum())
    st.caption(
        f"{widgets.count(moved.moved)} of {widgets.count(total)} customers are in another "
        "segment than before. Rows: the segment before; columns: the segment now."
    )
    shares = moved.shares.map(lambda v: widgets.percent(v, 0))
    table = moved.counts.map(widgets.count) + " (" + shares + ")"
    st.dataframe(table.rename_axis("before \\ now"))
    cells = [
        (b, n)
        for b in moved.counts.index
        for n in moved.counts.columns
        if moved.counts.loc[b, n] > 0
    ]
    before, now = st.selectbox(
        "Customers of one cell",
        cells,
        format_func=lambda c: f"{c[0]} → {c[1]} ({widgets.count(moved.counts.loc[c])})",
        key=state.W_MOVEMENT_CELL,
    )
    data = downloads.cell_csv(
        cur.source.digest, cur.data.id_column, cur.names, before, now, cur.data, cur.seg, moved
    )
    st.download_button(
        "Download these customers",
        data,
        file_name=f"{widgets.file_stem(cur.data.name)}_moved.csv",
        mime=CSV,
        on_click="ignore",
        key="download_cell",
        icon=":material/download:",
    )


# --------------------------------------------------------------------------- Export page


def download_segmentation(cur) -> bytes:
    """`Download segmentation`: the current segmentation as a JSON file to apply later
    (with each segment's campaign note); returns the file's bytes (the campaign pack
    carries them)."""
    st.subheader("The segmentation itself")
    st.caption(
        "A small JSON file with everything needed to give next month's customers the same "
        "segments (features, scaling, centres, names, colours and campaign notes): upload it "
        "on the Data page under *Apply a saved segmentation*, or use it with "
        "`python -m segmentation apply`."
    )
    loaded = state.get(state.SAVED) if cache_policy.is_applied_key(cur.source.digest) else None
    data = downloads.segmentation_json(
        cur.source.digest,
        cur.data.id_column,
        cur.choices,
        cur.k,
        cur.names,
        cur.source.name,
        cur.data,
        cur.seg,
        None if loaded is None else loaded.saved,
        tuple(sorted(share.current_notes(cur).items())),
    )
    stem = widgets.file_stem(cur.data.name or cur.source.name)
    st.download_button(
        "Download segmentation",
        data,
        file_name=f"{stem}_k{cur.k}_segmentation.json",
        mime=JSON,
        on_click="ignore",
        key="download_segmentation",
        icon=":material/bookmark:",
    )
    return data
