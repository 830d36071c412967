"""Number typing: is a text column numeric, and how was its text cleaned to read it?

A column is numeric when every non-missing cell parses as a number, possibly after
removing currency signs, spaces, thousands separators or a trailing percent sign, or
reading a decimal comma. What was removed is a `Cleaning` flag; the words the health
report shows are made from it by `describe`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Cell texts (compared lower-cased, trimmed) that mean "no value" in a numeric column.
#: Infinities are included: they cannot be clustered and are reported as missing.
MISSING_MARKERS = frozenset(
    {
        "",
        "na",
        "n/a",
        "nan",
        "null",
        "none",
        "-",
        "--",
        "?",
        "#n/a",
        "nil",
        "inf",
        "-inf",
        "+inf",
        "infinity",
        "-infinity",
        "+infinity",
    }
)

#: Currency symbols removed from amounts when reading, and the ones the CSV export treats
#: as part of a signed number when it neutralises formulas: one set for both.
CURRENCY_SYMBOLS = "$€£¥₹"

_SPACES = r"\s\x{00a0}\x{202f}'"  # spaces, no-break spaces and apostrophes (1'234)
_STRIP_RE = f"[{CURRENCY_SYMBOLS}{_SPACES}]"
_PY_STRIP = re.compile(f"[{CURRENCY_SYMBOLS}\\s\u00a0\u202f']")
_THOUSANDS_COMMA_RE = r"^[-+]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?$"
_DECIMAL_COMMA_RE = r"^[-+]?(\d{1,3}(\.\d{3})+|\d*)(,\d+)?$"
_LEADING_ZERO_PREFIXES = pa.array([f"0{d}" for d in range(10)])


class Cleaning(enum.Flag):
    """What was removed or changed in a column's text to read it as numbers.

    Examples
    --------
    >>> describe(Cleaning.CURRENCY | Cleaning.THOUSANDS)
    'currency signs removed, thousands separators removed'
    """

    NONE = 0
    CURRENCY = enum.auto()
    SPACES = enum.auto()
    THOUSANDS = enum.auto()
    DECIMAL_COMMA = enum.auto()
    PERCENT = enum.auto()


_WORDS = (
    (Cleaning.CURRENCY, "currency signs removed"),
    (Cleaning.SPACES, "spaces removed"),
    (Cleaning.THOUSANDS, "thousands separators removed"),
    (Cleaning.DECIMAL_COMMA, "decimal comma read as a point (12,5 -> 12.5)"),
    (Cleaning.PERCENT, "percent sign removed (12% -> 12)"),
)


def describe(cleaning: Cleaning) -> str:
    """The cleaning in words, as the health report lists it.

    Examples
    --------
    >>> describe(Cleaning.DECIMAL_COMMA | Cleaning.PERCENT)
    'decimal comma read as a point (12,5 -> 12.5), percent sign removed (12% -> 12)'
    """
    return ", ".join(words for flag, words in _WORDS if flag in cleaning)


@dataclass
class _Number:
    """A column read as numbers: values, and how the text was cleaned (None if not).

    ``values`` is released (set to None) once copied into the frame, to keep the peak
    memory of a million-row file down.
    """

    values: np.ndarray | None
    cleaning: Cleaning | None = None

    @property
    def how(self) -> str | None:
        """The cleaning in words, or None when the cells were plain numbers."""
        return None if self.cleaning is None else describe(self.cleaning)

    @property
    def decimal_comma(self) -> bool:
        return self.cleaning is not None and Cleaning.DECIMAL_COMMA in self.cleaning


def _missing_mask(trimmed: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(sorted(MISSING_MARKERS)))


def _sample(column: pa.ChunkedArray, size: int = 500) -> list[str]:
    """Up to ``size`` non-missing trimmed values from the top of a column."""
    values = []
    for v in column.slice(0, 20 * size).to_pylist():
        v = v.strip()
        if v.lower() not in MISSING_MARKERS:
            values.append(v)
            if len(values) >= size:
                break
    return values


def _plain_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "_" not in text


def _to_number(column: pa.ChunkedArray | np.ndarray, prefer_decimal_comma: bool) -> _Number | None:
    """Read a text column as numbers, or return None when it is not numeric.

    Missing markers and infinities become NaN. Plain numbers are tried first (fast
    path); then, if every non-missing value fits, currency signs, spaces, thousands
    separators and a trailing percent sign are removed and a decimal comma is read.
    """
    if isinstance(column, np.ndarray):  # typed by the CSV reader, no leading zeros
        return _Number(column)
    try:
        # A text column (ids, names) fails on its first cells: cast those first, not all.
        pc.cast(column.slice(0, 1000), pa.float64())
        values = pc.cast(column, pa.float64())
        if _leading_zero(column):
            return None
        return _Number(_finite(values))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    sample = _sample(column)
    if not sample:
        return None  # no values at all: an empty column, not a numeric one
    plain = all(_plain_float(v) for v in sample)
    orders = _number_formats(sample, prefer_decimal_comma)
    if not plain and not orders:
        return None  # the top of the column is text: skip the full-column passes
    trimmed = pc.utf8_trim_whitespace(column)
    present = pc.if_else(_missing_mask(trimmed), pa.scalar(None, pa.string()), trimmed)
    if plain:
        try:
            values = pc.cast(present, pa.float64())
            if _leading_zero(present):
                return None
            return _Number(_finite(values))
        except pa.ArrowInvalid:
            pass
    for pattern, decimal_comma in orders:
        number = _cleaned_number(present, pattern, decimal_comma)
        if number is not None:
            return number
    return None


def _number_formats(sample: list[str], prefer_decimal_comma: bool) -> list[tuple[str, bool]]:
    """The number formats (pattern, decimal comma?) every cleaned sample value fits, best first."""
    cleaned = [_PY_STRIP.sub("", v).removesuffix("%") for v in sample]
    orders = [(_DECIMAL_COMMA_RE, True), (_THOUSANDS_COMMA_RE, False)]
    if not prefer_decimal_comma:
        orders.reverse()
    return [(p, d) for p, d in orders if all(v and re.match(p, v) for v in cleaned)]


def _cleaned_number(present: pa.ChunkedArray, pattern: str, decimal_comma: bool) -> _Number | None:
    """Parse every non-missing value after cleaning, or None if one does not fit."""
    stripped = pc.replace_substring_regex(present, _STRIP_RE, "")
    percent = pc.any(pc.ends_with(stripped, "%")).as_py()
    if percent:
        stripped = pc.replace_substring_regex(stripped, "%$", "")
    if not pc.all(pc.match_substring_regex(stripped, pattern)).as_py():
        return None
    if pc.any(pc.equal(stripped, "")).as_py():
        return None
    if decimal_comma:
        text = pc.replace_substring(pc.replace_substring(stripped, ".", ""), ",", ".")
    else:
        text = pc.replace_substring(stripped, ",", "")
    try:
        values = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        return None
    cleaning = _cleaning(present, stripped, decimal_comma, percent)
    return _Number(_finite(values), cleaning or Cleaning.SPACES)


def _cleaning(
    present: pa.ChunkedArray, stripped: pa.ChunkedArray, decimal_comma: bool, percent: bool
) -> Cleaning:
    """What the cleaning of ``present`` into ``stripped`` changed in the cells."""
    thousands, decimal = (".", ",") if decimal_comma else (",", ".")
    cleaning = Cleaning.NONE
    if pc.any(pc.match_substring_regex(present, f"[{CURRENCY_SYMBOLS}]")).as_py():
        cleaning |= Cleaning.CURRENCY
    if pc.any(pc.match_substring_regex(present, r"\S\s+\S")).as_py():
        cleaning |= Cleaning.SPACES
    # A thousands separator is present where the separator is followed by 3 digits.
    if pc.any(pc.match_substring_regex(stripped, re.escape(thousands) + r"\d{3}")).as_py() and (
        not decimal_comma or pc.any(pc.match_substring(stripped, ".")).as_py()
    ):
        cleaning |= Cleaning.THOUSANDS
    if decimal_comma and pc.any(pc.match_substring(stripped, decimal)).as_py():
        cleaning |= Cleaning.DECIMAL_COMMA
    if percent:
        cleaning |= Cleaning.PERCENT
    return cleaning


def _leading_zero(column: pa.ChunkedArray) -> bool:
    """True when values start with 0 and another digit (00123): a code, not a number."""
    # starts_with is a cheap byte compare; only the rows starting with "0" are sliced.
    zero = pc.starts_with(column, "0")
    if not pc.any(zero).as_py():
        return False
    prefixes = pc.utf8_slice_codeunits(pc.filter(column, zero), 0, 2)
    return bool(pc.any(pc.is_in(prefixes, value_set=_LEADING_ZERO_PREFIXES)).as_py())


def _finite(values: pa.ChunkedArray) -> np.ndarray:
    """float64 numpy array with NaN for nulls, NaN and infinities."""
    array = np.asarray(values.to_numpy(), dtype=np.float64)
    infinite = np.isinf(array)
    if infinite.any():
        if not array.flags.writeable:  # a view of arrow's buffer
            array = array.copy()
        array[infinite] = np.nan
    return array
