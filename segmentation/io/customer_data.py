"""`CustomerData`: the typed table, its id, its health report, and its text cells on demand."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.health import HealthReport
from segmentation.io.pieces import _read_all_text
from segmentation.io.scan import _CR_STANDIN, _span


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

    Examples
    --------
    >>> from segmentation import read_customers
    >>> data = read_customers(b"id,spend\\nA,1\\nB,2\\nC,3\\n", name="shop.csv")
    >>> data.id_column, data.name, data.frame["spend"].tolist()
    ('id', 'shop', [1.0, 2.0, 3.0])
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
        """A `CustomerData` from a typed frame and its text cells (``raw``).

        Examples
        --------
        >>> import pandas as pd
        >>> from segmentation import read_customers
        >>> report = read_customers(b"id,spend\\nA,1\\nB,2\\nC,3\\n").report
        >>> frame = pd.DataFrame({"id": ["A", "B", "C"], "spend": [1.0, 2.0, 3.0]})
        >>> data = CustomerData.from_frames(
        ...     frame, frame.astype(str), id_column="id", name="shop", report=report
        ... )
        >>> data.raw["spend"].tolist()
        ['1.0', '2.0', '3.0']
        """
        return cls(
            frame=frame,
            id_column=id_column,
            name=name,
            report=report,
            _raw_source=_RawSource(frame=raw),
        )

    @functools.cached_property
    def raw(self) -> pd.DataFrame:
        """Every cell as the text written in the file ("" where empty), built on first use.

        Examples
        --------
        >>> from segmentation import read_customers
        >>> read_customers(b"id,spend\\nA,$1\\nB,2\\nC,\\n").raw["spend"].tolist()
        ['$1', '2', '']
        """
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
        >>> from segmentation import read_customers
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
        return self._frame_of(self.text_columns(self.positions))

    def head(self, n: int) -> pd.DataFrame:
        """The first `n` rows of `build()`, reading only as much of a CSV as they need."""
        if self.frame is not None:
            return self.frame.head(n)
        if self.table is not None:
            return _raw_frame(self.table.slice(0, n), list(self.names))
        return self._frame_of(self.text_columns(self.positions, rows=n))

    def _frame_of(self, columns: list[pa.ChunkedArray]) -> pd.DataFrame:
        table = pa.table(columns, names=[f"c{i}" for i in range(len(columns))])
        return _raw_frame(table, list(self.names))

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
