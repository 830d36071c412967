"""Exports: the labelled table, per-segment lists, CSV bytes safe for spreadsheets.

Nothing lost: the labelled table holds every input row, in input order, with every cell as
the text the user uploaded (`CustomerData.raw`), plus the segment columns.

Nothing injected: `to_csv_bytes` writes text cells that a spreadsheet would run as a formula
(first character ``=``, ``+``, ``-``, ``@``, tab or carriage return) with a leading single
quote, the OWASP recommendation, so Excel, LibreOffice and Google Sheets show them as text.
Cells that are numbers (``-12.5``, ``+3``, ``-1,234.50``, ``-1e-5``, ``-12%``) are left
as they are. Column names get the same treatment.

Encoding: plain UTF-8 without a byte-order mark, what every CSV reader (pandas, R, Google
Sheets, Numbers, LibreOffice, our own upload) expects. Excel for Windows guesses the
encoding of a double-clicked CSV and may garble non-ASCII text such as the "·" in segment
names; Excel users open the file with Data > From Text/CSV (which detects UTF-8), or the
app passes ``bom=True`` for an Excel-flavoured download.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from segmentation.errors import SettingsError
from segmentation.io import CURRENCY_SYMBOLS, CustomerData
from segmentation.margins import Margins
from segmentation.model import Segmentation

#: Our columns in the labelled table, after the user's columns.
SEGMENT_COLUMNS = ("segment", "segment_name", "unassigned_reason")
#: Added after them when margins are given: the nearest other segment (1..k) and the margin.
MARGIN_COLUMNS = ("runner_up_segment", "margin")
#: Decimals of a written margin.
MARGIN_DECIMALS = 3
#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What is written in front of a risky cell so a spreadsheet shows it as text.
NEUTRALISER = "'"
#: A signed number as CRM and spreadsheet exports write it: sign, optional currency symbol
#: (the set the reader removes), digits with thousands/decimal separators, optional exponent
#: or percent. These cannot call a function or reference a cell, so they are written as they are.
SIGNED_NUMBER = rf"^[+-][{CURRENCY_SYMBOLS}]?(?:\d[\d,.]*|[.,]\d+)(?:[eE][+-]?\d+)?%?$"

_RISKY_BYTE = np.zeros(256, dtype=bool)
_RISKY_BYTE[[ord(c) for c in FORMULA_STARTS]] = True
_DIGIT_BYTE = np.zeros(256, dtype=bool)
_DIGIT_BYTE[np.arange(ord("0"), ord("9") + 1)] = True
#: Per byte: 1 for anything but a digit or a point, 2**32 for a point (see
#: `_plain_signed_numbers`).
_BYTE_WEIGHT = np.where(_DIGIT_BYTE, 0, 1).astype(np.int64)
_BYTE_WEIGHT[ord(".")] = 1 << 32
_SIGNED_NUMBER_RE = re.compile(SIGNED_NUMBER)
#: Rows the CSV writer formats at a time: fewer, larger writes into the output (the
#: default, 1024, makes a thousand Python calls per million rows).
_WRITE_ROWS = 1 << 14


# --------------------------------------------------------------------------- labelled table


def segment_columns(columns: Sequence[str]) -> tuple[str, str, str]:
    """Names of our three columns for a table that already has `columns`.

    Normally ``("segment", "segment_name", "unassigned_reason")``. When the upload already
    has one of them (say, a previous export uploaded again), the user's column is kept
    unchanged and ours all get the same suffix, ``_new``, then ``_new_2``, ``_new_3``...:
    ``segment_new``, ``segment_name_new``, ``unassigned_reason_new``. Case is ignored when
    comparing, as spreadsheets do.

    Examples
    --------
    >>> segment_columns(["customer_id", "Segment"])
    ('segment_new', 'segment_name_new', 'unassigned_reason_new')
    """
    taken = {str(c).casefold() for c in columns}
    suffixes = ["", "_new"] + [f"_new_{i}" for i in range(2, len(taken) + 3)]
    for suffix in suffixes:
        names = tuple(f"{c}{suffix}" for c in SEGMENT_COLUMNS)
        if not any(n.casefold() in taken for n in names):
            return names  # type: ignore[return-value]
    raise AssertionError("unreachable: more suffixes than columns")


def margin_columns(columns: Sequence[str]) -> tuple[str, str]:
    """Names of the margin columns for a table that already has `columns` (which include
    our segment columns): ``("runner_up_segment", "margin")``, suffixed as in
    `segment_columns` when the upload already has one of them.

    Examples
    --------
    >>> margin_columns(["customer_id", "Margin"])
    ('runner_up_segment_new', 'margin_new')
    """
    taken = {str(c).casefold() for c in columns}
    suffixes = ["", "_new"] + [f"_new_{i}" for i in range(2, len(taken) + 3)]
    for suffix in suffixes:
        names = tuple(f"{c}{suffix}" for c in MARGIN_COLUMNS)
        if not any(n.casefold() in taken for n in names):
            return names  # type: ignore[return-value]
    raise AssertionError("unreachable: more suffixes than columns")


def _margin_texts(segmentation: Segmentation, margins: Margins) -> tuple[pa.Array, pa.Array]:
    """The runner-up segment (1..k) and the margin as text per row, "" when unassigned."""
    runner = np.asarray(margins.runner_up)
    if len(runner) != len(segmentation.labels):
        raise SettingsError(
            f"The margins have {len(runner)} customers but the segmentation has "
            f"{len(segmentation.labels)}: compute them for this segmentation."
        )
    runner_text = pa.array(_text_column(runner, [str(s) for s in range(1, segmentation.k + 1)]))
    rounded = pc.round(pa.array(np.asarray(margins.margin), from_pandas=True), MARGIN_DECIMALS)
    margin_text = pc.fill_null(rounded.cast(pa.large_string()), "")
    return runner_text.cast(pa.large_string()), margin_text


def _check_names(segmentation: Segmentation, names: Sequence[str]) -> None:
    if len(names) != segmentation.k:
        raise SettingsError(
            f"{len(names)} names given for {segmentation.k} segments: give one per segment."
        )


def _text_column(labels: np.ndarray, values: Sequence[str]) -> pd.Series:
    """Text column with ``values[label]`` per row and "" for label -1, built in Arrow: a
    million Python strings would take far longer."""
    dictionary = pa.array(["", *map(str, values)], type=pa.large_string())
    codes = pa.array(np.asarray(labels, dtype=np.int32) + np.int32(1))
    return pc.take(dictionary, codes).to_pandas()


def _reason_column(labels: np.ndarray, reasons: np.ndarray) -> pd.Series:
    """The reasons as text; only unassigned customers have one, so only they are read."""
    unassigned = np.flatnonzero(labels < 0)
    codes = np.full(len(labels), -1, dtype=np.int64)
    sub_codes, uniques = pd.factorize(pd.Series(reasons[unassigned], dtype=object))
    codes[unassigned] = sub_codes
    return _text_column(codes, [str(u) for u in uniques])


def _check_rows(labels: np.ndarray, n_rows: int) -> None:
    if len(labels) != n_rows:
        raise SettingsError(
            f"The segmentation has {len(labels)} customers but the table has {n_rows} "
            "rows: segment the table again before exporting."
        )


def labelled_customers(
    data: CustomerData,
    segmentation: Segmentation,
    names: Sequence[str],
    *,
    margins: Margins | None = None,
) -> pd.DataFrame:
    """Every input row in input order, every original cell as text, plus ``segment``
    (1..k, "" when unassigned), ``segment_name`` and ``unassigned_reason``.

    Parameters
    ----------
    data : CustomerData
        The table as read; its ``raw`` text cells are what is exported.
    segmentation : Segmentation
        The fit on ``data.frame``.
    names : sequence of str
        Final segment names (`apply_names`), one per segment 1..k.
    margins : Margins, optional
        `segmentation.margins.segment_margins` of `segmentation`: adds
        ``runner_up_segment`` (1..k) and ``margin`` (0..1, 3 decimals), blank when
        unassigned (named as in `margin_columns`).

    Returns
    -------
    pandas.DataFrame
        ``data.raw``'s columns unchanged, then the three segment columns (and the margin
        columns), all text. If the upload already has a column with one of those names,
        ours are renamed as described in `segment_columns`. The index is the input row
        position.

    Raises
    ------
    SettingsError
        `names` does not have one name per segment, or the segmentation was fitted on a
        table with a different number of rows.

    Examples
    --------
    >>> from segmentation import fit_segments, read_customers
    >>> from segmentation.sample import SAMPLE_PATH
    >>> data = read_customers(SAMPLE_PATH)
    >>> seg = fit_segments(data.frame, ["annual_income", "spending_score"], 3)
    >>> names = ["Thrifty", "Regulars", "Big spenders"]
    >>> table = labelled_customers(data, seg, names)
    >>> len(table) == len(data.raw), table.columns[-3:].tolist()
    (True, ['segment', 'segment_name', 'unassigned_reason'])
    """
    _check_names(segmentation, names)
    labels = np.asarray(segmentation.labels)
    _check_rows(labels, len(data.raw))
    segment, name, reason = segment_columns(list(data.raw.columns))
    out = data.raw.copy(deep=False)
    out[segment] = _text_column(labels, [str(s) for s in range(1, segmentation.k + 1)]).values
    out[name] = _text_column(labels, names).values
    out[reason] = _reason_column(labels, np.asarray(segmentation.reasons, dtype=object)).values
    if margins is not None:
        runner_col, margin_col = margin_columns(list(out.columns))
        runner_text, margin_text = _margin_texts(segmentation, margins)
        out[runner_col] = runner_text.to_pandas().values
        out[margin_col] = margin_text.to_pandas().values
    return out


def segment_customers(
    data: CustomerData,
    segmentation: Segmentation,
    names: Sequence[str],
    segment: int,
    *,
    margins: Margins | None = None,
) -> pd.DataFrame:
    """The rows of `labelled_customers` (with `margins`, if given) in segment number
    `segment` (1..k).

    Raises
    ------
    SettingsError
        `segment` is not a segment number 1..k (or `labelled_customers` refuses).

    Examples
    --------
    >>> from segmentation import fit_segments, read_customers
    >>> data = read_customers(b"id,spend\\n1,5\\n2,6\\n3,90\\n4,95\\n5,99\\n", name="c.csv")
    >>> seg = fit_segments(data.frame, ["spend"], 2)
    >>> segment_customers(data, seg, ["Big spenders", "Small spenders"], 1)["id"].tolist()
    ['3', '4', '5']
    """
    k = segmentation.k
    if isinstance(segment, bool) or not isinstance(segment, (int, np.integer)):
        raise SettingsError(f"Segment {segment!r} is not a segment number: use 1 to {k}.")
    if not 1 <= segment <= k:
        raise SettingsError(f"There is no segment {segment}: choose a segment from 1 to {k}.")
    table = labelled_customers(data, segmentation, names, margins=margins)
    return table[np.asarray(segmentation.labels) == segment - 1]


# --------------------------------------------------------------------------- CSV


def neutralise(text: str) -> str:
    """One cell or column name as it is written: with a leading quote if a spreadsheet
    would run it as a formula, unchanged otherwise.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("-12.5"), neutralise("-")
    ('\\'=HYPERLINK("http://x")', '-12.5', "'-")
    """
    if not text or text[0] not in FORMULA_STARTS or _SIGNED_NUMBER_RE.match(text):
        return text
    return NEUTRALISER + text


def _offsets_and_data(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Start/end byte offsets of each value and the UTF-8 data of a string array, as numpy
    views of Arrow's buffers (no copy)."""
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)
    offsets = offsets[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.zeros(0, np.uint8)
    return offsets, data


def _first_bytes(array: pa.Array) -> np.ndarray:
    """First UTF-8 byte of every value (0 for empty). The risky characters are ASCII, and an
    ASCII byte is never part of a multi-byte character, so the byte decides exactly."""
    offsets, data = _offsets_and_data(array)
    if len(data) == 0:
        return np.zeros(len(array), dtype=np.uint8)
    starts = offsets[:-1]
    first = data.take(starts, mode="clip")
    return np.where(offsets[1:] > starts, first, 0).astype(np.uint8, copy=False)


def _plain_signed_numbers(array: pa.Array) -> np.ndarray:
    """Which values (all starting with + or -) are a sign, digits and at most one point:
    the common spelling of negative numbers, checked without a regex.

    Values are contiguous in Arrow's data buffer and none is empty (each starts with its
    sign), so one ``reduceat`` per byte class counts the bytes of every value at once.
    """
    offsets, data = _offsets_and_data(array)
    lo = int(offsets[0])
    window = data[lo : int(offsets[-1])]
    starts = offsets[:-1] - lo
    lengths = np.diff(offsets)
    # One pass: other bytes count in the low 32 bits, points in the high ones.
    packed = np.add.reduceat(_BYTE_WEIGHT[window], starts)
    other = (packed & 0xFFFFFFFF) - 1  # minus the sign
    points = packed >> 32
    digits = lengths - 1 - other - points
    return (other == 0) & (points <= 1) & (digits >= 1)


def _prefix_values(array: pa.Array, fix: np.ndarray) -> pa.Array:
    """`array` with `NEUTRALISER` inserted in front of the values at positions `fix`, built
    straight from Arrow's buffers: one ``np.insert`` into the data and shifted offsets.
    The result is a large_string array (its offsets cannot overflow)."""
    offsets, data = _offsets_and_data(array)
    base = int(offsets[0])
    window = data[base : int(offsets[-1])]
    starts = offsets[:-1] - base
    new_data = np.insert(window, starts[fix], np.uint8(ord(NEUTRALISER)))
    added = np.zeros(len(array) + 1, dtype=np.int64)
    added[fix + 1] = 1
    new_offsets = offsets.astype(np.int64) - base + np.cumsum(added)
    # The validity bitmap is shared with the input and read from `array.offset`: pad the
    # offsets so both start at that position.
    new_offsets = np.concatenate([np.zeros(array.offset, dtype=np.int64), new_offsets])
    return pa.LargeStringArray.from_buffers(
        len(array),
        pa.py_buffer(new_offsets),
        pa.py_buffer(new_data),
        array.buffers()[0],
        array.null_count,
        array.offset,
    )


def _neutralise_array(array: pa.Array) -> pa.Array:
    """`neutralise` over a string or large_string array, vectorised: a scan of first bytes,
    then only the risky values are looked at, and only those needing it are rewritten."""
    fix = _formula_positions(array)
    if len(fix) == 0:
        return array
    return _prefix_values(array, fix)


def _formula_positions(array: pa.Array) -> np.ndarray:
    """Positions of the values `neutralise` would rewrite (risky first character, not a
    number)."""
    first = _first_bytes(array)
    risky = _RISKY_BYTE[first]
    if not risky.any():
        return np.zeros(0, dtype=np.int64)
    positions = np.flatnonzero(risky)
    offsets, _ = _offsets_and_data(array)
    lengths = np.diff(offsets)[positions]
    first = first[positions]
    # A sign and at least one more character may be a number; "-" alone is not.
    signed = np.flatnonzero(((first == ord("-")) | (first == ord("+"))) & (lengths > 1))
    safe = np.zeros(len(positions), dtype=bool)
    if len(signed):
        signed_values = array.take(pa.array(positions[signed]))
        plain = _plain_signed_numbers(signed_values)
        safe[signed[plain]] = True
        others = np.flatnonzero(~plain)
        if len(others):
            # Rarer spellings of numbers (-1,234.50, -1e5, -$3, -12%): the full pattern.
            matched = pc.match_substring_regex(signed_values.take(pa.array(others)), SIGNED_NUMBER)
            safe[signed[others[matched.to_numpy(zero_copy_only=False)]]] = True
    return positions[~safe]


def _column_array(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """One column as Arrow data ready to write: numbers as numbers, the rest as text.

    Text backed by Arrow (pandas' ``str`` dtype) is used chunk by chunk as it is: only a
    chunk with a missing value or a risky cell is rewritten, so writing a million rows
    does not copy the table first.
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)
    ):
        return pa.array(series, from_pandas=True)
    if not pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        # Objects, categories, dates: written as their text, and checked like any text.
        series = series.astype("str")
    array = pa.array(series, from_pandas=True)
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    written = []
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            chunk = chunk.cast(pa.large_string())
        if chunk.null_count:
            # Written as "" rather than nothing, so a one-column row of a missing value is
            # not a blank line, which readers skip (a customer lost).
            chunk = pc.fill_null(chunk, pa.scalar("", type=chunk.type))
        written.append(_neutralise_array(chunk))
    if any(pa.types.is_large_string(c.type) for c in written):
        # A rewritten chunk has 64-bit offsets: the column's chunks must share one type.
        written = [c.cast(pa.large_string()) for c in written]
    return pa.chunked_array(written, type=written[0].type) if written else array


def to_csv_bytes(frame: pd.DataFrame, *, bom: bool = False) -> bytes:
    """UTF-8 CSV bytes with formula injection neutralised in text cells.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any export (`labelled_customers`, `segment_customers`, `profile_table`). The index
        is not written. Text cells and column names that would start a formula get a
        leading ``'`` (see `neutralise`); numeric columns and text that is a number are
        written unchanged; missing values are written as empty cells.
    bom : bool, default False
        Start with a UTF-8 byte-order mark, which Excel for Windows needs to read non-ASCII
        text correctly from a double-clicked file. Other readers do not need it.

    Returns
    -------
    bytes
        Header and one line per row, ``\\n`` line ends, fields quoted where needed.

    Examples
    --------
    >>> import pandas as pd
    >>> to_csv_bytes(pd.DataFrame({"name": ["=SUM(A1)", "Ann"], "spend": [-12.5, 3.0]}))
    b'"name","spend"\\n"\\'=SUM(A1)",-12.5\\n"Ann",3\\n'
    """
    header = [neutralise(str(c)) for c in frame.columns]
    arrays = [_column_array(frame.iloc[:, j]) for j in range(frame.shape[1])]
    if not arrays:
        return b"\xef\xbb\xbf" if bom else b""
    table = pa.Table.from_arrays(arrays, names=header)
    sink = io.BytesIO()
    if bom:
        sink.write(b"\xef\xbb\xbf")
    pa_csv.write_csv(
        table,
        sink,
        write_options=pa_csv.WriteOptions(
            quoting_style="needed",
            batch_size=_WRITE_ROWS,
        ),
    )
    return sink.getvalue()  # hands over BytesIO's buffer: no copy of a 70 MB download


# --------------------------------------------------------------------------- labelled CSV

#: Bytes of a file looked at (and copied) at a time by `labelled_csv_bytes`.
_PIECE_BYTES = 1 << 20
#: Characters that make a CSV field need quotes.
_QUOTE_NEEDED = frozenset(',"\n\r')
_COMMA, _NEWLINE = ord(","), ord("\n")


def labelled_csv_bytes(
    data: CustomerData,
    segmentation: Segmentation,
    names: Sequence[str],
    *,
    bom: bool = False,
    margins: Margins | None = None,
) -> bytes:
    """The labelled customers download: every input row with its segment, as CSV bytes.

    Parameters
    ----------
    data : CustomerData
        The table as read.
    segmentation : Segmentation
        The fit on ``data.frame``.
    names : sequence of str
        Final segment names (`apply_names`), one per segment 1..k.
    bom : bool, default False
        Start with a UTF-8 byte-order mark (see `to_csv_bytes`).
    margins : Margins, optional
        Adds the runner-up segment and margin columns (see `labelled_customers`).

    Returns
    -------
    bytes
        The same table as ``to_csv_bytes(labelled_customers(data, segmentation, names,
        margins=margins))``:
        read back, every cell is equal. For a plain CSV (read on the typed path, comma
        delimited, no quote, no carriage return, no blank line, no cell that a spreadsheet
        would run as a formula) the file's own lines are copied, each followed by its
        segment columns; the header is written as `to_csv_bytes` writes it. Any other file
        goes through `labelled_customers` and `to_csv_bytes`.

    Raises
    ------
    SettingsError
        `names` does not have one name per segment, or the segmentation was fitted on a
        table with a different number of rows.

    Examples
    --------
    >>> from segmentation import fit_segments, read_customers
    >>> data = read_customers(
    ...     b"id,name,spend\\nC1,Ann,1\\nC2,=cmd(),2\\nC3,Bo,50\\nC4,Cy,52\\nC5,Di,51\\nC6,Ed,\\n",
    ...     name="customers.csv",
    ... )
    >>> seg = fit_segments(data.frame, ["spend"], 2)
    >>> names = ["Big spenders", "Small spenders"]
    >>> print(labelled_csv_bytes(data, seg, names).decode())
    "id","name","spend","segment","segment_name","unassigned_reason"
    "C1","Ann","1","2","Small spenders",""
    "C2","'=cmd()","2","2","Small spenders",""
    "C3","Bo","50","1","Big spenders",""
    "C4","Cy","52","1","Big spenders",""
    "C5","Di","51","1","Big spenders",""
    "C6","Ed","","","","missing spend"
    <BLANKLINE>
    """
    _check_names(segmentation, names)
    pieces = _plain_lines(data)
    if pieces is None:
        table = labelled_customers(data, segmentation, names, margins=margins)
        return to_csv_bytes(table, bom=bom)
    labels = np.asarray(segmentation.labels)
    _check_rows(labels, sum(len(ends) for _, ends in pieces))
    codes, suffixes = _suffixes(labels, segmentation, names)
    columns = [str(c) for c in data.frame.columns]
    header = columns + list(segment_columns(columns))
    extra = None
    if margins is not None:
        header += list(margin_columns(header))
        runner_text, margin_text = _margin_texts(segmentation, margins)
        comma = pa.scalar(",", pa.large_string())
        empty = pa.scalar("", pa.large_string())
        extra = pc.binary_join_element_wise(comma, runner_text, comma, margin_text, empty)
    sink = io.BytesIO()
    if bom:
        sink.write(b"\xef\xbb\xbf")
    sink.write(to_csv_bytes(pd.DataFrame(columns=header, dtype="str")))
    row = 0
    for piece, ends in pieces:
        # Line j is the piece's bytes from the end of line j-1 (its "\n" included) to its
        # own end: contiguous, so the lines are a view of the file, and each one joined with
        # its suffix gives "<line j-1's suffix>\n<line j>" in order.
        offsets = np.zeros(len(ends) + 1, dtype=np.int64)
        offsets[1:] = ends
        lines = pa.LargeStringArray.from_buffers(
            len(ends), pa.py_buffer(offsets), pa.py_buffer(piece)
        )
        tails = pc.take(suffixes, pa.array(codes[row : row + len(ends)]))
        if extra is not None:
            tails = pc.binary_join_element_wise(tails, extra[row : row + len(ends)], empty)
        joined = pc.binary_join_element_wise(lines, tails, pa.scalar("", pa.large_string()))
        bounds, text = _offsets_and_data(joined)
        sink.write(text[bounds[0] : bounds[-1]])
        sink.write(b"\n")
        row += len(ends)
    return sink.getvalue()


def _csv_field(text: str) -> str:
    """One text cell as a CSV field: neutralised, and quoted when it needs quotes."""
    text = neutralise(text)
    if _QUOTE_NEEDED.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _suffixes(
    labels: np.ndarray, segmentation: Segmentation, names: Sequence[str]
) -> tuple[np.ndarray, pa.Array]:
    """What follows each line: a code per row and the texts ``,<segment>,<name>,<reason>``.

    Codes 0..k-1 are the segments; unassigned customers get k + the number of their
    reason, so each distinct reason is written once.
    """
    k = segmentation.k
    codes = labels.astype(np.int32, copy=True)
    unassigned = np.flatnonzero(labels < 0)
    reasons = np.asarray(segmentation.reasons, dtype=object)
    reason_codes, uniques = pd.factorize(pd.Series(reasons[unassigned], dtype=object))
    codes[unassigned] = k + reason_codes
    rows = [(str(s + 1), str(names[s]), "") for s in range(k)]
    rows += [("", "", str(u)) for u in uniques]
    texts = ["," + ",".join(_csv_field(v) for v in row) for row in rows]
    return codes, pa.array(texts, type=pa.large_string())


def _plain_lines(data: CustomerData) -> list[tuple[memoryview, np.ndarray]] | None:
    """The data lines of a plain CSV, in pieces cut at line ends: each piece and the end of
    each of its lines (a "\n", or the end of the file). None when the file is not plain.

    Plain: `CustomerData._csv_text` is set (typed read, comma delimited, every column
    kept), no quote, no carriage return, no empty line, one line per customer, and no cell
    that `neutralise` would change. Then every cell of ``raw`` is the text between two
    commas of a line, and the file's lines are what `to_csv_bytes` would write, read back.
    """
    csv_text = getattr(data, "_csv_text", None)  # None for a stand-in without one
    source = csv_text() if csv_text is not None else None
    if source is None:
        return None
    text, start = source
    if text.find(b'"', start) >= 0 or text.find(b"\r", start) >= 0:
        return None
    body = text.find(b"\n", start) + 1
    if body <= 0:
        return None
    view, end = memoryview(text), len(text)
    pieces = []
    while body < end:
        cut = text.find(b"\n", min(body + _PIECE_BYTES, end) - 1) + 1 or end
        piece = view[body:cut]
        ends = _line_ends(piece)
        if ends is None:
            return None
        pieces.append((piece, ends))
        body = cut
    if sum(len(ends) for _, ends in pieces) != len(data.frame):
        return None
    return pieces


def _line_ends(piece: memoryview) -> np.ndarray | None:
    """Where each line of `piece` ends (it starts at a line start), or None when a line is
    empty or a cell would be neutralised."""
    chars = np.frombuffer(piece, dtype=np.uint8)
    ends = np.flatnonzero(chars == _NEWLINE)
    if len(ends) and (ends[0] == 0 or (np.diff(ends) == 1).any()):
        return None  # an empty line: readers skip it, so it is not a customer
    if chars[-1] != _NEWLINE:
        ends = np.append(ends, len(chars))
    risky = chars == ord(FORMULA_STARTS[0])
    for start in FORMULA_STARTS[1:]:
        if start != "\r":  # none in a plain file
            risky |= chars == ord(start)
    at = np.flatnonzero(risky)
    if len(at) == 0:
        return ends
    before = chars[np.maximum(at - 1, 0)]
    at = at[(at == 0) | (before == _COMMA) | (before == _NEWLINE)]
    if len(at) == 0:
        return ends
    # Cells starting like a formula (usually negative numbers): ask `neutralise`'s rule.
    stops = np.flatnonzero((chars == _COMMA) | (chars == _NEWLINE))
    after = np.searchsorted(stops, at)
    cell_ends = np.append(stops, len(chars))[after]
    # Values alternate cell, gap, cell...: offsets are non-decreasing, the data a view.
    bounds = np.column_stack([at, cell_ends]).ravel().astype(np.int64)
    spans = pa.LargeStringArray.from_buffers(
        len(bounds) - 1, pa.py_buffer(bounds), pa.py_buffer(piece)
    )
    cells = spans.take(pa.array(np.arange(0, len(bounds) - 1, 2)))
    return None if len(_formula_positions(cells)) else ends
