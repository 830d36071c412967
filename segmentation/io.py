"""Reading customer files: formats, delimiters, encodings, number formats, id as text.

The reader works in two steps. First every cell is read as the exact text written in the
file (`CustomerData.raw`), with pyarrow's multi-threaded CSV parser on the fast path and
Python's ``csv`` module only for irregular files. Then each column is typed once, as a
whole: it is numeric when every non-missing cell parses as a number (possibly after
removing currency signs, thousands separators or a percent sign), otherwise it stays text.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import functools
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from segmentation.errors import DataError
from segmentation.health import Finding, HealthReport, build_report, count_repeats

#: Fewest customers a file may hold: two segments and a quality score need three.
MIN_CUSTOMERS = 3

#: Delimiters tried when sniffing a text file, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")

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

#: Normalised column names (lower case, no spaces, underscores, dashes or dots) of ids.
ID_NAMES = (
    "id",
    "customerid",
    "custid",
    "cust",
    "clientid",
    "userid",
    "memberid",
    "accountid",
    "customerno",
    "customernumber",
    "customercode",
    "clientno",
    "clientnumber",
    "memberno",
    "accountno",
    "accountnumber",
    "custno",
    "customer",
    "client",
    "uid",
    "key",
)

_TEXT_HEAD_BYTES = 64 * 1024
_SNIFF_RECORDS = 50

# Magic numbers of common non-table files, so an image renamed to .csv gets a clear answer.
_NOT_A_TABLE = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"RIFF", "an audio or video file"),
    (b"ID3", "an audio file"),
    (b"{\\rtf", "an RTF document"),
)

_DATE_PATTERNS = (
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?$",
    r"^\d{1,2}[ -][A-Za-z]{3,9}[ -,]+\d{2,4}$",
    r"^[A-Za-z]{3,9} \d{1,2},? \d{4}$",
)
_DATE_RE = re.compile("|".join(f"(?:{p})" for p in _DATE_PATTERNS))

_UPLOAD_HINT = "upload a CSV, TSV, Excel .xlsx or Parquet file"


@dataclass(frozen=True)
class CustomerData:
    """A customer table as read from a file.

    Attributes
    ----------
    frame : pandas.DataFrame
        The typed table, RangeIndex 0..n-1, one row per input data row, columns in file
        order. Numeric columns (including ones converted from ``$1,234.50``, ``12%`` or
        decimal commas) are float64 with NaN for missing markers and infinities; the id
        column and every other column are pandas string dtype.
    raw : pandas.DataFrame
        Same shape, index and columns: every cell as the text written in the file
        ("" where empty). Exports write these cells so nothing the user gave is altered.
        Built on first access (from the file's bytes for CSV), so reading a file and
        keeping it in memory does not pay for a second, all-text copy of the table.
    id_column : str or None
        The customer id column (detected, or the one the caller chose).
    name : str
        The dataset's name for file names (file stem, e.g. ``"mall_customers"``).
    report : HealthReport
        What was read and what to watch out for.

    Build one with `read_customers`, or from ready frames with `CustomerData.from_frames`.
    """

    frame: pd.DataFrame
    id_column: str | None
    name: str
    report: HealthReport
    _raw_source: _RawSource = field(repr=False, compare=False)

    @classmethod
    def from_frames(
        cls,
        frame: pd.DataFrame,
        raw: pd.DataFrame,
        *,
        id_column: str | None,
        name: str,
        report: HealthReport,
    ) -> CustomerData:
        """A `CustomerData` from a typed frame and its text cells (``raw``)."""
        return cls(
            frame=frame,
            id_column=id_column,
            name=name,
            report=report,
            _raw_source=_RawSource(frame=raw),
        )

    @functools.cached_property
    def raw(self) -> pd.DataFrame:
        # cached_property writes the instance __dict__ directly, so this works on a frozen
        # dataclass; pickles carry the source (and raw, once computed).
        return self._raw_source.build().copy(deep=False)

    def raw_head(self, n: int) -> pd.DataFrame:
        """The first `n` rows of `raw` (all of them when there are fewer), for a preview.

        Equal to ``raw.head(n)`` (same columns, dtypes and index 0..n-1, every cell as
        written) without building `raw` for the whole file when it is not built yet: a
        CSV read on the fast path is read again only as far as its first `n` records.

        Examples
        --------
        >>> data = read_customers(b"id,spend\\nA,1\\nB,2\\nC,3\\n")
        >>> data.raw_head(2)["spend"].tolist()
        ['1', '2']
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n={n!r} must be a whole number of rows, 0 or more")
        if "raw" in self.__dict__:
            return self.raw.head(n)
        return self._raw_source.head(int(n)).copy(deep=False)

    def _csv_text(self) -> tuple[bytes, int] | None:
        """The file's text as UTF-8 bytes and where it starts (after a byte-order mark),
        when `raw` is read again from it with a comma delimiter, every column kept and
        nothing hidden; else None.

        `segmentation.export.labelled_csv_bytes` copies its lines when they are plain.
        """
        source = self._raw_source
        if (
            source.data is None
            or source.delimiter != ","
            or source.hidden_cr
            or source.positions != tuple(range(source.n_fields))
        ):
            return None
        return source.data, source.start


@dataclass(frozen=True)
class _RawSource:
    """How to rebuild `CustomerData.raw`: the text cells themselves, or a CSV's bytes.

    Exactly one of ``frame``, ``table`` or ``data`` is set. For ``data`` (a regular CSV
    read by the typed fast path) the cells are read again as text on first use, with the
    same parser settings, keeping the columns at ``positions``; rows match the frame
    because both reads skip the same (empty) lines and nothing else.
    """

    frame: pd.DataFrame | None = None
    table: pa.Table | None = None
    data: bytes | None = None
    start: int = 0
    delimiter: str = ","
    n_fields: int = 0
    positions: tuple[int, ...] = ()
    names: tuple[str, ...] = ()
    hidden_cr: bool = False

    def build(self) -> pd.DataFrame:
        if self.frame is not None:
            return self.frame
        if self.table is not None:
            return _raw_frame(self.table, list(self.names))
        columns = self.text_columns(self.positions)
        return _raw_frame(
            pa.table(columns, names=[f"c{i}" for i in range(len(columns))]), list(self.names)
        )

    def head(self, n: int) -> pd.DataFrame:
        """The first `n` rows of `build()`, reading only as much of a CSV as they need."""
        if self.frame is not None:
            return self.frame.head(n)
        if self.table is not None:
            return _raw_frame(self.table.slice(0, n), list(self.names))
        columns = self.text_columns(self.positions, rows=n)
        return _raw_frame(
            pa.table(columns, names=[f"c{i}" for i in range(len(columns))]), list(self.names)
        )

    def text_columns(
        self, positions: Sequence[int], *, rows: int | None = None
    ) -> list[pa.ChunkedArray]:
        """The cells of the CSV columns at ``positions`` as text, read again: every row, or
        the first ``rows`` rows."""
        view = memoryview(self.data)[self.start :]
        if rows is None:
            table = _read_all_text(view, self.delimiter, self.n_fields, positions)
        else:
            table = self._head_table(view, positions, rows)
        columns = [table.column(i).slice(1) for i in range(table.num_columns)]
        if self.hidden_cr:
            columns = [pc.replace_substring(c, _CR_STANDIN, "\r") for c in columns]
        return columns

    def _head_table(self, view: memoryview, positions: Sequence[int], rows: int) -> pa.Table:
        """The header and the first ``rows`` records, parsed from a prefix of ``view``.

        The prefix ends at a line end; lines may be empty (skipped) or inside a quoted cell,
        so it grows until it holds one record more than needed: every record before the
        last is then complete, as the parser reads left to right.
        """
        base, lo, hi = _span(view)
        wanted = rows + 2  # the header, the rows, and one more that may be cut
        found, stop = 0, lo
        while True:
            while found < wanted and stop < hi:
                stop = base.find(b"\n", stop, hi) + 1 or hi
                found += 1
            if stop >= hi:
                return _read_all_text(view, self.delimiter, self.n_fields, positions).slice(
                    0, rows + 1
                )
            try:
                table = _read_all_text(view[: stop - lo], self.delimiter, self.n_fields, positions)
            except pa.ArrowInvalid:  # a cut inside a quoted cell
                table = None
            if table is not None and table.num_rows >= rows + 2:
                return table.slice(0, rows + 1)
            wanted *= 2


def _raw_frame(table: pa.Table, names: list[str] | None = None) -> pd.DataFrame:
    raw = table.to_pandas()
    raw.columns = pd.Index(names if names is not None else table.column_names, dtype=object)
    return raw


@dataclass
class _Cells:
    """Every cell of a table as text (no nulls), plus how the file was read."""

    names: list[str]
    #: Text as arrow arrays; numeric columns of the typed CSV reader as float64 arrays.
    columns: list[pa.ChunkedArray | np.ndarray]
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[Finding] = field(default_factory=list)
    #: The header cells exactly as written (names are trimmed), to find repeated headers.
    header_text: list[str] = field(default_factory=list)
    #: Set by the typed CSV reader: some columns are float64 already, and the text cells
    #: are read again from these bytes only if `CustomerData.raw` is asked for.
    source: _RawSource | None = None
    #: Position in the file of each column in ``columns`` (after unnamed empty ones go).
    positions: list[int] = field(default_factory=list)
    #: Set by the typed CSV reader: its numeric columns are the rows of this float64
    #: block (NaN for missing), which becomes the frame's numeric block without a copy.
    block: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


@dataclass
class _Number:
    """A column read as numbers: values, and how the text was cleaned (None if not).

    ``values`` is released (set to None) once copied into the frame, to keep the peak
    memory of a million-row file down.
    """

    values: np.ndarray | None
    how: str | None = None
    decimal_comma: bool = False


def read_customers(
    source: str | bytes | BinaryIO,
    *,
    name: str | None = None,
    id_column: str | None = None,
    sheet: str | None = None,
) -> CustomerData:
    """Read a customer file (CSV/TSV/TXT, Excel .xlsx, Parquet) into `CustomerData`.

    Parameters
    ----------
    source : path, bytes or binary file-like
        The file. Format is detected from the content (Parquet/xlsx magic bytes), then
        from ``name``'s extension; text is decoded (UTF-8 with/without BOM, UTF-16 with
        BOM, cp1252/latin-1 fallback) and its delimiter sniffed among , ; tab |.
    name : str, optional
        The file name as uploaded (``"mall_customers.csv"``); used for the dataset name
        and the format hint. Defaults to the path's name, or ``"customers"``.
    id_column : str, optional
        Override the detected customer id column; it is read as text.
    sheet : str, optional
        Excel sheet to read; the first sheet by default.

    Returns
    -------
    CustomerData
        The typed ``frame``, the ``raw`` text cells, the id column, the dataset name and
        the health report.

    Raises
    ------
    DataError
        Empty file, header only, not a table, duplicate column names, no numeric column,
        fewer than `MIN_CUSTOMERS` rows, unknown ``id_column`` or ``sheet``, or a row with
        more (non-empty) fields than the header.

    Notes
    -----
    Choices made for awkward files, each reported as a finding:

    - A column with an empty name and no values (a trailing delimiter) is dropped; an
      empty-named column with values is named ``column_<position>``.
    - Rows that repeat the header (files concatenated by hand) are dropped.
    - Rows with fewer fields than the header are padded with empty cells; extra fields
      are ignored when they are all empty, otherwise the file is refused, naming the line.
    - Integer columns with leading zeros (``00123``) are codes and stay text.
    - The id column is always text: ``00123`` stays ``00123``.
    """
    payload, path_name = _load(source)
    label = name if name is not None else path_name
    dataset_name = Path(label).stem if label else "customers"
    dataset_name = dataset_name or "customers"

    cells = _read_cells(payload, label or "", sheet)
    del payload
    _tidy(cells)
    return _type_columns(cells, dataset_name, id_column)


# --------------------------------------------------------------------------------------
# Loading bytes and recognising the format
# --------------------------------------------------------------------------------------


def _load(source: str | Path | bytes | BinaryIO) -> tuple[bytes, str | None]:
    """Return the file's bytes and its file name, if one is known."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise DataError(f"There is no file at {str(path)!r}: check the path and try again")
        return path.read_bytes(), path.name
    if hasattr(source, "read"):
        content = source.read()
        if isinstance(content, str):
            content = content.encode("utf-8")
        file_name = getattr(source, "name", None)
        return bytes(content), Path(file_name).name if isinstance(file_name, str) else None
    raise TypeError(
        f"source must be a path, bytes or a binary file object, not {type(source).__name__}"
    )


def _read_cells(payload: bytes, label: str, sheet: str | None) -> _Cells:
    """Detect the format and read every cell as text."""
    if not _has_content(payload):
        raise DataError(
            "The file is empty: upload a CSV with a header row and one row per customer"
        )
    if payload.startswith(b"PAR1"):
        return _read_parquet(payload)
    if payload.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if _is_xlsx(payload):
            return _read_xlsx(payload, sheet)
        raise DataError(f"This file is not a table (it looks like a zip archive): {_UPLOAD_HINT}")
    if payload.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            "This file is an old Excel .xls workbook, which cannot be read: save it as "
            "Excel .xlsx or CSV and upload that"
        )
    if label.lower().endswith((".xlsx", ".xlsm", ".parquet")):
        kind = "an Excel workbook" if ".xls" in label.lower() else "a Parquet file"
        raise DataError(
            f"The file is named {label!r} but its content is not {kind} (it may be damaged "
            f"or renamed): {_UPLOAD_HINT}"
        )
    data, encoding = _decode(payload)
    return _read_text(data, encoding)


_BLANK_BYTES = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"


def _has_content(payload: bytes) -> bool:
    """Whether the file holds anything but whitespace, NULs and byte-order marks."""
    # strip() copies the whole payload when it removes a trailing newline: look at the
    # top first, which settles it for every file but an (almost) empty one.
    if payload[:4096].strip(_BLANK_BYTES):
        return True
    return bool(payload.strip(_BLANK_BYTES))


def _is_xlsx(payload: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            return any(n.startswith("xl/") for n in archive.namelist())
    except zipfile.BadZipFile:
        return False


def _not_a_table(what: str) -> DataError:
    return DataError(f"This file is not a table (it looks like {what}): {_UPLOAD_HINT}")


def _decode(payload: bytes) -> tuple[bytes | memoryview, str]:
    """Return the text as UTF-8 bytes (without BOM) and the encoding it was written in.

    BOMs decide first, then UTF-8, then cp1252, then latin-1 (which never fails). UTF-8
    input is passed on without a copy; other encodings are transcoded to UTF-8.
    """
    if payload.startswith(b"\xef\xbb\xbf"):
        body = memoryview(payload)[3:]  # a view: no copy of a large file
        if not _is_utf8(payload, 3):
            _decode_as(body, "utf-8", "utf-8-sig")  # raises, naming the byte
        return body, "utf-8-sig"
    if payload.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _decode_as(payload, "utf-32", "utf-32").encode("utf-8"), "utf-32"
    if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_as(payload, "utf-16", "utf-16").encode("utf-8"), "utf-16"
    head = payload[:4096]
    if b"\x00" in head:
        # UTF-16 without a BOM: ASCII text has every other byte NUL.
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) == 0:
            return _decode_as(payload, "utf-16-le", "utf-16-le").encode("utf-8"), "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) == 0:
            return _decode_as(payload, "utf-16-be", "utf-16-be").encode("utf-8"), "utf-16-be"
        for magic, what in _NOT_A_TABLE:
            if payload.startswith(magic):
                raise _not_a_table(what)
        raise _not_a_table("binary data, not text")
    for magic, what in _NOT_A_TABLE:
        if what and payload.startswith(magic):
            raise _not_a_table(what)
    if _is_utf8(payload):
        return payload, "utf-8"  # parsed as they are
    try:
        return payload.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        return payload.decode("latin-1").encode("utf-8"), "latin-1"


_UTF8_SLICE = 1 << 20


def _is_utf8(payload: bytes, start: int = 0) -> bool:
    """Whether ``payload[start:]`` is valid UTF-8.

    Checked a slice at a time, so no decoded copy of the file is made (a 1M-row file
    would take a 34 MB string), and a slice that is all ASCII, the usual case, is passed
    by a fast scan without decoding.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for offset in range(start, len(payload), _UTF8_SLICE):
            part = payload[offset : offset + _UTF8_SLICE]
            # A character cut by the previous slice continues here: decode to finish it.
            if not part.isascii() or decoder.getstate()[0]:
                decoder.decode(part)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decode_as(payload: bytes | memoryview, codec: str, label: str) -> str:
    try:
        return str(payload, codec)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"The file starts like {label} text but byte {exc.start} cannot be decoded: "
            "save it again as UTF-8 CSV and upload that"
        ) from exc


