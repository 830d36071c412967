"""What one upload may cost: the app's limits, checked on what a file declares before parsing.

A small file can declare or inflate to a huge table (a zip bomb, a Parquet file of 50M
identical rows, a CSV of 100,000 one-digit columns). `read_customers` looks at what the
file says about itself first (an .xlsx's zip directory and sheet dimension, a Parquet
file's metadata, a CSV's header and line count) and refuses, naming the limit, anything
over `Limits`; while it reads it keeps a running count so a file that lies is stopped too.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmentation.errors import DataError

#: Where to go beyond the app's limits, said in every refusal.
BEYOND = (
    "for bigger data, segment it on the command line (python -m segmentation) or score it "
    "where it lives with SQL (python -m segmentation sql)"
)


@dataclass(frozen=True)
class Limits:
    """The most one file may hold or cost to read (None: no limit).

    Attributes
    ----------
    max_rows, max_columns : int or None
        Customers (data rows) and columns of the table.
    max_cells : int or None
        Rows x columns: what bounds the memory of the typed table and its text cells.
    bytes_per_cell : int
        Memory estimated per cell (the typed frame, the text cells, arrow's buffers).
    max_text_bytes : int or None
        Bytes of text a binary file (Parquet) may decode to.
    max_sheet_cells : int or None
        Cells of an Excel sheet: a workbook is read into Python objects, ~100 bytes a cell.
    max_sheet_xml_bytes : int or None
        Uncompressed size of the sheet's XML (and of its shared strings) in an .xlsx.

    Examples
    --------
    >>> APP_LIMITS.max_rows, APP_LIMITS.max_columns
    (5000000, 1000)
    >>> f"{APP_LIMITS.memory_mb():,} MB"
    '1,000 MB'
    """

    max_rows: int | None = None
    max_columns: int | None = None
    max_cells: int | None = None
    bytes_per_cell: int = 40
    max_text_bytes: int | None = None
    max_sheet_cells: int | None = None
    max_sheet_xml_bytes: int | None = None

    def memory_mb(self) -> int | None:
        """The memory the largest table allowed is estimated to take, in MB.

        Examples
        --------
        >>> Limits(max_cells=1_000_000, bytes_per_cell=40).memory_mb()
        40
        """
        if self.max_cells is None:
            return None
        return self.max_cells * self.bytes_per_cell // 1_000_000


#: The app's limits for one upload (the command line reads without them).
APP_LIMITS = Limits(
    max_rows=5_000_000,
    max_columns=1_000,
    max_cells=25_000_000,
    bytes_per_cell=40,
    max_text_bytes=1_000_000_000,
    max_sheet_cells=5_000_000,
    max_sheet_xml_bytes=300_000_000,
)

#: No limits: for the command line, where the machine is the user's own.
NO_LIMITS = Limits()


def _refuse(found: str, limit: str, fix: str) -> DataError:
    """The refusal of a file over a limit: what it holds, the limit, what to do instead."""
    return DataError(f"This file {found}; the app reads at most {limit}: {fix}, or {BEYOND}")


def _check_table(
    rows: int, columns: int, limits: Limits | None, *, about: bool = False, sheet: bool = False
) -> None:
    """Refuse a table of ``rows`` x ``columns`` over ``limits`` (``about``: an estimate)."""
    if limits is None:
        return
    near = "about " if about else ""
    if limits.max_columns is not None and columns > limits.max_columns:
        raise _refuse(
            f"has {columns:,} columns",
            f"{limits.max_columns:,} columns",
            "keep the columns you want to segment on and upload it again",
        )
    if limits.max_rows is not None and rows > limits.max_rows:
        raise _refuse(
            f"has {near}{rows:,} rows",
            f"{limits.max_rows:,} customers",
            "split it or upload a sample of it",
        )
    cells = rows * columns
    if sheet and limits.max_sheet_cells is not None and cells > limits.max_sheet_cells:
        raise _refuse(
            f"has {near}{cells:,} cells ({rows:,} rows x {columns:,} columns)",
            f"{limits.max_sheet_cells:,} cells in an Excel sheet",
            "save the sheet as CSV or Parquet and upload that",
        )
    if limits.max_cells is not None and cells > limits.max_cells:
        raise _refuse(
            f"has {near}{cells:,} cells ({rows:,} rows x {columns:,} columns)",
            f"{limits.max_cells:,} cells (rows x columns, about {limits.memory_mb():,} MB "
            "of memory)",
            "keep fewer columns or rows and upload it again",
        )


def _listed(names, most: int = 10) -> str:
    """Names quoted and joined, the first ``most`` of them, then how many more.

    Examples
    --------
    >>> _listed(["a", "b", "c"], most=2)
    "'a', 'b' and 1 more"
    """
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most:,} more"
