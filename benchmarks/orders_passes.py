"""Benchmark: how the big-CSV path reads and sums the lines, three shapes side by side.

    python benchmarks/orders_passes.py                  # the 10M-line file of orders.py
    python benchmarks/orders_passes.py --lines 1000000  # quick (run orders.py once first)

Each shape runs in a fresh process on the file `orders.py` writes, with the exact rules
(`segmentation.orders_duckdb`'s expressions: ids trimmed, the date layout of the first
lines, amounts not read counted) and gives the customers in order of first appearance:

- table:      ours. The lines read once into a temporary table (in parallel; its rowid is
              the line number), then `order_sums.sum_orders` over it (counts, distinct
              orders per customer, ORDER BY the first line).
- one pass:   no table: one GROUP BY over the file with the line number taken by
              `row_number() OVER ()` in the same pass (which makes the pass one thread).
- pass+first: no table: one GROUP BY over the file without the line number (in
              parallel), then a narrow pass for each customer's first line.

It prints wall and CPU seconds and the peak RSS of each, with the load average.
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
ROOT = HERE.parent
SHAPES = ("table", "one pass", "pass+first")


def run_shape(shape: str, path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    import duckdb

    from segmentation import orders_duckdb as od
    from segmentation.order_log import OrderColumns
    from segmentation.order_sums import sum_orders

    columns = OrderColumns("customer_id", "order_date", "amount", "order_id")
    con = duckdb.connect()
    source = od._source(path, ",", od._header(path, ","))
    _, day = od._head_layout(con, source, columns, "auto")
    start, used = time.perf_counter(), cpu_seconds()
    lines = od._lines(source, columns, day)
    rules = "c IS NOT NULL AND day IS NOT NULL AND s IS NOT NULL"
    sums = (
        "c, min(day), max(day), count(DISTINCT o), sum(s), count(*) FILTER (flags > 0), "
        "count(*) FILTER (c IS NULL)"
    )
    if shape == "table":
        con.execute(f"CREATE TEMP TABLE t AS {lines}")
        con.execute(
            "CREATE TEMP VIEW v AS SELECT c, day, o, 1 AS n, CAST(s IS NOT NULL AS INTEGER) "
            "AS n_a, s, rowid AS r FROM t"
        )
        n = len(sum_orders(con, "v", names=("c", "d", "a")).sums)
    elif shape == "one pass":
        numbered = f"SELECT *, {day} AS day FROM {od._read_lines(source, columns)}"
        query = (
            f"SELECT {sums}, min(r) FILTER ({rules}) AS first FROM (SELECT NULLIF(trim(c), "
            f"'') AS c, day, NULLIF(trim(o), '') AS o, a AS s, r, CAST(unread AS INTEGER) AS "
            f"flags FROM ({numbered})) GROUP BY c ORDER BY first"
        )
        n = len(con.execute(query).fetchall())
    else:
        n = len(con.execute(f"SELECT {sums} FROM ({lines}) GROUP BY c").fetchall())
        customer = f"NULLIF(trim({od._quoted(columns.customer)}), '')"
        con.execute(
            f"SELECT c, min(r) FROM (SELECT {customer} AS c, row_number() OVER () AS r FROM "
            f"{source}) GROUP BY c"
        ).fetchall()
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - used
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "rows": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--shape", choices=SHAPES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = HERE / "out" / f"orders-{args.lines}.csv"
    if args.shape:
        print(json.dumps(run_shape(args.shape, path)))
        return
    if not path.exists():
        raise SystemExit(f"{path} is missing: run benchmarks/orders.py --lines {args.lines}")
    print(f"{args.lines:,} lines; load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"{'shape':<11} {'seconds':>8} {'CPU s':>7} {'peak MB':>8} {'customers':>10}")
    for shape in SHAPES:
        r = run_fresh(__file__, "--lines", str(args.lines), "--shape", shape)
        if "error" in r:
            print(f"{shape:<11} error: {r['error']}")
            continue
        print(
            f"{shape:<11} {r['seconds']:>8.2f} {r['cpu']:>7.1f} {r['peak_mb']:>8.0f} "
            f"{r['rows']:>10,}"
        )


if __name__ == "__main__":
    main()
