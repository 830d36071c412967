"""Shared pieces of the pages: safe text, number formats, segment colours, notices.

Text from the user's file (column names, values, file names, error messages that quote
them) is never rendered as Markdown or HTML: it goes through `md` (escaped) or into
st.dataframe / st.text / st.code, which show text as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from segmentation import SegmentationError, charts
from segmentation.export import segment_columns
from segmentation.sample import SAMPLE_NAME
from ui import cached

SAMPLE_NOTICE = (
    "You're exploring the built-in sample of {n} customers - upload your own file on the Data page"
)

# Characters with a meaning in Streamlit Markdown (CommonMark, GFM, LaTeX `$`, `:emoji:`
# and `:color[...]` directives, HTML `<`, `&`): each is escaped with a backslash.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'])")


def md(text: object) -> str:
    """`text` escaped so that Markdown shows it literally (no bold, links, HTML, LaTeX)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", str(text))
    # Line breaks would start new Markdown blocks: keep user text on one line.
    return escaped.replace("\r", " ").replace("\n", " ")


def count(n: int | float) -> str:
    """A count for people: 12,345."""
    return f"{int(n):,}"


def percent(share: float, digits: int = 1) -> str:
    """A share 0..1 for people: 45.2%."""
    return f"{share * 100:.{digits}f}%"


def colour(segment: int) -> str:
    """The colour of segment number `segment` (1..k), as in every chart."""
    return charts.segment_colour(segment)


def segment_label(segment: int, names: Sequence[str]) -> str:
    """'3 · Big spenders' for segment number `segment` (1..k)."""
    return f"{segment} · {names[segment - 1]}"


def swatch(segment: int) -> str:
    """A small rounded square in segment number `segment`'s colour, as an SVG data URL
    (what st.column_config.ImageColumn shows)."""
    fill = colour(segment).replace("#", "%23")
    return (
        "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='28' "
        f"height='20'><rect x='4' y='2' width='20' height='16' rx='4' fill='{fill}'/></svg>"
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):  # a blank: a customer without a segment
        return None


def segment_table(
    frame: pd.DataFrame, column: str, *, formats: dict[str, str] | None = None
) -> None:
    """Show `frame` with a swatch of each row's segment colour before `column` (segment
    numbers 1..k, or blanks for customers without a segment).

    The colour and number formats go to st.dataframe as column settings, not as a pandas
    Styler, which would restyle every cell on every rerun (see benchmarks/README.md).

    Parameters
    ----------
    frame : pandas.DataFrame
    column : str
        The column of segment numbers.
    formats : dict, optional
        Column -> st.column_config.NumberColumn format ("localized", "%.1f%%", ...).
    """
    swatches = [None if number is None else swatch(number) for number in map(_int, frame[column])]
    colour_column = next(
        name
        for name in ("colour", *(f"colour_{i}" for i in range(2, len(frame.columns) + 3)))
        if name not in frame.columns
    )
    shown = frame.copy()
    shown.insert(shown.columns.get_loc(column), colour_column, swatches)
    config = {colour_column: st.column_config.ImageColumn("", width=40)}
    for name, fmt in (formats or {}).items():
        config[name] = st.column_config.NumberColumn(format=fmt)
    st.dataframe(shown, hide_index=True, column_config=config)


#: st.dataframe number formats for the kinds of `segmentation.profile.ReadableTable`.
READABLE_FORMATS = {"count": "localized", "percent": "%.1f%%", "year": "%d", "number": "localized"}


def readable_table(table) -> None:
    """Show a `segmentation.profile.ReadableTable`: swatches, each column in its format."""
    formats = {column: READABLE_FORMATS[kind] for column, kind in table.kinds.items()}
    segment_table(table.frame, "segment", formats=formats)


SEPARATION_HELP = (
    "How clearly the segments separate, from -1 to 1 (the silhouette score): above 0.5 "
    "clearly, 0.25 to 0.5 fairly, below 0.25 they overlap."
)


