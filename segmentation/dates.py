"""Dates written as text: recognise a date column and read it, deciding day/month order.

Exports write dates in many ways: ``2024-12-31``, ``2024-12-31T23:05:00+01:00``,
``31.12.2024``, ``31/12/2024 18:30``, ``12/31/2024 6:30 PM``, ``04-09-2012``,
``31 Dec 2024``, ``20241231``. `parse_dates` reads a whole column at once and decides whether
``04/09/2012`` is the 4th of September or April 9th from the column's own values: one
value whose first part is above 12 (``13/09/2012``) proves the column is day-first, one
whose second part is above 12 proves it month-first. When every value reads both ways
(and the two readings differ), the result says so (``ambiguous``) and the caller asks the
user; `parse_dates(..., order="day-first")` then reads it the way the user said.

Times are kept; a time zone or offset is read and dropped: the date is the one written
(the shop's local date), which is what "ordered on the 31st" means to a marketer.

The layouts present are found with one regular expression over a sample of the distinct
values; each layout becomes an explicit ``strftime`` format per candidate order, and the
distinct values are read with ``pandas.to_datetime(format=...)`` once per candidate: no
Python loop per row, and a 10 million line order log has a few thousand distinct dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.errors import SettingsError

#: How the three parts of a numeric date are ordered. "auto" decides from the values.
ORDERS = ("auto", "year-first", "day-first", "month-first")

# The shape of a numeric date: three parts split by - / . (the first is the year when it
# has four digits), an optional time (24 h or AM/PM) and an optional zone.
_LAYOUT = (
    r"^\s*(?P<a>\d{1,4})(?P<sep>[-/.])\d{1,2}[-/.](?P<c>\d{1,4})"
    r"(?:(?P<t>T|\s+)\d{1,2}:\d{2}(?P<s>:\d{2})?(?P<f>[.,]\d{1,9})?"
    r"(?P<gap>\s*)(?P<ampm>[AaPp][Mm])?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$"
)
# A zone or offset after a time, dropped so the date stays the one written.
_ZONE = (
    r"(\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:\s*[AaPp][Mm])?)\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)\s*$"
)

# Dates with English month names, tried in turn on the values not read otherwise.
_NAMED_FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d-%B-%Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%a, %d %b %Y",
)

# What a date with a month name or a compact date (20241231) holds, at the least.
_MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
_NAMED_SHAPE = rf"^\s*\d{{8}}\s*$|\d.*{_MONTH}|{_MONTH}.*\d"

#: Distinct values whose layouts are looked at (the rest are read with the same formats).
LAYOUT_SAMPLE = 20_000


@dataclass(frozen=True, eq=False)
class ParsedDates:
    """A text column read as dates.

    Attributes
    ----------
    values : pandas.Series
        ``datetime64[us]``, same index as the input; NaT where the cell was blank or
        could not be read.
    order : str or None
        How numeric dates were read: ``"year-first"`` (ISO), ``"day-first"``,
        ``"month-first"``; None when no value was read as a numeric date.
    format : str or None
        The layout of the values in ``strftime`` terms (``"%d.%m.%Y %H:%M"``), from the
        most common layout; None when nothing was read.
    ambiguous : bool
        Every day/month value reads both ways and the readings differ: the order was
        not decided by the values (``order`` is the one assumed or asked for).
    decided_by : str or None
        A value proving the order (``"13/09/2012"``), or None.
    n_read, n_blank, n_unreadable : int
        Cells read as a date, empty cells, and filled cells that are not a readable date.
    """

    values: pd.Series
    order: str | None
    format: str | None
    ambiguous: bool
    decided_by: str | None
    n_read: int
    n_blank: int
    n_unreadable: int

    @property
    def share_read(self) -> float:
        """Share of the filled cells read as dates (0.0 when every cell is blank)."""
        filled = self.n_read + self.n_unreadable
        return self.n_read / filled if filled else 0.0


def parse_dates(values: pd.Series, *, order: str = "auto") -> ParsedDates:
    """Read a column of dates written as text.

    Parameters
    ----------
    values : pandas.Series
        Text cells (any string dtype or object); a datetime column is taken as it is.
    order : {"auto", "year-first", "day-first", "month-first"}
        How to read ``04/09/2012``-like values. ``"auto"`` decides from the values
        (day-first when ambiguous, reported as ``ambiguous``). ISO values
        (``2012-09-04``) are always year-first.

    Returns
    -------
    ParsedDates

    Examples
    --------
    >>> parsed = parse_dates(pd.Series(["03.04.2024", "13.04.2024", "", "soon"]))
    >>> parsed.order, parsed.format, parsed.decided_by
    ('day-first', '%d.%m.%Y', '13.04.2024')
    >>> parsed.values.dt.strftime("%Y-%m-%d").tolist()
    ['2024-04-03', '2024-04-13', nan, nan]
    >>> parsed.n_read, parsed.n_blank, parsed.n_unreadable
    (2, 1, 1)
    >>> parse_dates(pd.Series(["04/09/2012", "05/10/2012"])).ambiguous
    True
    >>> us = parse_dates(pd.Series(["12/31/2024 6:30 PM", "1/2/2025 09:00"]))
    >>> us.order, us.values.dt.strftime("%Y-%m-%d %H:%M").tolist()
    ('month-first', ['2024-12-31 18:30', '2025-01-02 09:00'])
    """
    if order not in ORDERS:
        raise SettingsError(f"order={order!r} is not a date order; choose one of {ORDERS}")
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return _already_dates(series)

    codes, text = _distinct(series)
    text = pc.utf8_trim_whitespace(text)
    blank = _blank(text)
    layouts = _layouts(text)
    if any(layout.zone for layout in layouts):
        text = pc.replace_substring_regex(text, _ZONE, r"\1")
    reading = _read_unique(text, layouts, order)
    stamps = reading.stamps
    named = _read_named(text, stamps, blank)

    # a missing cell (code -1) points one past the distinct values: blank, not read
    stamps = np.append(stamps, np.datetime64("NaT", "us"))
    blank = np.append(blank, True)
    taken = np.where(codes >= 0, codes, len(text))
    read_rows = ~np.isnat(stamps)[taken]
    blank_rows = blank[taken]
    result = pd.Series(
        stamps[taken],
        index=series.index,
        name=series.name,
        dtype="datetime64[us]",
    )
    n_read = int(read_rows.sum())
    n_blank = int(blank_rows.sum())
    proof = reading.proof
    return ParsedDates(
        values=result,
        order=reading.order,
        format=reading.format or named,
        ambiguous=reading.ambiguous,
        decided_by=None if proof is None else _cell(text, proof),
        n_read=n_read,
        n_blank=n_blank,
        n_unreadable=len(series) - n_read - n_blank,
    )


def looks_like_dates(
    values: pd.Series | Sequence[str], *, min_share: float = 0.9, sample: int = 2000
) -> bool:
    """Whether a text column holds dates: at least ``min_share`` of its filled cells read.

    Only the first ``sample`` filled cells are read, so the check is cheap on big files.
    The one test of "this column is dates": the order log's date column, the upload's
    date columns in the health report, and a column of unique dates never taken as the id.

    Examples
    --------
    >>> looks_like_dates(pd.Series(["31/12/2024", "01/01/2025", ""]))
    True
    >>> looks_like_dates(["2024-12-31T23:05:00Z", "31-December-2024", "Dec 31, 2024"])
    True
    >>> looks_like_dates(pd.Series(["C1001", "C1002"])), looks_like_dates(pd.Series(["", None]))
    (False, False)
    >>> looks_like_dates(pd.Series(["12", "2024"]))  # numbers are not dates
    False
    >>> looks_like_dates(pd.Series([20241231, 20250101])), looks_like_dates(pd.Series([1.5, 2.0]))
    (True, False)
    """
    if not 0 < min_share <= 1:
        raise SettingsError(f"min_share={min_share!r} must be above 0 and at most 1")
    if not isinstance(values, pd.Series) and all(isinstance(v, str) for v in values):
        return _reads_as_dates(_filled(pa.array(values, type=pa.string()))[:sample], min_share)
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return bool(series.notna().any())
    if pd.api.types.is_bool_dtype(series.dtype):
        return False
    if not pd.api.types.is_numeric_dtype(series.dtype):
        return _reads_as_dates(_filled_text(series, sample), min_share)
    # only whole numbers written like dates, 19000101 to 21001231 (20241231)
    filled = series.dropna().head(sample)
    head = filled.to_numpy(dtype=np.float64)
    plausible = (head >= 19000101) & (head <= 21001231) & (head == np.round(head))
    if head.size == 0 or not plausible.all():
        return False
    parsed = parse_dates(filled)
    return parsed.n_read > 0 and parsed.share_read >= min_share


def _reads_as_dates(text: pa.Array, min_share: float) -> bool:
    """At least ``min_share`` of the (filled, trimmed) cells read as dates."""
    if len(text) == 0:
        return False
    # The cells shaped like a date bound the share read: names, codes and emails are
    # answered by a regular expression, most of them by the first few cells.
    others = int((1 - min_share) * len(text))
    if not pc.any(_shaped(text[: others + 1])).as_py() or (
        pc.sum(_shaped(text)).as_py() < min_share * len(text)
    ):
        return False
    parsed = parse_dates(pd.Series(text, dtype=pd.ArrowDtype(pa.string())))
    return parsed.n_read > 0 and parsed.share_read >= min_share


def _filled_text(series: pd.Series, sample: int) -> pa.Array:
    """The first ``sample`` filled cells as trimmed text, looking at the top rows first."""
    present = series.dropna()
    for rows in (present.head(20 * sample), present):
        try:
            text = _filled(pa.array(rows, type=pa.string(), from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            text = _filled(pa.array(rows.astype(str), type=pa.string()))  # mixed objects
        if len(text) >= sample or len(rows) == len(present):
            break
    return text[:sample]


def _filled(text: pa.Array) -> pa.Array:
    text = pc.utf8_trim_whitespace(text.drop_null())
    return text.filter(pc.not_equal(text, ""))


def _shaped(text: pa.Array) -> pa.Array:
    """Whether each cell is shaped like a date (any date read is, not every such cell reads)."""
    return pc.or_(
        pc.match_substring_regex(text, _LAYOUT),
        pc.match_substring_regex(text, _NAMED_SHAPE, ignore_case=True),
    )


# --------------------------------------------------------------------------------------


def _already_dates(series: pd.Series) -> ParsedDates:
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)  # the wall-clock date as written
    converted = series.astype("datetime64[us]")
    n_blank = int(converted.isna().sum())
    return ParsedDates(
        values=converted,
        order=None,
        format=None,
        ambiguous=False,
        decided_by=None,
        n_read=len(converted) - n_blank,
        n_blank=n_blank,
        n_unreadable=0,
    )


def _distinct(series: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Each row's code (-1 for a missing cell) and the distinct values as text."""
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = None  # a mixed object column: rare, and read through pandas
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    text = array is not None and (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    )
    if text:
        encoded = pc.dictionary_encode(array)
        codes = np.asarray(pc.fill_null(encoded.indices, -1), dtype=np.int64)
        return codes, encoded.dictionary
    codes, uniques = pd.factorize(series, sort=False)
    if pd.api.types.is_numeric_dtype(uniques.dtype) and not pd.api.types.is_bool_dtype(
        uniques.dtype
    ):
        values = np.asarray(uniques, dtype=np.float64)
        whole = np.isfinite(values) & (values == np.round(values))
        ints = pa.array(np.where(whole, values, 0).astype(np.int64), mask=~whole)
        return codes, pc.cast(ints, pa.string())  # 20241231.0 is written 20241231
    return codes, pa.array([str(v) for v in uniques], type=pa.string())


