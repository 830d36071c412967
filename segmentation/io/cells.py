"""The table between parsing and typing: every cell as text, and how the file was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.health import Finding

if TYPE_CHECKING:
    from segmentation.io.customer_data import _RawSource


@dataclass
class _Cells:
    """Every cell of a table as text (no nulls), plus how the file was read."""

    names: list[str]
    #: Text as arrow arrays; numeric columns of the typed CSV reader as float64 arrays.
    columns: list[pa.ChunkedArray | np.ndarray]
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[Finding] = field(default_factory=list)
    #: The header cells exactly as written (names are trimmed), to find repeated headers.
    header_text: list[str] = field(default_factory=list)
    #: Set by the typed CSV reader: some columns are float64 already, and the text cells
    #: are read again from these bytes only if `CustomerData.raw` is asked for.
    source: _RawSource | None = None
    #: Position in the file of each column in ``columns`` (after unnamed empty ones go).
    positions: list[int] = field(default_factory=list)
    #: Set by the typed CSV reader: its numeric columns are the rows of this float64
    #: block (NaN for missing), which becomes the frame's numeric block without a copy.
    block: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def _is_text(column: pa.ChunkedArray | np.ndarray) -> bool:
    if isinstance(column, np.ndarray):
        return False
    return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)


def _blank(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Empty or whitespace-only cells (boolean masks only: no copy of the strings)."""
    if not _is_text(column):
        return pc.is_null(column)
    return pc.or_(pc.equal(column, ""), pc.fill_null(pc.utf8_is_space(column), False))


def _all_blank(column: pa.ChunkedArray | np.ndarray) -> bool:
    """No value in any cell (a column made by a trailing delimiter)."""
    if isinstance(column, np.ndarray):
        return bool(np.isnan(column).all())
    return pc.all(_blank(column)).as_py() is not False
