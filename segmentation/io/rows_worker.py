"""The row-by-row CSV parser for irregular files; also run as a process of its own.

Python's ``csv`` module pads short rows and finds the line of a broken one, but it holds
the interpreter for the whole file, so a big irregular file is parsed in a process of its
own (``python -I segmentation/io/rows_worker.py DELIMITER < text``): it imports only the
standard library and pyarrow, and writes the cells as an Arrow IPC stream (row 0 the
header; the padded and trimmed row counts in the schema's metadata) to stdout.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass

#: Exit statuses of the worker, each turned into its own DataError by the parent.
EXTRA_VALUES, UNREADABLE, NO_HEADER = 3, 4, 5


class RowsError(ValueError):
    """Why the rows cannot be read: ``kind`` (extra values, unreadable, no header), the
    line, and the counts the message needs."""

    def __init__(self, kind: int, line: int = 0, count: int = 0, n: int = 0, detail: str = ""):
        super().__init__(kind, line, count, n, detail)
        self.kind, self.line, self.count, self.n, self.detail = kind, line, count, n, detail


@dataclass
class Rows:
    """The header, the rows (each as long as the header) and how many were fixed."""

    header: list[str]
    rows: list[list[str]]
    padded: int = 0
    trimmed: int = 0


def parse_rows(text: str, delimiter: str) -> Rows:
    """Parse irregular text row by row: pad short rows, refuse rows with extra values.

    Examples
    --------
    >>> got = parse_rows("id,a,b\\nx,1\\ny,2,3,\\n", ",")
    >>> got.rows, got.padded, got.trimmed
    ([['x', '1', ''], ['y', '2', '3']], 1, 1)
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    found: Rows | None = None
    try:
        for record in reader:
            if not record or all(not v.strip() for v in record):
                continue
            if found is None:
                found = Rows(header=record, rows=[])
                n = len(record)
                continue
            if len(record) < n:
                record = record + [""] * (n - len(record))
                found.padded += 1
            elif len(record) > n:
                if any(v.strip() for v in record[n:]):
                    raise RowsError(EXTRA_VALUES, reader.line_num, len(record), n)
                record = record[:n]
                found.trimmed += 1
            found.rows.append(record)
    except csv.Error as exc:
        raise RowsError(UNREADABLE, reader.line_num, detail=str(exc)) from exc
    if found is None:
        raise RowsError(NO_HEADER)
    return found


def _main() -> int:
    import pyarrow as pa

    delimiter = sys.argv[1]
    try:
        got = parse_rows(sys.stdin.buffer.read().decode("utf-8"), delimiter)
    except RowsError as exc:
        sys.stderr.write(json.dumps([exc.line, exc.count, exc.n, exc.detail]))
        return exc.kind
    every = [got.header] + got.rows
    table = pa.table(
        [pa.array([r[i] for r in every], pa.string()) for i in range(len(got.header))],
        names=[f"c{i}" for i in range(len(got.header))],
    ).replace_schema_metadata({"padded": str(got.padded), "trimmed": str(got.trimmed)})
    with pa.ipc.new_stream(sys.stdout.buffer, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