# --------------------------------------------------------------------------------------
# Text files
# --------------------------------------------------------------------------------------


def _sniff_delimiter(head: str) -> str:
    """Pick the delimiter whose field count is most consistent over the first records.

    Each candidate splits the first records with the ``csv`` module (so quoted fields are
    respected). A candidate needs at least two fields in the header; the winner has the
    largest share of records with the header's field count, then the most fields, then
    comes first in `DELIMITERS`.
    """
    best, best_key = ",", None
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        counts = []
        try:
            for record in reader:
                if record:
                    counts.append(len(record))
                if len(counts) > _SNIFF_RECORDS:
                    break
        except csv.Error:
            pass  # judge the candidate on the records read before the odd one
        if len(counts) > 1 and len(head) >= _TEXT_HEAD_BYTES:
            counts = counts[:-1]  # the last record of a cut head may be partial
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        key = (consistent, counts[0])
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def _read_text(data: bytes | memoryview, encoding: str) -> _Cells:
    """Read UTF-8 text: pyarrow for regular files, the csv module for irregular ones."""
    # A lone carriage return inside a line of a file with \n line ends is data (a cell
    # "\rtext" written unquoted), but csv parsers would end the row there: hide it.
    hidden_cr = _has_lone_cr(data) and _contains(data, b"\n")
    if hidden_cr:
        data = _LONE_CR.sub(_CR_STANDIN.encode("utf-8"), data)
    head = bytes(data[:_TEXT_HEAD_BYTES]).decode("utf-8", errors="ignore")
    if "\x00" in head:
        raise _not_a_table("binary data, not text")
    delimiter = _sniff_delimiter(head)
    try:
        try:
            cells = _read_text_typed(data, head, delimiter, hidden_cr)
        except (pa.ArrowInvalid, ValueError):
            cells = None
        if cells is None:
            cells = _read_text_fast(data, head, delimiter)
    except (pa.ArrowInvalid, ValueError):
        cells = _read_text_slow(bytes(data).decode("utf-8"), delimiter)
    if hidden_cr:
        cells.names = [n.replace(_CR_STANDIN, "\r") for n in cells.names]
        cells.columns = [
            pc.replace_substring(c, _CR_STANDIN, "\r") if _is_text(c) else c for c in cells.columns
        ]
    cells.encoding = encoding
    cells.delimiter = delimiter
    return cells


