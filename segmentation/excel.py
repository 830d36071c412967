"""Excel workbooks (.xlsx) of the labelled customers, a segment's list and the profiles.

Written with XlsxWriter in constant-memory mode: rows go to a temporary file as they are
written, so a million customers need no more memory than one row, and it writes about
three times faster than openpyxl (see benchmarks/excel.py). Every text cell goes through
the same formula guard as the CSV files (`segmentation.export.neutralise`) and is written
as a string, never as a formula; numeric columns are written as numbers, so a marketer
can sum and sort them in Excel.

A sheet holds at most 1,048,576 rows (the header included): larger tables are refused
with a message saying to download the CSV, which has no such limit.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import xlsxwriter

from segmentation.errors import SettingsError
from segmentation.export import labelled_customers, neutralise
from segmentation.io import CustomerData
from segmentation.model import Segmentation

#: Rows in one Excel sheet, the header row included.
EXCEL_MAX_ROWS = 1_048_576
#: Rows written between two progress reports.
PROGRESS_EVERY = 20_000
#: Longest text Excel keeps in a cell.
EXCEL_MAX_TEXT = 32_767

Progress = Callable[[float], None]


def fits_in_excel(n_rows: int) -> bool:
    """Whether `n_rows` data rows and a header fit in one Excel sheet.

    Examples
    --------
    >>> fits_in_excel(1_048_575), fits_in_excel(1_048_576)
    (True, False)
    """
    return n_rows + 1 <= EXCEL_MAX_ROWS


def too_many_rows_message(n_rows: int) -> str:
    """Why a table of `n_rows` cannot be an Excel file, and what to do instead.

    >>> print(too_many_rows_message(2_000_000).split(":")[0])
    2,000,000 rows do not fit in an Excel sheet, which holds at most 1,048,575 rows under its header
    """
    return (
        f"{n_rows:,} rows do not fit in an Excel sheet, which holds at most "
        f"{EXCEL_MAX_ROWS - 1:,} rows under its header: download the CSV instead "
        "(Excel opens it up to that limit; other tools read every row)."
    )


def _cells(series: pd.Series, numbers: np.ndarray | None) -> list:
    """One column's cells: floats where `numbers` has a finite value, else guarded text."""
    texts = ["" if pd.isna(v) else neutralise(str(v)) for v in series.tolist()]
    if numbers is None:
        return texts
    return [float(x) if math.isfinite(x) else t for x, t in zip(numbers.tolist(), texts)]


def frame_xlsx_bytes(
    frame: pd.DataFrame,
    *,
    numbers: dict[str, np.ndarray] | None = None,
    sheet: str = "customers",
    progress: Progress | None = None,
) -> bytes:
    """`frame` as an .xlsx workbook of one sheet: a header row, then one row per row.

    Parameters
    ----------
    frame : pandas.DataFrame
        Cells written as text (formula-like text neutralised as in the CSV), numbers as
        numbers.
    numbers : dict of column -> float array, optional
        Columns to write as numbers, aligned with `frame`'s rows; a missing (NaN) value
        keeps the cell's text from `frame`.
    sheet : str
        The sheet's name.
    progress : callable, optional
        Called with the share written (0..1) every `PROGRESS_EVERY` rows and at the end.

    Raises
    ------
    SettingsError
        More rows than an Excel sheet holds.

    Examples
    --------
    >>> import openpyxl
    >>> data = frame_xlsx_bytes(pd.DataFrame({"name": ["=1+2", "Ann"], "spend": ["5", "x"]}),
    ...                         numbers={"spend": np.array([5.0, np.nan])})
    >>> [list(r) for r in openpyxl.load_workbook(io.BytesIO(data)).active.values]
    [['name', 'spend'], ["'=1+2", 5], ['Ann', 'x']]
    """
    n = len(frame)
    if not fits_in_excel(n):
        raise SettingsError(too_many_rows_message(n))
    numbers = numbers or {}
    columns = [
        _cells(frame.iloc[:, j], numbers.get(c)) for j, c in enumerate(map(str, frame.columns))
    ]
    sink = io.BytesIO()
    book = xlsxwriter.Workbook(sink, {"constant_memory": True, "strings_to_formulas": False})
    ws = book.add_worksheet(sheet[:31])
    for j, name in enumerate(frame.columns):
        ws.write_string(0, j, neutralise(str(name)))
    write_string, write_number = ws.write_string, ws.write_number
    for i in range(n):
        row = i + 1
        for j, column in enumerate(columns):
            value = column[i]
            if isinstance(value, float):
                write_number(row, j, value)
            elif value:
                write_string(row, j, value[:EXCEL_MAX_TEXT])
        if progress is not None and row % PROGRESS_EVERY == 0:
            progress(row / max(n, 1))
    ws.freeze_panes(1, 0)
    book.close()
    if progress is not None:
        progress(1.0)
    return sink.getvalue()


