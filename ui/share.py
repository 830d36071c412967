"""Share and act (issue 15): the value column, the value chart, segment cards with campaign
notes, and the report and campaign pack downloads. Pages call these; they read state and
the cached core, and render.
"""

from __future__ import annotations

import html
import io

import streamlit as st

from segmentation import SegmentationError, charts
from segmentation.cards import MAX_NOTE, SegmentCard, clean_note, segment_cards
from segmentation.features import numeric_columns
from segmentation.pack import write_pack
from segmentation.report import build_report
from segmentation.traits import ratio_words
from segmentation.value import NO_VALUE, SegmentValue, default_value_column
from ui import cached, state, trust_cache, widgets

CARDS_PER_ROW = 3
REPORT_LABEL = "Download report"
PACK_LABEL = "Download campaign pack"


# --------------------------------------------------------------------------- value


def value_column(cur: cached.Current) -> str | None:
    """The value column in use: the user's choice if it still applies, else the money-like
    default (None when there is none, or when the user chose "(none)")."""
    options = numeric_columns(cur.data)
    chosen = state.get(state.VALUE_COLUMN)
    if chosen == NO_VALUE:
        return None
    if chosen in options:
        return chosen
    # Only columns offered as features: a constant (say, Z_Revenue = 11 for everyone) is
    # money-named but would show value shares equal to customer shares.
    offered = cached.current_suggestion(cur.data)
    return default_value_column([c for c in offered.options if c in options])


def current_value(cur: cached.Current) -> SegmentValue | None:
    """Value per segment on the value column in use, or None without one."""
    column = value_column(cur)
    if column is None:
        return None
    digest, id_column = cur.source.digest, cur.data.id_column
    return cached.segment_value(digest, id_column, cur.choices, cur.k, column, cur.data, cur.seg)


def value_section(cur: cached.Current) -> SegmentValue | None:
    """The `Value column` choice and, with one, share of customers beside share of value."""
    st.subheader("Value per segment")
    options = [NO_VALUE, *numeric_columns(cur.data)]
    state.seed(state.W_VALUE_COLUMN, value_column(cur) or NO_VALUE)
    st.selectbox(
        "Value column",
        options,
        key=state.W_VALUE_COLUMN,
        on_change=state.copier(state.W_VALUE_COLUMN, state.VALUE_COLUMN),
        help="A column of money per customer (revenue, spend...): which segments carry it.",
    )
    try:
        value = current_value(cur)
    except SegmentationError as exc:
        widgets.error(exc)
        return None
    if value is None:
        st.caption(
            "Choose a column of amounts (revenue, spend, monetary...) to see which segments "
            "carry the value, on this page, on the cards, in the report and in the downloads."
        )
        return None
    left, _ = st.columns([3, 1])
    with left:
        st.plotly_chart(charts.value_share_figure(value, cur.names), key="value_shares")
    for note in value.notes:
        st.caption(widgets.md(note))
    return value


# --------------------------------------------------------------------------- cards


def note_key(seg_key: str, segment: int) -> str:
    return f"{state.W_NOTE_PREFIX}{seg_key}.{segment}"


def _keep_note(seg_key: str, segment: int) -> None:
    state.set_note(seg_key, segment, clean_note(st.session_state[note_key(seg_key, segment)]))


def stability(cur: cached.Current) -> dict[int, float] | None:
    """Stability per segment (issue 14; Profiles and Export measure it, cached), or None
    when it cannot be measured."""
    try:
        result = trust_cache.current_stability(cur)
    except SegmentationError:
        return None
    return {s: v for s, v in enumerate(result.stability, start=1) if v is not None}


def _card_numbers(card: SegmentCard) -> str:
    parts = [f"{widgets.count(card.customers)} customers", f"{widgets.percent(card.share)}"]
    if card.value_share is not None:
        parts.append(f"{widgets.percent(card.value_share)} of {card.value_column}")
    if card.value_index is not None:
        parts.append(f"{ratio_words(card.value_index / 100)} per customer")
    return " · ".join(parts)


