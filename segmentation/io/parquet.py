"""Reading Parquet files: every column as text, as the other formats are read."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from segmentation.errors import DataError
from segmentation.io.cells import _Cells


def _read_parquet(payload: bytes) -> _Cells:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(payload))
    except Exception as exc:  # arrow raises several types for damaged files
        raise DataError(
            f"This Parquet file cannot be read ({exc}): export it again or upload a CSV"
        ) from exc
    columns = [pc.fill_null(_as_text(column), "") for column in table.columns]
    return _Cells(
        names=[str(n) for n in table.column_names], columns=columns, file_format="parquet"
    )


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column's values as text (nulls stay null); Python's str where arrow cannot cast."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    try:
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = [None if v is None else str(v) for v in column.to_pylist()]
        return pa.chunked_array([pa.array(values, pa.string())])