def customers_xlsx_bytes(
    data: CustomerData,
    segmentation: Segmentation,
    names: Sequence[str],
    *,
    segment: int | None = None,
    margins=None,
    progress: Progress | None = None,
) -> bytes:
    """The labelled customers (or segment number `segment`'s) as an .xlsx workbook.

    The same rows and columns as the CSV download (`labelled_customers`): every cell of
    the file, then the segment number, name and the reason a customer has no segment.
    Columns read as numbers are written as numbers; the id and every other cell as text.

    Raises
    ------
    SettingsError
        More rows than an Excel sheet holds, or `segment` is not a segment number.

    Examples
    --------
    >>> import openpyxl
    >>> from segmentation import fit_segments, read_customers
    >>> csv = "id,spend\\n" + "".join(f"00{i},{i % 5 * 10}\\n" for i in range(12))
    >>> data = read_customers(csv.encode())
    >>> seg = fit_segments(data.frame, ["spend"], 2)
    >>> book = customers_xlsx_bytes(data, seg, ("Low", "High"))
    >>> rows = list(openpyxl.load_workbook(io.BytesIO(book)).active.values)
    >>> rows[0][:4], rows[1][:2]
    (('id', 'spend', 'segment', 'segment_name'), ('000', 0))
    """
    table = labelled_customers(data, segmentation, names, margins=margins)
    if segment is not None:
        k = segmentation.k
        if isinstance(segment, bool) or not isinstance(segment, (int, np.integer)):
            raise SettingsError(f"Segment {segment!r} is not a segment number: use 1 to {k}.")
        if not 1 <= segment <= k:
            raise SettingsError(f"There is no segment {segment}: choose a segment from 1 to {k}.")
        table = table[np.asarray(segmentation.labels) == segment - 1]
    if not fits_in_excel(len(table)):
        raise SettingsError(too_many_rows_message(len(table)))
    file_columns = [str(c) for c in data.raw_head(0).columns]
    numeric = [c for c in data.report.numeric_columns if c != data.id_column and c in table]
    rows = table.index.to_numpy()
    numbers = {str(c): data.frame[c].to_numpy(dtype=float, na_value=np.nan)[rows] for c in numeric}
    for column in table.columns:  # ours: segment number, runner-up, margin are numbers
        if str(column) not in file_columns:
            values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
            if np.isfinite(values).any():
                numbers[str(column)] = values
    return frame_xlsx_bytes(table, numbers=numbers, progress=progress)


def profile_xlsx_bytes(table: pd.DataFrame) -> bytes:
    """The profile table (`profile.profile_table`) as an .xlsx workbook, numbers as numbers.

    >>> import openpyxl
    >>> table = pd.DataFrame({"segment": [1, 2], "name": ["Low", "=High"], "share": [0.25, 0.75]})
    >>> sheet = openpyxl.load_workbook(io.BytesIO(profile_xlsx_bytes(table))).active
    >>> [list(row) for row in sheet.values]
    [['segment', 'name', 'share'], [1, 'Low', 0.25], [2, "'=High", 0.75]]
    """
    numbers = {
        str(c): table[c].to_numpy(dtype=float)
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c])
    }
    return frame_xlsx_bytes(table.astype(str), numbers=numbers, sheet="profiles")
