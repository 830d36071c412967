"""Reading customer files: formats, delimiters, encodings, number formats, id as text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import pandas as pd

from segmentation.health import HealthReport

#: Fewest customers a file may hold: two segments and a quality score need three.
MIN_CUSTOMERS = 3


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
    id_column : str or None
        The customer id column (detected, or the one the caller chose).
    name : str
        The dataset's name for file names (file stem, e.g. ``"mall_customers"``).
    report : HealthReport
        What was read and what to watch out for.
    """

    frame: pd.DataFrame
    raw: pd.DataFrame
    id_column: str | None
    name: str
    report: HealthReport


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

    Raises
    ------
    DataError
        Empty file, header only, not a table, duplicate column names, no numeric column,
        fewer than `MIN_CUSTOMERS` rows, unknown ``id_column`` or ``sheet``.
    """
    raise NotImplementedError
