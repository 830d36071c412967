"""The reader's and the health report's engine choices, each against its alternative.

    python benchmarks/io_choices.py              # 1,000,000 rows
    python benchmarks/io_choices.py --rows 200000

Prints one table: choice, ours (s), the alternative (s), ratio. Best of --repeat runs.
The figures go in benchmarks/README.md's decisions table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import costly  # noqa: E402

from segmentation.health import count_repeats  # noqa: E402
from segmentation.io.excel_worker import excel_text, sheet_rows  # noqa: E402
from segmentation.io.scan import _count_lines  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _openpyxl_rows(payload: bytes) -> list:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    rows = [[excel_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def choices(rows: int) -> list[tuple[str, str, object, str, object]]:
    rng = np.random.default_rng(0)
    ids = pa.chunked_array([pa.array([f"C{i:08d}" for i in rng.permutation(rows)])])
    sorted_ids = pc.take(ids, pc.sort_indices(ids))
    text = "".join(f"C{i},{i % 97},{i % 13}.5\n" for i in range(rows)).encode()
    chunks = pa.chunked_array(np.array_split(np.arange(rows), 40))
    one_chunk = pa.chunked_array([chunks.combine_chunks()])
    picks = pa.array(np.sort(rng.choice(rows, 20_000, replace=False)))
    block = rng.normal(size=(6, rows))
    sheet = costly.xlsx_bomb(max(rows // 20, 16_384))  # a sheet of rows/20 x 3 numbers
    return [
        (
            f"Excel sheet, {max(rows // 20, 16_384):,} rows x 3",
            "python-calamine",
            lambda: sheet_rows(sheet, None),
            "openpyxl (read-only)",
            lambda: _openpyxl_rows(sheet),
        ),
        (
            "repeated ids: shuffled ids",
            "count_repeats",
            lambda: count_repeats(ids),
            "hash (pandas duplicated)",
            lambda: ids.to_pandas().duplicated().sum(),
        ),
        (
            "repeated ids: shuffled ids",
            "count_repeats",
            lambda: count_repeats(ids),
            "hash (arrow count_distinct)",
            lambda: len(ids) - pc.count_distinct(ids).as_py(),
        ),
        (
            "repeated ids: ids in order (the usual file)",
            "count_repeats",
            lambda: count_repeats(sorted_ids),
            "hash (arrow count_distinct)",
            lambda: len(ids) - pc.count_distinct(sorted_ids).as_py(),
        ),
        (
            "line count of a CSV",
            "numpy, 256 KB slices",
            lambda: _count_lines(text),
            "bytes.count",
            lambda: text.count(b"\n"),
        ),
        (
            "text column kept in one chunk",
            "take 20k rows, 1 chunk",
            lambda: pc.take(one_chunk, picks),
            "take 20k rows, 40 chunks",
            lambda: pc.take(chunks, picks),
        ),
        (
            "frame from the reader's float64 block",
            "no copy (block.T)",
            lambda: pd.DataFrame(block.T, copy=False),
            "dict of columns",
            lambda: pd.DataFrame({f"c{i}": block[i] for i in range(6)}),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"benchmarks/io_choices.py  {args.rows:,} rows, best of {args.repeat}; load {load}")
    print(f"{'choice':44s} {'ours':24s} {'s':>7s}  {'alternative':28s} {'s':>7s}  ratio")
    for choice, ours_name, ours, other_name, other in choices(args.rows):
        a, b = best(ours, args.repeat), best(other, args.repeat)
        print(f"{choice:44s} {ours_name:24s} {a:7.4f}  {other_name:28s} {b:7.4f}  {b / a:5.1f}x")


if __name__ == "__main__":
    main()
