"""Writing the labelled customers as .xlsx: XlsxWriter (constant memory) against openpyxl.

    python benchmarks/excel.py                 # 300,000 customers (the issue's figure)
    python benchmarks/excel.py --rows 50000    # a quick look

Both writers get the same cells (the labelled customers: file cells as text, numeric
columns as numbers, the formula guard applied) and write one sheet to memory; the CSV of
the same rows is timed beside them. Each writer runs in turn in this one process; the
ratio between them is what counts on a shared machine (the load average is printed).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time

import numpy as np
from common import make_customers, table  # noqa: E402  (adds the project to sys.path)

from segmentation import export, fit_segments, read_customers
from segmentation.excel import customers_xlsx_bytes


def openpyxl_bytes(data, seg, names) -> bytes:
    """The same cells written with openpyxl's fastest mode (write_only)."""
    import openpyxl

    labelled = export.labelled_customers(data, seg, names)
    numeric = [c for c in data.report.numeric_columns if c != data.id_column]
    numbers = {c: data.frame[c].to_numpy(dtype=float, na_value=np.nan) for c in numeric}
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("customers")
    sheet.append([export.neutralise(str(c)) for c in labelled.columns])
    columns = [
        numbers[c].tolist() if c in numbers else [export.neutralise(v) for v in labelled[c]]
        for c in labelled.columns
    ]
    for row in zip(*columns):
        sheet.append(row)
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()
    frame = make_customers(args.rows)
    data = read_customers(frame.to_csv(index=False).encode(), name="customers.csv")
    features = [c for c in data.report.numeric_columns if c != data.id_column][:4]
    seg = fit_segments(data.frame, features, 4)
    names = ("Budget · Très économes", "Regulars", "Premium", "Lapsed")
    rows = []
    for label, write in (
        ("CSV (export.labelled_csv_bytes, with BOM)", lambda: export.labelled_csv_bytes(
            data, seg, names, bom=True)),
        ("xlsx XlsxWriter constant_memory (ours)", lambda: customers_xlsx_bytes(data, seg, names)),
        ("xlsx openpyxl write_only", lambda: openpyxl_bytes(data, seg, names)),
    ):  # fmt: skip
        start = time.perf_counter()
        out = write()
        rows.append([label, f"{time.perf_counter() - start:.2f} s", f"{len(out) / 1e6:.1f} MB"])
        print(f"{label}: done", file=sys.stderr)
    ours, theirs = (float(r[1].split()[0]) for r in rows[1:])
    rows.append(["openpyxl / XlsxWriter", f"{theirs / ours:.1f}x", ""])
    print(
        table(
            ["writer", "time", "size"],
            rows,
            title=f"{args.rows:,} customers x {len(data.frame.columns)} columns, "
            f"load average {os.getloadavg()[0]:.1f}",
        )
    )


if __name__ == "__main__":
    main()
