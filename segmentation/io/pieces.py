"""pyarrow's CSV parser over a file cut into pieces at line ends, one piece per core."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.csv as pacsv

from segmentation.io.scan import _has_quote, _span

#: Smallest piece of a file parsed on its own thread.
_PART_BYTES = 4 << 20


def _parse_options(data: bytes | memoryview, delimiter: str) -> pacsv.ParseOptions:
    return pacsv.ParseOptions(
        delimiter=delimiter,
        quote_char='"',
        double_quote=True,
        # Embedded newlines force a slower single-threaded split: only when quoted.
        newlines_in_values=_has_quote(data),
        ignore_empty_lines=True,
    )


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
        check_utf8=False,  # the text was made valid UTF-8 when it was decoded
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