def _blank(text: pa.Array) -> np.ndarray:
    space = np.asarray(pc.fill_null(pc.utf8_is_space(text), True), dtype=bool)
    return space | np.asarray(pc.fill_null(pc.equal(text, ""), True), dtype=bool)


def _cell(text: pa.Array, at: int) -> str:
    return str(text[at].as_py())


@dataclass(frozen=True)
class _Layout:
    """One way of writing numeric dates found in the column (``31.12.2024 18:30``)."""

    year_first: bool
    sep: str
    short_year: bool
    time: str  # "" or the time's strftime part with its lead (" %H:%M:%S")
    zone: bool

    def format(self, order: str) -> str:
        if self.year_first:
            parts = ("%Y", "%m", "%d")
        else:
            year = "%y" if self.short_year else "%Y"
            parts = ("%m", "%d", year) if order == "month-first" else ("%d", "%m", year)
        return self.sep.join(parts) + self.time


def _layouts(text: pa.Array) -> list[_Layout]:
    """The numeric layouts in a sample of the values, the most common first."""
    sample = text.slice(0, LAYOUT_SAMPLE)
    compact = []
    if pc.any(pc.match_substring_regex(sample, r"^\d{8}$")).as_py():
        compact = [_Layout(year_first=True, sep="", short_year=False, time="", zone=False)]
    found = pc.extract_regex(sample, _LAYOUT).drop_null()
    if len(found) == 0:
        return compact
    fields = {name: pc.struct_field(found, name) for name in found.type.names if name != "a"}
    a_len = pc.utf8_length(pc.struct_field(found, "a"))
    keys = pa.table(
        {
            "year_first": pc.equal(a_len, 4),
            "ok": pc.or_(pc.equal(a_len, 4), pc.less_equal(a_len, 2)),
            "c_len": pc.utf8_length(fields["c"]),
            **{name: fields[name] for name in ("sep", "t", "s", "f", "gap", "ampm")},
            "zone": pc.not_equal(fields["zone"], ""),
        }
    )
    keys = keys.filter(pc.field("ok"))
    counted = keys.group_by(list(keys.column_names), use_threads=False).aggregate([("ok", "count")])
    rows = counted.sort_by([("ok_count", "descending")]).to_pylist()
    layouts = []
    for row in rows:
        if not row["year_first"] and row["c_len"] not in (2, 4):
            continue
        layouts.append(
            _Layout(
                year_first=row["year_first"],
                sep=row["sep"],
                short_year=row["c_len"] == 2,
                time=_time_format(row),
                zone=row["zone"],
            )
        )
    return list(dict.fromkeys(layouts + compact))