def scores_table(choice) -> None:
    """The scores per k of a sweep (`KChoice`) in plain words; the analysts' scores
    (Calinski-Harabasz, Davies-Bouldin) in an expander."""
    scores = choice.table().reset_index()
    # Rounded here, shown with the reader's thousands separator ("localized").
    scores["inertia"] = scores["inertia"].round(0)
    scores["calinski_harabasz"] = scores["calinski_harabasz"].round(1)
    config = {
        "silhouette": st.column_config.NumberColumn(
            "Separation ↑", format="%.3f", help=SEPARATION_HELP
        ),
        "inertia": st.column_config.NumberColumn(
            "Spread within ↓",
            format="localized",
            help="How far customers sit from their segment's centre, in all (inertia)",
        ),
    }
    st.dataframe(scores[["k", "silhouette", "inertia"]], hide_index=True, column_config=config)
    st.caption("↑ higher is better, ↓ lower is better.")
    with st.expander("Analyst details"):
        st.dataframe(
            scores,
            hide_index=True,
            column_config={
                **config,
                "silhouette": st.column_config.NumberColumn("Silhouette ↑", format="%.3f"),
                "inertia": st.column_config.NumberColumn("Inertia ↓", format="localized"),
                "calinski_harabasz": st.column_config.NumberColumn(
                    "Calinski-Harabasz ↑", format="localized"
                ),
                "davies_bouldin": st.column_config.NumberColumn("Davies-Bouldin ↓", format="%.3f"),
            },
        )


def legend(
    names: Sequence[str], sizes: Sequence[int], *, notes: Sequence[str] | None = None
) -> None:
    """Segment names with their colour dot, size and share (names escaped as HTML), and
    one more line per segment from `notes` (e.g. its stability) when given."""
    total = max(sum(sizes), 1)
    rows = []
    for segment, (name, size) in enumerate(zip(names, sizes), start=1):
        note = "" if notes is None else f" · {html.escape(str(notes[segment - 1]))}"
        rows.append(
            f'<div style="margin:0 0 .35rem 0;line-height:1.3">'
            f'<span style="color:{colour(segment)};font-size:1.1em">&#9679;</span> '
            f"<b>{segment}</b> {html.escape(str(name))}<br>"
            f'<span style="color:#666;font-size:.85em">{count(size)} customers · '
            f"{percent(size / total)}{note}</span></div>"
        )
    st.html("".join(rows))


def with_segments(
    raw: pd.DataFrame, labels, names: Sequence[str], *, front: bool = True
) -> tuple[pd.DataFrame, str]:
    """`raw` rows with the segment number and name (in front, or last as in the download),
    and the name of the segment column.

    The columns are named as in the downloads (``segment``, ``segment_name``; with a suffix
    when the file already has such columns, e.g. a previous export uploaded again).
    """
    seg_col, name_col, _ = segment_columns(list(raw.columns))
    out = raw.copy()
    at = 0 if front else len(out.columns)
    out.insert(at, seg_col, [str(int(v) + 1) if v >= 0 else "" for v in labels])
    out.insert(at + 1, name_col, [names[int(v)] if v >= 0 else "" for v in labels])
    return out, seg_col


def error(message: object) -> None:
    """Show a core error (it may quote the user's column names) as text, not Markdown."""
    st.error(md(message), icon=":material/warning:")


def sample_notice(n_rows: int, *, on_data_page: bool = False) -> None:
    """Say that the built-in sample is shown (on the Data page: the upload is right above)."""
    text = SAMPLE_NOTICE.format(n=count(n_rows))
    if on_data_page:
        text = text.replace("on the Data page", "above")
    st.info(text, icon=":material/info:")


def current_segmentation(purpose: str):
    """The current segmentation (`ui.cached.current()`), with the sample notice shown; or
    None after showing the core's error and that the fix is on the Segments page."""
    try:
        cur = cached.current()
    except SegmentationError as exc:
        error(exc)
        st.caption(f"Fix the choice on the Segments page to {purpose}.")
        return None
    if cur.source.is_sample:
        sample_notice(cur.data.report.n_rows)
    return cur


def dataset_caption(name: str, is_sample: bool, n_rows: int) -> str:
    """'mall_customers.csv · 200 customers' (escaped)."""
    label = "built-in sample" if is_sample and name == SAMPLE_NAME else name
    return f"{md(label)} · {count(n_rows)} customers"


def file_stem(name: str) -> str:
    """A dataset name safe for a file name: letters, digits, - and _ only."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")
    return stem or "customers"
