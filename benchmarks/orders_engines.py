"""Which engine sums an order log fastest: the tutorial recipe in pandas, polars, DuckDB and
arrow, each reading the CSV, taking first/last date, distinct orders and the net amount per
customer, and writing the result; plus our careful reader (`read_customers`) alone.

    python benchmarks/orders_engines.py                  # on benchmarks/out/orders-10000000.csv
    python benchmarks/orders_engines.py --lines 1000000

Each engine runs in a fresh process (time and CPU seconds without imports, peak RSS). The
file is made by `benchmarks/orders.py` (run it once first, or this script writes it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from fresh import cpu_seconds, peak_mb, run_fresh

HERE = Path(__file__).resolve().parent
ENGINES = ("pandas", "polars", "duckdb", "arrow", "read_customers")


def run(engine: str, path: Path, out: Path) -> None:
    if engine == "pandas":
        import pandas as pd

        lines = pd.read_csv(path, parse_dates=["order_date"])
        customers = lines.groupby("customer_id").agg(
            first=("order_date", "min"),
            last=("order_date", "max"),
            frequency=("order_id", "nunique"),
            monetary=("amount", "sum"),
        )
        customers.to_csv(out)
    elif engine == "polars":
        import polars as pl

        lines = pl.read_csv(path, schema_overrides={"order_date": pl.String})
        day = pl.col("order_date").str.to_datetime("%Y-%m-%d %H:%M:%S")
        customers = lines.group_by("customer_id").agg(
            day.min().alias("first"),
            day.max().alias("last"),
            pl.col("order_id").n_unique().alias("frequency"),
            pl.col("amount").sum().alias("monetary"),
        )
        customers.write_csv(out)
    elif engine == "duckdb":
        import duckdb

        duckdb.sql(
            "COPY (SELECT customer_id, min(order_date) AS first, max(order_date) AS last, "
            "count(DISTINCT order_id) AS frequency, sum(amount) AS monetary "
            f"FROM read_csv('{path}') GROUP BY customer_id) TO '{out}'"
        )
    elif engine == "arrow":
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv

        options = pacsv.ConvertOptions(column_types={"order_date": pa.string()})
        table = pacsv.read_csv(path, convert_options=options)
        stamps = pc.strptime(table["order_date"], format="%Y-%m-%d %H:%M:%S", unit="s")
        table = table.set_column(2, "order_date", stamps)
        customers = table.group_by("customer_id").aggregate(
            [
                ("order_date", "min"),
                ("order_date", "max"),
                ("order_id", "count_distinct"),
                ("amount", "sum"),
            ]
        )
        pacsv.write_csv(customers, out)
    else:
        sys.path.insert(0, str(HERE.parent))
        from segmentation import read_customers

        read_customers(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = HERE / "out" / f"orders-{args.lines}.csv"
    if args.child:
        start, cpu0 = time.perf_counter(), cpu_seconds()
        run(args.child, path, HERE / "out" / f"engine-{args.child}.csv")
        seconds = time.perf_counter() - start
        print(json.dumps({"seconds": seconds, "cpu": cpu_seconds() - cpu0, "peak_mb": peak_mb()}))
        return
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from orders import make_orders

        make_orders(args.lines, path)
    print(f"{args.lines:,} order lines; load average {os.getloadavg()[0]:.1f}")
    for engine in args.engines:
        r = run_fresh(__file__, "--lines", str(args.lines), "--child", engine)
        if "error" in r:
            print(f"{engine:<15} error: {r['error']}")
            continue
        print(f"{engine:<15} {r['seconds']:8.2f} s {r['cpu']:8.2f} CPU s {r['peak_mb']:8.0f} MB")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