def _time_format(row: dict) -> str:
    if not row["t"]:
        return ""
    lead = "T" if row["t"] == "T" else " "
    hours = "%I" if row["ampm"] else "%H"
    clock = f"{hours}:%M" + (":%S" if row["s"] else "")
    if row["f"]:
        clock += row["f"][0] + "%f"
    if row["ampm"]:
        clock += (" " if row["gap"] else "") + "%p"
    return lead + clock


@dataclass(frozen=True)
class _Reading:
    stamps: np.ndarray
    order: str | None
    format: str | None
    ambiguous: bool
    proof: int | None


def _read_unique(text: pa.Array, layouts: list[_Layout], order: str) -> _Reading:
    """Read the distinct values with each candidate order's formats; choose the order."""
    nothing = np.full(len(text), np.datetime64("NaT", "us"))
    if not layouts:
        return _Reading(nothing, None, None, False, None)
    if order != "auto" or all(layout.year_first for layout in layouts):
        chosen = "year-first" if order == "auto" else order
        stamps = _read_formats(text, [lay.format(chosen) for lay in layouts])
        return _Reading(stamps, chosen, layouts[0].format(chosen), False, None)

    day = _read_formats(text, [lay.format("day-first") for lay in layouts])
    month = _read_formats(text, [lay.format("month-first") for lay in layouts])
    only_day = ~np.isnat(day) & np.isnat(month)
    only_month = ~np.isnat(month) & np.isnat(day)
    if only_day.any() or only_month.any():
        # A value read only one way settles the order; when both kinds exist, the
        # majority wins and the others count as unreadable.
        chosen = "day-first" if only_day.sum() >= only_month.sum() else "month-first"
        stamps, proof = (day, only_day) if chosen == "day-first" else (month, only_month)
        first = int(np.flatnonzero(proof)[0])
        return _Reading(stamps, chosen, layouts[0].format(chosen), False, first)
    differ = bool((~np.isnat(day) & (day != month)).any())
    return _Reading(day, "day-first", layouts[0].format("day-first"), differ, None)