def _span(data: bytes | memoryview) -> tuple[bytes, int, int]:
    """The bytes under ``data`` and where ``data`` lies in them (start, stop), no copy."""
    if isinstance(data, memoryview) and isinstance(data.obj, bytes):
        start = (
            np.frombuffer(data, dtype=np.uint8).__array_interface__["data"][0]
            - np.frombuffer(data.obj, dtype=np.uint8).__array_interface__["data"][0]
        )
        return data.obj, start, start + len(data)
    data = bytes(data)
    return data, 0, len(data)


def _contains(data: bytes | memoryview, needle: bytes) -> bool:
    """``needle in data`` for bytes or a view of bytes.

    bytes.find runs at memchr speed, many times faster than a regex over a large file.
    """
    base, start, stop = _span(data)
    return base.find(needle, start, stop) >= 0


def _count(data: bytes | memoryview, needle: bytes) -> int:
    base, start, stop = _span(data)
    return base.count(needle, start, stop)


def _count_lines(data: bytes | memoryview) -> int:
    """Line ends (\\n) in ``data``: numpy counts a slice at a time, 3x faster than bytes.count."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    step = 1 << 18
    return sum(
        int(np.count_nonzero(buffer[offset : offset + step] == 10))
        for offset in range(0, len(buffer), step)
    )


def _has_lone_cr(data: bytes | memoryview) -> bool:
    """A carriage return not followed by a newline (counted: no regex over the file)."""
    return _contains(data, b"\r") and _count(data, b"\r") != _count(data, b"\r\n")


def _parse_options(data: bytes | memoryview, delimiter: str) -> pacsv.ParseOptions:
    return pacsv.ParseOptions(
        delimiter=delimiter,
        quote_char='"',
        double_quote=True,
        # Embedded newlines force a slower single-threaded split: only when quoted.
        newlines_in_values=_has_quote(data),
        ignore_empty_lines=True,
    )


#: Smallest piece of a file parsed on its own thread.
_PART_BYTES = 4 << 20


def _parts(data: bytes | memoryview) -> list[memoryview]:
    """The file cut at line ends into one piece per core, to parse side by side.

    Arrow's streaming reader parses on one thread but holds only a few batches at a
    time; pieces give back the cores without the memory of a whole-file read. A file
    with a quote is not cut: a quoted cell may hold a line end.
    """
    view = memoryview(data)
    count = min(_cores(), len(view) // _PART_BYTES)
    if count < 2 or _has_quote(data):
        return [view]
    base, skip, stop = _span(data)
    cuts = [0]
    for k in range(1, count):
        cut = base.find(b"\n", skip + k * len(view) // count, stop) + 1 - skip
        if cuts[-1] < cut < len(view):
            cuts.append(cut)
    cuts.append(len(view))
    return [view[a:b] for a, b in zip(cuts, cuts[1:])]


def _cores() -> int:
    return pa.cpu_count()


def _on_threads(work, pieces: Sequence) -> list:
    """``[work(i, piece) ...]`` with the pieces after the first on threads of their own.

    Arrow and numpy release the GIL while they parse and copy. An exception in any
    piece is raised here, after every thread has finished.
    """
    if len(pieces) == 1:
        return [work(0, pieces[0])]
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(len(pieces) - 1) as pool:
        futures = [pool.submit(work, i, p) for i, p in enumerate(pieces) if i]
        first = work(0, pieces[0])
        return [first] + [f.result() for f in futures]


def _read_all_text(
    data: bytes | memoryview, delimiter: str, n: int, include: Sequence[int] | None = None
) -> pa.Table:
    """Every cell as text, the header row included as row 0 (columns f0..f<n-1>).

    Read as streams of batches, one per piece of the file (`_parts`): the same cells as
    a whole-file read, without holding the parser's buffers for the whole file at once.
    """
    names = [f"f{i}" for i in range(n)]
    parse = _parse_options(data, delimiter)
    convert = pacsv.ConvertOptions(
        column_types={name: pa.large_string() for name in names},
        include_columns=None if include is None else [names[i] for i in include],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
        check_utf8=False,  # _decode made the text valid UTF-8 already
    )

    pieces = _parts(data)

    def read(index: int, piece: memoryview) -> pa.Table:
        options = (
            pacsv.ReadOptions(autogenerate_column_names=True)
            if index == 0
            else pacsv.ReadOptions(column_names=names)
        )
        options.use_threads = len(pieces) == 1  # the pieces are the threads
        stream = pacsv.open_csv(
            pa.py_buffer(piece), read_options=options, parse_options=parse, convert_options=convert
        )
        # Batch by batch: each read lets go of the GIL (read_all holds it throughout).
        return pa.Table.from_batches(list(stream), schema=stream.schema)

    tables = _on_threads(read, pieces)
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


def _read_text_fast(data: bytes | memoryview, head: str, delimiter: str) -> _Cells:
    """Parse with pyarrow, every column as a string; raises on any irregular row."""
    # The header count comes from the csv module, so arrow's autogenerated names f0..fn
    # can all be typed as strings (arrow would otherwise infer types and alter cells).
    first = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), [])
    n = len(first)
    if n == 0:
        raise ValueError("no header")
    table = _read_all_text(data, delimiter, n)
    if table.num_columns != n:
        raise ValueError("header disagrees")
    names = [str(v) for v in table.slice(0, 1).to_pylist()[0].values()]
    body = table.slice(1)
    columns = [body.column(i) for i in range(n)]
    return _Cells(names=names, columns=columns, file_format="csv")


#: Cell texts read as missing by the typed reader: markers as written in lower, upper and
#: title case (others, like "nA", make the column text and go through the text path).
_NULL_TEXTS = sorted({v for m in MISSING_MARKERS for v in (m, m.upper(), m.title())})
_ZERO, _NINE = ord("0"), ord("9")


def _read_text_typed(
    data: bytes | memoryview, head: str, delimiter: str, hidden_cr: bool
) -> _Cells | None:
    """Parse with numeric columns typed float64 in the same pass (the common, fast case).

    Types are inferred by arrow on the first 64 KB; integer and decimal columns are read
    as float64 over the whole file, every other column as exact text. Returns None (read
    everything as text instead) whenever the result could differ from the text path: a
    cell with a leading zero anywhere (``00123`` is a code), a header that is a number, a
    file starting with an empty line; and raises ArrowInvalid when a later cell of a
    numeric column is not a plain number or marker ("$12", "n.a."): the text path then
    decides, as before.
    """
    raw_bytes = data.obj if isinstance(data, memoryview) else data
    if not isinstance(raw_bytes, bytes) or not data or data[0] in b"\r\n":
        return None
    start = len(raw_bytes) - len(data)
    cut = head.encode("utf-8")
    cut = cut[: cut.rfind(b"\n") + 1] if len(data) > len(cut) else cut
    parse = _parse_options(data, delimiter)
    sample = pacsv.read_csv(
        pa.BufferReader(cut),
        parse_options=parse,
        convert_options=pacsv.ConvertOptions(
            null_values=_NULL_TEXTS,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    names = list(sample.column_names)
    first = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), [])
    if len(names) != len(first) or sample.num_rows == 0:
        return None
    numeric = []
    for i, (col_name, column) in enumerate(zip(names, sample.columns)):
        kind = column.type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            continue
        # The id named like one stays text; a header that parses as a number or a
        # marker could repeat inside the file: leave those files to the text path.
        text = col_name.strip()
        if _plain_float(text) or text.lower() in MISSING_MARKERS:
            return None
        if _normalise(text) not in ID_NAMES:
            numeric.append(i)
    if not numeric:
        return None
    n = len(names)
    text = [i for i in range(n) if i not in numeric]
    pieces = _parts(data)
    # Lines of each piece: its rows (the header aside), unless some lines are empty or
    # inside quotes. Each piece's rows go to their own place in one block.
    lines = [_count_lines(p) + (bytes(p[-1:]) != b"\n") for p in pieces]
    lines[0] -= 1
    starts = np.cumsum([0] + lines[:-1]).tolist()
    block = np.empty((len(numeric), max(sum(lines), 1)), dtype=np.float64)
    options = pacsv.ConvertOptions(
        column_types={
            f"f{i}": (pa.float64() if i in numeric else pa.large_string()) for i in range(n)
        },
        null_values=_NULL_TEXTS,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=False,  # _decode made the text valid UTF-8 already
    )

    def read(index: int, piece: memoryview):
        # The leading-zero scan of a piece runs on its thread, before it is parsed.
        if _any_leading_zero(piece, delimiter, start=1 if index == 0 else 0):
            return None
        stream = pacsv.open_csv(
            pa.py_buffer(piece),
            read_options=pacsv.ReadOptions(
                column_names=[f"f{i}" for i in range(n)],
                skip_rows_after_names=int(not index),
                use_threads=len(pieces) == 1,
            ),
            parse_options=parse,
            convert_options=options,
        )
        return _stream_columns(stream, numeric, text, block[:, starts[index] :], lines[index])

    results = _on_threads(read, pieces)
    if any(r is None for r in results):
        return None
    block, text_columns = _join_pieces(block, starts, results, text)
    rows = {i: block[j] for j, i in enumerate(numeric)}
    columns = [rows[i] if i in rows else text_columns[i] for i in range(n)]
    source = _RawSource(
        data=raw_bytes, start=start, delimiter=delimiter, n_fields=n, hidden_cr=hidden_cr
    )
    return _Cells(names=names, columns=columns, file_format="csv", source=source, block=block)


def _stream_columns(
    stream: pacsv.CSVStreamingReader,
    numeric: Sequence[int],
    text: Sequence[int],
    block: np.ndarray,
    lines: int,
) -> tuple[np.ndarray, dict[int, list[pa.Array]]]:
    """Read a CSV stream batch by batch, its numeric columns into ``block``.

    Returns the filled part of ``block`` (or of a larger copy, when the stream holds
    more than ``lines`` rows), one row per column of ``numeric``, NaN for missing values
    and infinities; and the batches of the ``text`` columns. Copying batch by batch keeps
    only a few batches in arrow's memory at a time: a whole-file read would hold every
    number twice (arrow's chunks, then the frame's block).
    """
    capacity = min(lines, block.shape[1])
    chunks: dict[int, list[pa.Array]] = {i: [] for i in text}
    n_rows = 0
    for batch in stream:
        size = batch.num_rows
        if n_rows + size > capacity:  # lines ended by \r alone: more rows than \n
            capacity = 2 * (n_rows + size)
            grown = np.empty((len(numeric), capacity), dtype=np.float64)
            grown[:, :n_rows] = block[:, :n_rows]
            block = grown
        for j, i in enumerate(numeric):
            target = block[j, n_rows : n_rows + size]
            np.copyto(target, batch.column(i).to_numpy(zero_copy_only=False))
            infinite = np.isinf(target)
            if infinite.any():
                target[infinite] = np.nan
        for i, parts in chunks.items():
            parts.append(batch.column(i))
        n_rows += size
    return block[:, :n_rows], chunks


def _join_pieces(
    block: np.ndarray,
    starts: Sequence[int],
    results: Sequence[tuple[np.ndarray, dict[int, list[pa.Array]]]],
    text: Sequence[int],
) -> tuple[np.ndarray, dict[int, pa.ChunkedArray]]:
    """One block and one arrow column per text column from the pieces' results, in order.

    A piece that did not fill its place (empty lines) or outgrew it leaves the block
    with a gap or beside it: its rows are moved next to the previous piece's.
    """
    filled = 0
    for start, (rows, _) in zip(starts, results):
        size = rows.shape[1]
        in_place = size == 0 or (
            start == filled
            and rows.__array_interface__["data"][0]
            == block[:, start:].__array_interface__["data"][0]
        )
        if not in_place:
            if filled + size > block.shape[1]:
                grown = np.empty((len(block), 2 * (filled + size)), dtype=np.float64)
                grown[:, :filled] = block[:, :filled]
                block = grown
            block[:, filled : filled + size] = rows
        filled += size
    columns = {
        i: pa.chunked_array([c for _, chunks in results for c in chunks[i]], type=pa.large_string())
        for i in text
    }
    return block[:, :filled], columns


def _any_leading_zero(data: bytes | memoryview, delimiter: str, *, start: int = 1) -> bool:
    """A cell anywhere that may start with 0 and another digit (00123).

    Over-approximates (a quoted "a,01" counts): a hit only sends the file to the slower
    text path, which checks column by column. ``data`` may be a piece of the file cut
    after a line end: ``start=0`` then checks its first byte too.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    before = np.zeros(256, dtype=bool)
    before[list((delimiter + '\n\r\t "').encode("utf-8"))] = True
    # Slices small enough to stay in cache: each test is one pass over a few hundred KB,
    # and "0 then a digit" (rare at a cell's start, common inside 100 or 2005) is found
    # before the byte in front of it is looked at.
    step = 1 << 18
    for offset in range(start, max(len(buffer) - 1, start), step):
        window = buffer[offset : offset + step + 1]
        zero = window[:-1] == _ZERO
        zero &= (window[1:] - np.uint8(_ZERO)) <= np.uint8(_NINE - _ZERO)
        hits = np.flatnonzero(zero) + offset
        if hits.size == 0:
            continue
        if hits[0] == 0:
            return True  # the first byte of a piece starts a line, so a cell
        if before[buffer[hits - 1]].any():
            return True
    return False


