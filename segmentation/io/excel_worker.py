"""An .xlsx sheet's cells as text, read with python-calamine; also run as a process of its own.

Run by path (``python segmentation/io/excel_worker.py SHEET < workbook.xlsx``), it imports
only the standard library, python-calamine and pyarrow, so it starts in a fraction of a
second, and writes the cells as an Arrow IPC stream (row 0 the header) to stdout. The
parser holds the interpreter while it runs, so a big sheet is read here, where it cannot
stall the app's other sessions (see `segmentation.io.excel`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys

#: Exit statuses of the worker, each turned into its own DataError by the parent.
NO_SHEET, EMPTY, DAMAGED = 3, 4, 5


class NoSuchSheet(LookupError):
    """The workbook has no sheet of that name; ``sheets`` are the names it has."""

    def __init__(self, sheets: list[str]) -> None:
        super().__init__(sheets)
        self.sheets = sheets


def excel_text(value: object) -> str:
    """The text a spreadsheet user sees for a cell value ("" for empty, 3 not 3.0).

    Examples
    --------
    >>> [excel_text(v) for v in (None, 3.0, 2.5, True, dt.date(2024, 1, 31))]
    ['', '3', '2.5', 'TRUE', '2024-01-31']
    """
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


def sheet_rows(payload: bytes, sheet: str | None) -> list[list[str]]:
    """The sheet's filled rows, padded to its last filled column, every cell as text
    (row 0 the header); [] when no cell is filled. Raises NoSuchSheet.

    Examples
    --------
    >>> import openpyxl
    >>> book = openpyxl.Workbook()
    >>> book.active.append(["id", "spend"]); book.active.append(["A", 3.0])
    >>> saved = io.BytesIO(); book.save(saved)
    >>> sheet_rows(saved.getvalue(), None)
    [['id', 'spend'], ['A', '3']]
    """
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(payload))
    names = list(workbook.sheet_names)
    if sheet is not None and sheet not in names:
        raise NoSuchSheet(names)
    if not names:
        return []
    name = names[0] if sheet is None else sheet
    values = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    rows = [[excel_text(v) for v in row] for row in values]
    # Formatting can make a sheet report empty rows and columns: keep only filled ones.
    rows = [r for r in rows if any(v.strip() for v in r)]
    if not rows:
        return []
    width = max(max((i + 1 for i, v in enumerate(r) if v.strip()), default=0) for r in rows)
    return [(r + [""] * width)[:width] for r in rows]


def _main() -> int:
    import pyarrow as pa

    sheet = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None
    payload = sys.stdin.buffer.read()
    try:
        rows = sheet_rows(payload, sheet)
    except NoSuchSheet as exc:
        sys.stderr.write(json.dumps(exc.sheets))
        return NO_SHEET
    except Exception as exc:  # calamine raises several types for damaged workbooks
        sys.stderr.write(str(exc)[:500])
        return DAMAGED
    if not rows:
        return EMPTY
    width = len(rows[0])
    table = pa.table(
        [pa.array([r[i] for r in rows], pa.string()) for i in range(width)],
        names=[f"c{i}" for i in range(width)],
    )
    with pa.ipc.new_stream(sys.stdout.buffer, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
