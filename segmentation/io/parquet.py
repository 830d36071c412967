"""Reading Parquet files: every column as text, as the other formats are read.

The footer's metadata (rows, columns, row-group sizes) is checked against the limits
before any data is decoded; text columns are read dictionary-encoded, so their decoded
size is known before the cells are made.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from segmentation.errors import DataError
from segmentation.io.cells import _Cells
from segmentation.io.limits import Limits, _check_table, _refuse


def _read_parquet(payload: bytes, limits: Limits | None = None) -> _Cells:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(pa.BufferReader(payload))
        _check_metadata(parquet.metadata, limits)
        text = [
            f.name
            for f in parquet.schema_arrow
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        ]
        table = pq.ParquetFile(pa.BufferReader(payload), read_dictionary=text or None).read()
    except DataError:
        raise
    except Exception as exc:  # arrow raises several types for damaged files
        raise DataError(
            f"This Parquet file cannot be read ({exc}): export it again or upload a CSV"
        ) from exc
    _check_text_bytes(table, limits)
    columns = [pc.fill_null(_as_text(column), "") for column in table.columns]
    return _Cells(
        names=[str(n) for n in table.column_names], columns=columns, file_format="parquet"
    )


def _check_metadata(metadata, limits: Limits | None) -> None:
    """Rows, columns and the row groups' stored sizes, as the footer declares them."""
    _check_table(metadata.num_rows, metadata.num_columns, limits)
    if limits is None or limits.max_text_bytes is None:
        return
    stored = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if stored > limits.max_text_bytes:
        raise _refuse(
            f"holds {stored / 1e6:,.0f} MB of data once uncompressed",
            f"{limits.max_text_bytes / 1e6:,.0f} MB",
            "keep fewer columns or rows and upload it again",
        )


def _check_text_bytes(table: pa.Table, limits: Limits | None) -> None:
    """The bytes the text cells will take once decoded (dictionary columns counted
    through their indices, without decoding them)."""
    if limits is None or limits.max_text_bytes is None:
        return
    total = 0
    for column in table.columns:
        for chunk in column.chunks:
            if pa.types.is_dictionary(chunk.type):
                lengths = pc.binary_length(chunk.dictionary)
                total += int(pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0)
            else:
                total += chunk.nbytes
    if total > limits.max_text_bytes:
        raise _refuse(
            f"holds {total / 1e6:,.0f} MB of text once decoded",
            f"{limits.max_text_bytes / 1e6:,.0f} MB",
            "keep fewer columns or rows and upload it again",
        )


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column's values as text (nulls stay null); Python's str where arrow cannot cast."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    try:
        return pc.cast(column, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = [None if v is None else str(v) for v in column.to_pylist()]
        return pa.chunked_array([pa.array(values, pa.string())])