_LONE_CR = re.compile(b"\r(?!\n)")
_CR_STANDIN = "\ue000"  # a private-use character: never meaningful in a customer file


def _has_quote(data: bytes | memoryview) -> bool:
    return _contains(data, b'"')


def _read_text_slow(text: str, delimiter: str) -> _Cells:
    """Parse irregular files row by row: pad short rows, refuse rows with extra values."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    padded = trimmed = 0
    try:
        for record in reader:
            if not record or all(not v.strip() for v in record):
                continue
            if header is None:
                header = record
                n = len(header)
                continue
            if len(record) < n:
                record = record + [""] * (n - len(record))
                padded += 1
            elif len(record) > n:
                extra = record[n:]
                if any(v.strip() for v in extra):
                    raise DataError(
                        f"Line {reader.line_num} has {len(record)} values but the header has "
                        f"{n} columns: fix that row (a missing quote or an extra "
                        f"{_delimiter_name(delimiter)}) and upload the file again"
                    )
                record = record[:n]
                trimmed += 1
            rows.append(record)
    except csv.Error as exc:
        raise DataError(
            f"The file cannot be read as a table near line {reader.line_num} ({exc}): "
            "check for an unclosed quote and upload the file again"
        ) from exc
    if header is None:
        raise DataError(
            "The file is empty: upload a CSV with a header row and one row per customer"
        )
    columns = [
        pa.chunked_array([pa.array([r[i] for r in rows], pa.string())]) for i in range(len(header))
    ]
    cells = _Cells(names=list(header), columns=columns, file_format="csv")
    if padded:
        cells.notes.append(
            Finding(
                None,
                f"{padded} rows have fewer values than the header",
                "The missing values at the end of those rows are read as empty",
            )
        )
    if trimmed:
        cells.notes.append(
            Finding(
                None,
                f"{trimmed} rows end with extra empty values (a trailing delimiter)",
                "The extra empty values are ignored",
            )
        )
    return cells


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delimiter, "delimiter")


# --------------------------------------------------------------------------------------
# Excel and Parquet
# --------------------------------------------------------------------------------------


def _excel_text(value: object) -> str:
    """The text a spreadsheet user sees for a cell value ("" for empty, 3 not 3.0)."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _read_xlsx(payload: bytes, sheet: str | None) -> _Cells:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise DataError(
            f"This Excel file cannot be opened ({exc}): save it again as .xlsx or CSV"
        ) from exc
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise DataError(
                f"The workbook has no sheet named {sheet!r}; its sheets are "
                f"{', '.join(repr(s) for s in workbook.sheetnames)}: choose one of them"
            )
        rows = [[_excel_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    # Formatting can make a sheet report empty rows and columns: keep only filled ones.
    rows = [r for r in rows if any(v.strip() for v in r)]
    if not rows:
        raise DataError(
            "The file is empty: the sheet has no cells. Upload a sheet with a header row "
            "and one row per customer"
        )
    width = max(max((i + 1 for i, v in enumerate(r) if v.strip()), default=0) for r in rows)
    rows = [(r + [""] * width)[:width] for r in rows]
    names = rows[0]
    columns = [
        pa.chunked_array([pa.array([r[i] for r in rows[1:]], pa.string())]) for i in range(width)
    ]
    return _Cells(names=names, columns=columns, file_format="xlsx")


def _read_parquet(payload: bytes) -> _Cells:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(payload))
    except Exception as exc:  # arrow raises several types for damaged files
        raise DataError(
            f"This Parquet file cannot be read ({exc}): export it again or upload a CSV"
        ) from exc
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            text = column.cast(pa.string())
        else:
            try:
                text = pc.cast(column, pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                text = pa.chunked_array(
                    [
                        pa.array(
                            [None if v is None else str(v) for v in column.to_pylist()], pa.string()
                        )
                    ]
                )
        columns.append(pc.fill_null(text, ""))
    return _Cells(
        names=[str(n) for n in table.column_names], columns=columns, file_format="parquet"
    )


# --------------------------------------------------------------------------------------
# Cleaning the table shape
# --------------------------------------------------------------------------------------


def _tidy(cells: _Cells) -> None:
    """Fix names, drop empty unnamed columns and repeated header rows; refuse duplicates."""
    names = [n.strip() for n in cells.names]
    keep_names, keep_columns, keep_text, keep_positions = [], [], [], []
    for position, (col_name, column, text) in enumerate(
        zip(names, cells.columns, cells.names), start=1
    ):
        if not col_name:
            if _all_blank(column):
                cells.notes.append(
                    Finding(
                        None,
                        f"Column {position} has no name and no values (a trailing delimiter?)",
                        "It was left out",
                    )
                )
                continue
            col_name = f"column_{position}"
            cells.notes.append(
                Finding(
                    col_name,
                    f"Column {position} has values but no name",
                    f"It was named {col_name!r}; give it a name in the file to keep it clear",
                )
            )
        keep_names.append(col_name)
        keep_columns.append(column)
        keep_text.append(text)
        keep_positions.append(position - 1)
    cells.names, cells.columns, cells.header_text = keep_names, keep_columns, keep_text
    cells.positions = keep_positions
    if not cells.names:
        raise DataError(
            "The file has no named columns: upload a CSV with a header row and one row per customer"
        )

    seen: dict[str, int] = {}
    for col_name in cells.names:
        seen[col_name] = seen.get(col_name, 0) + 1
    duplicated = [n for n, c in seen.items() if c > 1]
    if duplicated:
        listed = ", ".join(repr(n) for n in duplicated)
        raise DataError(
            f"Duplicate column names: {listed} appear more than once in the header. "
            "Rename the columns so each has its own name and upload the file again"
        )

    if cells.n_rows:
        repeated = _header_rows(cells)
        if repeated is not None:
            count = int(pc.sum(repeated).as_py())
            keep = pc.invert(repeated)
            cells.columns = [pc.filter(c, keep) for c in cells.columns]
            cells.notes.append(
                Finding(
                    None,
                    f"The header row is repeated {count} times inside the file",
                    "Those rows are not customers and were left out",
                )
            )

    if cells.n_rows == 0:
        raise DataError(
            "The file has a header row but no customers: add one row per customer below the header"
        )


def _header_rows(cells: _Cells) -> pa.ChunkedArray | None:
    """Mask of rows that repeat the header, or None when there are none."""
    if not all(_is_text(c) for c in cells.columns):
        return None  # a numeric column's header is not a number (see _read_text_typed)
    mask = None
    for col_name, column in zip(cells.header_text, cells.columns):
        equal = pc.equal(column, col_name)
        mask = equal if mask is None else pc.and_(mask, equal)
        if not pc.any(mask).as_py():
            return None
    return mask


# --------------------------------------------------------------------------------------
# Typing columns
# --------------------------------------------------------------------------------------


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


_CURRENCY = "$€£¥₹"
_STRIP_RE = r"[$€£¥₹\s\x{00a0}\x{202f}']"
_THOUSANDS_COMMA_RE = r"^[-+]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?$"
_DECIMAL_COMMA_RE = r"^[-+]?(\d{1,3}(\.\d{3})+|\d*)(,\d+)?$"
_PY_STRIP = re.compile(r"[$€£¥₹\s\u00a0\u202f']")


def _to_number(column: pa.ChunkedArray, prefer_decimal_comma: bool) -> _Number | None:
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
    cleaned_sample = [_PY_STRIP.sub("", v).removesuffix("%") for v in sample]
    orders = [(_DECIMAL_COMMA_RE, True), (_THOUSANDS_COMMA_RE, False)]
    if not prefer_decimal_comma:
        orders.reverse()
    orders = [(p, d) for p, d in orders if all(v and re.match(p, v) for v in cleaned_sample)]
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
        thousands, decimal = ".", ","
        text = pc.replace_substring(pc.replace_substring(stripped, ".", ""), ",", ".")
    else:
        thousands, decimal = ",", "."
        text = pc.replace_substring(stripped, ",", "")
    try:
        values = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        return None
    how = []
    if pc.any(pc.match_substring_regex(present, "[" + _CURRENCY + "]")).as_py():
        how.append("currency signs removed")
    if pc.any(pc.match_substring_regex(present, r"\S\s+\S")).as_py():
        how.append("spaces removed")
    # A thousands separator is present where the separator is followed by 3 digits.
    if pc.any(pc.match_substring_regex(stripped, re.escape(thousands) + r"\d{3}")).as_py() and (
        not decimal_comma or pc.any(pc.match_substring(stripped, ".")).as_py()
    ):
        how.append("thousands separators removed")
    if decimal_comma and pc.any(pc.match_substring(stripped, decimal)).as_py():
        how.append("decimal comma read as a point (12,5 -> 12.5)")
    if percent:
        how.append("percent sign removed (12% -> 12)")
    uses_comma = decimal_comma and "decimal comma read as a point (12,5 -> 12.5)" in how
    return _Number(_finite(values), ", ".join(how) or "spaces removed", uses_comma)


def _leading_zero(column: pa.ChunkedArray) -> bool:
    """True when values start with 0 and another digit (00123): a code, not a number."""
    # starts_with is a cheap byte compare; only the rows starting with "0" are sliced.
    zero = pc.starts_with(column, "0")
    if not pc.any(zero).as_py():
        return False
    prefixes = pc.utf8_slice_codeunits(pc.filter(column, zero), 0, 2)
    return bool(pc.any(pc.is_in(prefixes, value_set=_LEADING_ZERO_PREFIXES)).as_py())


_LEADING_ZERO_PREFIXES = pa.array([f"0{d}" for d in range(10)])


def _finite(values: pa.ChunkedArray) -> np.ndarray:
    """float64 numpy array with NaN for nulls, NaN and infinities."""
    array = np.asarray(values.to_numpy(), dtype=np.float64)
    infinite = np.isinf(array)
    if infinite.any():
        if not array.flags.writeable:  # a view of arrow's buffer
            array = array.copy()
        array[infinite] = np.nan
    return array


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-.#]+", "", name).lower()


def _looks_like_dates(column: pa.ChunkedArray) -> bool:
    sample = _sample(column, 200)
    return bool(sample) and all(_DATE_RE.match(v) for v in sample)


def _type_columns(cells: _Cells, dataset_name: str, id_override: str | None) -> CustomerData:
    names = cells.names
    if id_override is not None and id_override not in names:
        raise DataError(
            f"There is no column named {id_override!r} to use as the customer id; the "
            f"columns are {', '.join(repr(n) for n in names)}: choose one of them"
        )
    if cells.n_rows < MIN_CUSTOMERS:
        raise DataError(
            f"The file has {cells.n_rows} customer{'s' if cells.n_rows != 1 else ''}; "
            f"segmenting needs at least {MIN_CUSTOMERS}: upload a file with one row per "
            "customer"
        )

    prefer_decimal_comma = cells.delimiter is not None and cells.delimiter != ","
    by_name = [n for n in names if _normalise(n) in ID_NAMES]
    by_name.sort(key=lambda n: ID_NAMES.index(_normalise(n)))

    if id_override is not None and cells.source is not None:
        at = names.index(id_override)
        if not _is_text(cells.columns[at]):  # the id is text: read its cells again
            cells.columns[at] = cells.source.text_columns([cells.positions[at]])[0]

    numbers: dict[str, _Number] = {}
    text_columns: list[str] = []
    for col_name, column in zip(names, cells.columns):
        if col_name == id_override:
            text_columns.append(col_name)
            continue
        number = _to_number(column, prefer_decimal_comma)
        if number is None:
            text_columns.append(col_name)
        else:
            numbers[col_name] = number
    columns = dict(zip(names, cells.columns))

    # The id: the caller's choice, a column named like an id, or the first text column
    # whose values are all present and unique (C10001, emails).
    unique_text = [
        n
        for n in text_columns
        if n not in by_name and _all_unique(columns[n]) and not _looks_like_dates(columns[n])
    ]
    if id_override is not None:
        id_col = id_override
    elif by_name:
        id_col = by_name[0]
    elif unique_text:
        id_col = unique_text[0]
    else:
        id_col = None
    unique_numeric = [
        n for n, num in numbers.items() if n not in by_name and _unique_integers(num.values)
    ]
    candidates = tuple(
        dict.fromkeys(([id_col] if id_col else []) + by_name + unique_text + unique_numeric)
    )

    if id_col is not None and id_col in numbers:
        numbers.pop(id_col)
        text_columns.append(id_col)

    numeric_columns = [n for n in names if n in numbers]
    if not numeric_columns:
        described = ", ".join(repr(n) for n in names)
        raise DataError(
            f"No numeric columns to segment on: the columns {described} hold text"
            + (f" (and {id_col!r} is the customer id)" if id_col else "")
            + ". Upload a file with at least one column of numbers, such as income, "
            "spend or visits"
        )

    date_columns = [
        n for n in names if n in text_columns and n != id_col and _looks_like_dates(columns[n])
    ]

    frame = _build_frame(names, numbers, columns, cells.block)
    if cells.source is not None:
        raw_source = dataclasses.replace(
            cells.source, positions=tuple(cells.positions), names=tuple(names)
        )
    else:
        raw_source = _RawSource(
            table=pa.table(cells.columns, names=[f"c{i}" for i in range(len(names))])
        )
        raw_source = dataclasses.replace(raw_source, names=tuple(names))

    converted = tuple((n, numbers[n].how) for n in numeric_columns if numbers[n].how)
    if cells.file_format == "csv":
        decimal = "," if any(numbers[n].decimal_comma for n in numeric_columns) else "."
    else:
        decimal = None

    notes = list(cells.notes)
    if cells.encoding not in (None, "utf-8", "utf-8-sig"):
        notes.append(
            Finding(
                None,
                f"The file is not UTF-8; it was read as {cells.encoding}",
                "Check that accented names look right; if not, save the file as UTF-8 CSV",
            )
        )
    leading = [n for n in text_columns if n != id_col and _leading_zero(columns[n])]
    for col_name in leading:
        notes.append(
            Finding(
                col_name,
                "has numbers with leading zeros (like 00123)",
                "It is read as a code, kept as text, and not used as an amount",
            )
        )

    report = build_report(
        frame,
        id_column=id_col,
        file_format=cells.file_format,
        encoding=cells.encoding,
        delimiter=cells.delimiter,
        decimal=decimal,
        id_candidates=candidates,
        numeric_columns=tuple(numeric_columns),
        date_columns=tuple(date_columns),
        converted_columns=converted,
        notes=tuple(notes),
    )
    return CustomerData(
        frame=frame, id_column=id_col, name=dataset_name, report=report, _raw_source=raw_source
    )


def _build_frame(
    names: list[str],
    numbers: dict[str, _Number],
    columns: dict[str, pa.ChunkedArray | np.ndarray],
    block: np.ndarray | None = None,
) -> pd.DataFrame:
    """The typed frame in file order, numeric columns in one float64 block.

    Building the block once and inserting the text columns avoids pandas copying every
    numeric column again when it consolidates a dict of arrays (0.4 s at 1M rows).
    ``block``, the typed CSV reader's numbers, is used as it is when its rows are the
    numeric columns in order (the usual case): fresh memory is slow to touch, and a
    copy of a million rows of numbers costs a tenth of a second.
    """
    numeric = [n for n in names if n in numbers]
    reuse = (
        block is not None
        and len(block) == len(numeric)
        and all(
            _same_memory(numbers[col_name].values, row) for col_name, row in zip(numeric, block)
        )
    )
    if not reuse:
        block = np.empty((len(numeric), len(numbers[numeric[0]].values)), dtype=np.float64)
        for i, col_name in enumerate(numeric):
            block[i] = numbers[col_name].values
    for col_name in numeric:
        numbers[col_name].values = None
    frame = pd.DataFrame(block.T, columns=pd.Index(numeric, dtype=object), copy=False)
    for position, col_name in enumerate(names):
        if col_name not in numbers:
            frame.insert(position, col_name, _text_series(columns[col_name]))
    return frame


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """The same numbers in the same place (a row of the block, not a copy of it)."""
    return (
        a.shape == b.shape
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def _all_unique(column: pa.ChunkedArray) -> bool:
    """Every cell filled and different from the others (a possible id)."""
    if pc.any(_blank(column)).as_py():
        return False
    head = column.slice(0, 10_000)
    # A repeat near the top settles it without sorting a million strings.
    if pc.count_distinct(head).as_py() < len(head):
        return False
    return count_repeats(column) == 0


def _unique_integers(values: np.ndarray) -> bool:
    """All present, integers, all different (a numeric id such as 1..200)."""
    if values.size == 0 or np.isnan(values).any():
        return False
    # n different integers span at least n: a cheap test before sorting.
    if values.max() - values.min() + 1 < values.size:
        return False
    return bool(np.all(values == np.round(values))) and len(np.unique(values)) == len(values)


def _text_series(column: pa.ChunkedArray) -> pd.Series:
    """A text column for the frame: values exactly as written, empty cells as missing.

    Values are not trimmed (a note "\tindented" stays as written) and only blank cells are
    missing: in text, "-" or "NA" may be a real value (an id "NA", a note "-").
    """
    missing = _blank(column)
    if pc.any(missing).as_py():
        column = pc.if_else(missing, pa.scalar(None, column.type), column)
    # One chunk: picking rows (the scatter's 20k ids, a segment's list) from a column in
    # dozens of parse chunks was ten times slower than from one.
    column = pa.chunked_array([column.combine_chunks()], type=column.type)
    return column.to_pandas().astype("str")


def _is_text(column: pa.ChunkedArray | np.ndarray) -> bool:
    if isinstance(column, np.ndarray):
        return False
    return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)


def _blank(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Empty or whitespace-only cells (boolean masks only: no copy of the strings)."""
    if not _is_text(column):
        return pc.is_null(column)
    return pc.or_(pc.equal(column, ""), pc.fill_null(pc.utf8_is_space(column), False))


def _all_blank(column: pa.ChunkedArray | np.ndarray) -> bool:
    """No value in any cell (a column made by a trailing delimiter)."""
    if isinstance(column, np.ndarray):
        return bool(np.isnan(column).all())
    return pc.all(_blank(column)).as_py() is not False
