"""Applying a saved segmentation to a customers file of any size, in bounded memory.

The output is the app's ``Download labelled customers`` for the same file, byte for byte:
every row and cell as written, then ``segment``, ``segment_name``, ``unassigned_reason``,
``runner_up_segment`` and ``margin``, with an earlier assignment renamed (see
`segmentation.movement`). A file up to `WHOLE_FILE_BYTES` is read whole, exactly as the
app reads it. A larger one is read in blocks of about `BLOCK_BYTES` cut at record ends;
each block is read by `read_customers` with the file's header in front, assigned, and
written without its header. Every rule of reading and writing acts on one row at a time
(cells, number formats, quoting, neutralising), so the blocks joined are the whole file's
output; what is decided per file (the delimiter, the encoding, the columns) is checked to
be the same in every block.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from segmentation.apply import apply_saved, saved_margins
from segmentation.errors import DataError
from segmentation.io import read_customers
from segmentation.movement import labelled_bytes, renamed_header
from segmentation.saved import SavedSegmentation

#: Files up to this size are read whole, as the app reads an upload.
WHOLE_FILE_BYTES = 64 << 20
#: Bytes of a larger file read, assigned and written at a time (about 200k customers of
#: 8 columns): the peak memory of `apply_file` is a few times this, whatever the file size.
BLOCK_BYTES = 16 << 20
#: Customers per block of a Parquet file.
PARQUET_ROWS = 200_000
_PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class Applied:
    """What `apply_file` wrote.

    Attributes
    ----------
    rows : int
        Customers written (every data row of the file).
    sizes : tuple of int
        Customers per segment 1..k.
    unassigned : int
        Customers without a segment (each with its reason in the file).
    blocks : int
        Blocks the file was read in (1 when read whole).
    """

    rows: int
    sizes: tuple[int, ...]
    unassigned: int
    blocks: int


def apply_file(
    saved: SavedSegmentation,
    path: str | Path,
    out: BinaryIO,
    *,
    block_bytes: int = BLOCK_BYTES,
    whole_file_bytes: int = WHOLE_FILE_BYTES,
) -> Applied:
    """Write the labelled customers of the file at `path` to `out`.

    Raises
    ------
    DataError
        The file cannot be read as customers, lacks a feature, or changes delimiter,
        encoding or columns between blocks.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> saved = save_segmentation(customers, seg, ["A", "B"], id_column="customer_id")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "june.csv"
    >>> customers.to_csv(path, index=False)
    >>> out = io.BytesIO()
    >>> apply_file(saved, path, out).rows
    300
    """
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as f:
        parquet = f.read(4) == _PARQUET_MAGIC
    if size <= whole_file_bytes:
        payloads: Iterator[bytes] = iter([path.read_bytes()])
    elif parquet:
        payloads = _parquet_blocks(path)
    else:
        payloads = _csv_blocks(path, size, block_bytes)
    sizes = np.zeros(saved.k, dtype=np.int64)
    rows = unassigned = blocks = 0
    first = None
    for payload in payloads:
        data = read_customers(payload, name=path.name)
        del payload
        seg = apply_saved(saved, data.frame)
        margins = saved_margins(saved, data.frame, seg.labels)
        written = labelled_bytes(data, seg, saved.names, margins=margins)
        shape = (data.report.delimiter, data.report.encoding, tuple(data.frame.columns))
        if first is None:
            first = shape
            out.write(written)
        else:
            _check_same(first, shape, blocks, path.name)
            header = renamed_header(data.frame.columns, margins=True)[1]
            out.write(memoryview(written)[len(header) :])
        blocks += 1
        labels = seg.labels
        rows += len(labels)
        unassigned += int((labels < 0).sum())
        sizes += np.bincount(labels[labels >= 0], minlength=saved.k)
    return Applied(rows, tuple(int(s) for s in sizes), unassigned, blocks)


def _check_same(first: tuple, shape: tuple, block: int, name: str) -> None:
    what = ("delimiter", "text encoding", "columns")
    for label, a, b in zip(what, first, shape):
        if a != b:
            raise DataError(
                f"{name} reads with another {label} from block {block + 1} on "
                f"({b!r} instead of {a!r}): save the file again with one {label} throughout."
            )


def _csv_blocks(path: Path, size: int, block_bytes: int) -> Iterator[bytes]:
    """The file's header line followed by about `block_bytes` of whole records, block after
    block (the first block starts at the file's start, byte-order mark included)."""
    with path.open("rb") as f:
        head = f.read(min(size, 1 << 20))
        end = _record_end(head, 0)
        if end is None:
            raise DataError(f"{path.name}: the header line is longer than 1 MB or never ends.")
        # With its byte-order mark, if any: every block is then read with the same encoding.
        header_again = head[:end]
        f.seek(0)
        carry = b""
        first = True
        while True:
            chunk = f.read(block_bytes)
            data = carry + chunk
            if not chunk:
                if data.strip():
                    yield (b"" if first else header_again) + data
                return
            remaining = size - f.tell()
            if remaining < block_bytes // 4:  # a short tail joins this block
                data += f.read()
                yield (b"" if first else header_again) + data
                return
            cut = _record_end(data, 0, last=True)
            if cut is None:  # no record ends in this block yet: read more
                carry = data
                continue
            block, carry = data[:cut], data[cut:]
            yield (b"" if first else header_again) + block
            first = False


def _record_end(data: bytes, start: int, *, last: bool = False) -> int | None:
    """End (after its newline) of the record starting at `start`, or with ``last`` of the
    last complete record from there; None when no record ends in `data`.

    A newline ends a record after an even number of quotes (a quote opens or closes a
    quoted cell; an escaped quote is two), so quoted newlines stay inside their record.
    """
    if last and data.find(b'"', start) < 0:
        newline = data.rfind(b"\n", start)
        return None if newline < 0 else newline + 1
    position = start
    quotes = 0
    end = None
    while (newline := data.find(b"\n", position)) >= 0:
        quotes += data.count(b'"', position, newline)
        position = newline + 1
        if quotes % 2 == 0:
            end = position
            if not last:
                break
    return end


def _parquet_blocks(path: Path) -> Iterator[bytes]:
    """The Parquet file as smaller Parquet files of `PARQUET_ROWS` customers each."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        reader = pq.ParquetFile(path)
        batches = reader.iter_batches(batch_size=PARQUET_ROWS)
        for batch in batches:
            sink = io.BytesIO()
            pq.write_table(pa.Table.from_batches([batch]), sink)
            yield sink.getvalue()
    except (pa.ArrowException, OSError) as problem:
        raise DataError(
            f"{path.name} could not be read as Parquet ({problem}): save it again, or as CSV."
        ) from None