def _card(card: SegmentCard, seg_key: str) -> None:
    with st.container(border=True):
        st.html(
            f'<div style="border-left:6px solid {card.colour};padding-left:8px;'
            f'font-weight:600;font-size:1.05rem">{card.segment} · {html.escape(card.name)}</div>'
        )
        st.caption(widgets.md(_card_numbers(card)))
        st.markdown("\n".join(f"- {widgets.md(trait)}" for trait in card.traits))
        if card.stability_text:
            st.caption(widgets.md(f"Stability: {card.stability_text}"))
        key = note_key(seg_key, card.segment)
        state.seed(key, card.note)
        st.text_area(
            "Campaign note",
            key=key,
            on_change=_keep_note,
            args=(seg_key, card.segment),
            max_chars=MAX_NOTE,
            height=90,
            placeholder="Offer, channel, timing…",
        )


def cards(cur: cached.Current, value: SegmentValue | None) -> None:
    """One card per segment: size, value share, three traits, stability, campaign note."""
    st.subheader("Segment cards")
    st.caption(
        "Each segment in a few lines. The campaign note you write goes into the report and "
        "the campaign pack, with the names."
    )
    made = segment_cards(
        cur.profiles,
        cur.names,
        value=value,
        stability=stability(cur),
        notes=state.notes_for(cur.key),
    )
    for start in range(0, len(made), CARDS_PER_ROW):
        columns = st.columns(CARDS_PER_ROW)
        for column, card in zip(columns, made[start : start + CARDS_PER_ROW]):
            with column:
                _card(card, cur.key)


# --------------------------------------------------------------------------- downloads


def _report(
    cur: cached.Current,
    value: SegmentValue | None,
    notes: dict[int, str],
    stable: dict[int, float] | None,
) -> str:
    return build_report(
        cur.data,
        cur.seg,
        cur.names,
        choice=cur.choice,
        profiles=cur.profiles,
        value=value,
        stability=stable,
        notes=notes,
        file_name=cur.source.name,
    )


def downloads(cur: cached.Current, *, saved_json: bytes | None = None) -> None:
    """`Download report` and `Download campaign pack`: each file is built when clicked;
    the pack carries `saved_json` (the `Download segmentation` file) when given."""
    st.subheader("Report and campaign pack")
    # Read here, in the page's run: the files are built on another thread, on click.
    value = current_value(cur)
    notes = state.notes_for(cur.key)
    stable = stability(cur)
    stem = f"{widgets.file_stem(cur.data.name or cur.source.name)}_k{cur.k}"
    st.caption(
        "The report is one HTML file that opens offline in any browser: the segments, their "
        "cards and notes, the charts and how they were made. The campaign pack is a ZIP with "
        "one customer list per segment, all customers labelled, the profile table, the report "
        "and a README."
        + ("" if value is None else f" Value is measured on {widgets.md(value.column)}.")
    )

    def report() -> bytes:
        return _report(cur, value, notes, stable).encode()

    def pack() -> bytes:
        sink = io.BytesIO()
        write_pack(
            sink,
            cur.data,
            cur.seg,
            cur.names,
            profiles=cur.profiles,
            value=value,
            report_html=_report(cur, value, notes, stable),
            saved_json=saved_json,
            file_name=cur.source.name,
        )
        return sink.getvalue()

    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        REPORT_LABEL,
        report,
        file_name=f"{stem}_report.html",
        mime="text/html",
        on_click="ignore",
        key="download_report",
        icon=":material/description:",
    )
    right.download_button(
        PACK_LABEL,
        pack,
        file_name=f"{stem}_campaign_pack.zip",
        mime="application/zip",
        on_click="ignore",
        key="download_pack",
        icon=":material/folder_zip:",
    )
