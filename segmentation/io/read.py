"""`read_customers`: a file's bytes in, `CustomerData` out (format, cells, shape, types)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from segmentation.errors import DataError
from segmentation.io.cells import _Cells
from segmentation.io.columns import MIN_CUSTOMERS, _type_columns
from segmentation.io.customer_data import CustomerData
from segmentation.io.excel import _read_xlsx
from segmentation.io.formats import UPLOAD_HINT, _decode, _has_content, _is_xlsx, _load
from segmentation.io.limits import APP_LIMITS, Limits, _check_table
from segmentation.io.parquet import _read_parquet
from segmentation.io.text import _read_text
from segmentation.io.tidy import _tidy

__all__ = ["APP_LIMITS", "MIN_CUSTOMERS", "Limits", "read_customers"]


def read_customers(
    source: str | bytes | BinaryIO,
    *,
    name: str | None = None,
    id_column: str | None = None,
    sheet: str | None = None,
    limits: Limits | None = APP_LIMITS,
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
    limits : Limits or None, default APP_LIMITS
        The most a file may hold or cost to read (rows, columns, cells, decoded bytes),
        checked on what the file declares before it is parsed; None reads without limits
        (the command line, on the user's own machine).

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
        more (non-empty) fields than the header, or a file over ``limits`` (the message
        names the limit).

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

    Examples
    --------
    >>> data = read_customers(b"customer;spend\\nA;1,5\\nB;2\\nC;3\\n", name="shop.csv")
    >>> data.frame["spend"].tolist(), data.report.delimiter, data.report.decimal
    ([1.5, 2.0, 3.0], ';', ',')
    """
    payload, path_name = _load(source)
    label = name if name is not None else path_name
    dataset_name = Path(label).stem if label else "customers"
    dataset_name = dataset_name or "customers"

    cells = _read_cells(payload, label or "", sheet, limits)
    del payload
    _tidy(cells)
    _check_table(cells.n_rows, len(cells.names), limits)
    return _type_columns(cells, dataset_name, id_column)


def _read_cells(payload: bytes, label: str, sheet: str | None, limits: Limits | None) -> _Cells:
    """Detect the format and read every cell as text."""
    if not _has_content(payload):
        raise DataError(
            "The file is empty: upload a CSV with a header row and one row per customer"
        )
    if payload.startswith(b"PAR1"):
        return _read_parquet(payload, limits)
    if payload.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if _is_xlsx(payload):
            return _read_xlsx(payload, sheet, limits)
        raise DataError(f"This file is not a table (it looks like a zip archive): {UPLOAD_HINT}")
    if payload.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            "This file is an old Excel .xls workbook, which cannot be read: save it as "
            "Excel .xlsx or CSV and upload that"
        )
    if label.lower().endswith((".xlsx", ".xlsm", ".parquet")):
        kind = "an Excel workbook" if ".xls" in label.lower() else "a Parquet file"
        raise DataError(
            f"The file is named {label!r} but its content is not {kind} (it may be damaged "
            f"or renamed): {UPLOAD_HINT}"
        )
    data, encoding = _decode(payload)
    return _read_text(data, encoding, limits)
