"""Cleaning the table's shape: column names, empty unnamed columns, repeated header rows."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from segmentation.errors import DataError
from segmentation.health import reading
from segmentation.io.cells import _all_blank, _Cells, _is_text
from segmentation.io.limits import _listed


def _tidy(cells: _Cells) -> None:
    """Fix names, drop empty unnamed columns and repeated header rows; refuse duplicates."""
    _name_columns(cells)
    if not cells.names:
        raise DataError(
            "The file has no named columns: upload a CSV with a header row and one row per customer"
        )
    _refuse_duplicate_names(cells.names)
    if cells.n_rows:
        _drop_header_rows(cells)
    if cells.n_rows == 0:
        raise DataError(
            "The file has a header row but no customers: add one row per customer below the header"
        )


def _name_columns(cells: _Cells) -> None:
    """Trim names; drop unnamed columns without values, name the others by position."""
    names = [n.strip() for n in cells.names]
    keep_names, keep_columns, keep_text, keep_positions = [], [], [], []
    for position, (col_name, column, text) in enumerate(
        zip(names, cells.columns, cells.names), start=1
    ):
        if not col_name:
            if _all_blank(column):
                cells.notes.append(reading.unnamed_empty_column(position))
                continue
            col_name = f"column_{position}"
            cells.notes.append(reading.unnamed_column(position, col_name))
        keep_names.append(col_name)
        keep_columns.append(column)
        keep_text.append(text)
        keep_positions.append(position - 1)
    cells.names, cells.columns, cells.header_text = keep_names, keep_columns, keep_text
    cells.positions = keep_positions


def _refuse_duplicate_names(names: list[str]) -> None:
    seen: dict[str, int] = {}
    for col_name in names:
        seen[col_name] = seen.get(col_name, 0) + 1
    duplicated = [n for n, c in seen.items() if c > 1]
    if duplicated:
        listed = _listed(duplicated)
        raise DataError(
            f"Duplicate column names: {listed} appear more than once in the header. "
            "Rename the columns so each has its own name and upload the file again"
        )


def _drop_header_rows(cells: _Cells) -> None:
    """Leave out rows that repeat the header (files concatenated by hand)."""
    repeated = _header_rows(cells)
    if repeated is None:
        return
    count = int(pc.sum(repeated).as_py())
    keep = pc.invert(repeated)
    cells.columns = [pc.filter(c, keep) for c in cells.columns]
    cells.notes.append(reading.repeated_header(count))


def _header_rows(cells: _Cells) -> pa.ChunkedArray | None:
    """Mask of rows that repeat the header, or None when there are none."""
    if not all(_is_text(c) for c in cells.columns):
        return None  # a numeric column's header is not a number (see io.typed)
    mask = None
    for col_name, column in zip(cells.header_text, cells.columns):
        equal = pc.equal(column, col_name)
        mask = equal if mask is None else pc.and_(mask, equal)
        if not pc.any(mask).as_py():
            return None
    return mask