def _read_formats(text: pa.Array, formats: list[str]) -> np.ndarray:
    """Each value read with the first format that reads it (NaT when none does)."""
    stamps = np.full(len(text), np.datetime64("NaT", "us"))
    todo = np.ones(len(text), dtype=bool)
    for fmt in dict.fromkeys(formats):
        rows = np.flatnonzero(todo)
        if rows.size == 0:
            break
        part = text if rows.size == len(text) else text.take(pa.array(rows))
        read = _read_format(part, fmt)
        hit = ~np.isnat(read)
        stamps[rows[hit]] = read[hit]
        todo[rows[hit]] = False
    return stamps


def _read_format(text: pa.Array, fmt: str) -> np.ndarray:
    """``text`` read with one format, NaT where it does not fit.

    Arrow's strptime is fast but lenient with days past the month's end (``30.02.2024``
    becomes March 1st) and short years for ``%Y``, so a reading that lands on the 1st to
    3rd of a month or before year 1000 is checked again by pandas' strict reader, as are
    formats with fractions of seconds.
    """
    out = np.full(len(text), np.datetime64("NaT", "us"))
    redo = np.ones(len(text), dtype=bool)
    if "%f" not in fmt:
        parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
        read = np.asarray(parsed.is_valid(), dtype=bool)
        # past a month's end, or a two-digit year taken as year 24 by %Y
        doubt = pc.or_(pc.less_equal(pc.day(parsed), 3), pc.less(pc.year(parsed), 1000))
        redo = read & np.asarray(pc.fill_null(doubt, False), dtype=bool)
        keep = read & ~redo
        out[keep] = parsed.to_numpy(zero_copy_only=False)[keep]
    if redo.any():
        rows = np.flatnonzero(redo)
        part = text if rows.size == len(text) else text.take(pa.array(rows))
        cells = pd.Series(part, dtype=pd.ArrowDtype(part.type))
        read = pd.to_datetime(cells, format=fmt, errors="coerce", cache=False)
        out[rows] = read.to_numpy("datetime64[us]")
    return out


def _read_named(text: pa.Array, stamps: np.ndarray, blank: np.ndarray) -> str | None:
    """Read values with month names into ``stamps`` (in place); the format most used."""
    letters = np.asarray(pc.fill_null(pc.match_substring_regex(text, "[A-Za-z]{3}"), False))
    todo = np.isnat(stamps) & ~blank & letters
    best, best_count = None, 0
    for fmt in _NAMED_FORMATS:
        if not todo.any():
            break
        rows = np.flatnonzero(todo)
        read = _read_format(text.take(pa.array(rows)), fmt)
        hit = ~np.isnat(read)
        if hit.any():
            stamps[rows[hit]] = read[hit]
            todo[rows[hit]] = False
            if hit.sum() > best_count:
                best, best_count = fmt, int(hit.sum())
    return best
