"""The typed streaming CSV reader: numeric columns parsed straight into one float64 block.

This is the fast path for a regular CSV. It declines (returns None) or raises whenever
its result could differ from the text path's, which then reads the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from segmentation.io.cells import _Cells
from segmentation.io.customer_data import _RawSource
from segmentation.io.ids import ID_NAMES, _normalise
from segmentation.io.numbers import MISSING_MARKERS, _plain_float
from segmentation.io.pieces import _on_threads, _parse_options, _parts
from segmentation.io.scan import _any_leading_zero, _count_lines

#: Cell texts read as missing by the typed reader: markers as written in lower, upper and
#: title case (others, like "nA", make the column text and go through the text path).
_NULL_TEXTS = sorted({v for m in MISSING_MARKERS for v in (m, m.upper(), m.title())})


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
    decides.
    """
    raw_bytes = data.obj if isinstance(data, memoryview) else data
    if not isinstance(raw_bytes, bytes) or not data or data[0] in b"\r\n":
        return None
    parse = _parse_options(data, delimiter)
    plan = _numeric_plan(data, head, parse, delimiter)
    if plan is None:
        return None
    names, numeric = plan
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
        check_utf8=False,  # the text was made valid UTF-8 when it was decoded
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
        data=raw_bytes,
        start=len(raw_bytes) - len(data),
        delimiter=delimiter,
        n_fields=n,
        hidden_cr=hidden_cr,
    )
    return _Cells(names=names, columns=columns, file_format="csv", source=source, block=block)


def _numeric_plan(
    data: bytes | memoryview, head: str, parse: pacsv.ParseOptions, delimiter: str
) -> tuple[list[str], list[int]] | None:
    """The header and the positions of the columns to read as numbers, from arrow's types
    on the head of the file; None when the typed reader should not be used."""
    cut = head.encode("utf-8")
    cut = cut[: cut.rfind(b"\n") + 1] if len(data) > len(cut) else cut
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
    return (names, numeric) if numeric else None


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
