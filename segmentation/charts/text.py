"""Text on a chart: user text escaped so Plotly shows it literally, numbers written for people.

Plotly renders a subset of HTML (<b>, <i>, <br>, <a href>, entities) in trace names, axis
titles, tick labels, hover text and annotations. Every user-controlled string (segment
names, column names, customer ids) goes into figure text through `escape` (or
`in_template` inside a hovertemplate, where ``%{...}`` would also be substituted).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

import numpy as np

from segmentation.errors import SettingsError


def count(n: int) -> str:
    """A count for people, with thousands separators.

    >>> count(1234567)
    '1,234,567'
    """
    return f"{int(n):,}"


def escape(value: object) -> str:
    """User text (a name, a column, an id) escaped so Plotly shows it literally, not as HTML.

    Only ``&``, ``<`` and ``>`` are escaped: Plotly decodes ``&amp;``, ``&lt;``, ``&gt;`` and
    numeric entities but would show ``&quot;`` as written, and quotes are harmless in text.

    >>> escape('<b>"Big" & loyal</b>')
    '&lt;b&gt;"Big" &amp; loyal&lt;/b&gt;'
    """
    return html.escape(str(value), quote=False)


def in_template(value: object) -> str:
    """User text for a hovertemplate: escaped, and ``%`` as an entity so ``%{x}`` in a
    column name is not substituted.

    >>> in_template("%{x} <share>")
    '&#37;{x} &lt;share&gt;'
    """
    return escape(value).replace("%", "&#37;")


def wrap(label: str, width: int = 16) -> str:
    """Break a long label into lines of about `width` characters for an axis tick (escaped).

    >>> wrap("Annual income in thousands", 16)
    'Annual income in<br>thousands'
    """
    lines = textwrap.wrap(str(label), width=width, break_long_words=True) or [str(label)]
    return "<br>".join(escape(line) for line in lines)


def shorten(label: str, width: int) -> str:
    """`label` cut to `width` characters with an ellipsis when longer (escaped).

    >>> shorten("Average order value", 10)
    'Average o…'
    """
    label = str(label)
    return escape(label if len(label) <= width else label[: width - 1].rstrip() + "…")


def tick_format(values: np.ndarray) -> str | None:
    """Axis tick format: 50k / 1.2M for large numbers; Plotly's default otherwise (an SI
    format would write 0.5 as "500m").

    >>> tick_format(np.array([0.5, 120_000.0]))
    '~s'
    >>> tick_format(np.array([0.25, 0.5])) is None
    True
    """
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and float(np.max(np.abs(finite))) >= 10_000:
        return "~s"
    return None


def d3_format(values: np.ndarray) -> str:
    """A d3 number format that shows `values` the way a person would write them.

    >>> d3_format(np.array([12.0, 30.0])), d3_format(np.array([12.5, 30.25]))
    (',.0f', ',.1f')
    >>> d3_format(np.array([0.012, 0.03]))
    '.3~g'
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ",.2f"
    if np.all(finite == np.round(finite)):
        return ",.0f"
    big = float(np.max(np.abs(finite)))
    if big >= 1_000:
        return ",.0f"
    if big >= 10:
        return ",.1f"
    if big >= 0.1:
        return ",.2f"
    return ".3~g"


def py_format(value: float, fmt: str) -> str:
    """Format one number like the d3 format `fmt` (from `d3_format`) would.

    >>> py_format(12345.678, ",.0f"), py_format(0.01234, ".3~g"), py_format(float("nan"), ",.1f")
    ('12,346', '0.0123', '—')
    """
    if not np.isfinite(value):
        return "—"
    if fmt == ".3~g":
        return f"{value:.3g}"
    return format(value, fmt.lstrip("~"))


def check_names(names: Sequence[str], k: int) -> list[str]:
    """One name per segment as text, or SettingsError naming the counts.

    >>> check_names(["Budget", "Big spenders"], 2)
    ['Budget', 'Big spenders']
    """
    names = [str(n) for n in names]
    if len(names) != k:
        raise SettingsError(
            f"{len(names)} segment names given for k={k} segments: give one name per segment."
        )
    return names
