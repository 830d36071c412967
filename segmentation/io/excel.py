"""Reading Excel .xlsx workbooks: one sheet, every cell as the text a spreadsheet user sees."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa

from segmentation.errors import DataError
from segmentation.io.cells import _Cells


def _excel_text(value: object) -> str:
    """The text a spreadsheet user sees for a cell value ("" for empty, 3 not 3.0)."""
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
    return _cells_of_rows(rows)


def _cells_of_rows(rows: list[list[str]]) -> _Cells:
    """The sheet's filled rows and columns as cells, the first row the header."""
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
