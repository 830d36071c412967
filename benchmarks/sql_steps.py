"""Why the SQL's steps are `AS MATERIALIZED` on SQLite and PostgreSQL only: the same query,
marked and unmarked, on SQLite and DuckDB in one run.

    python benchmarks/sql_steps.py                   # 200,000 customers
    python benchmarks/sql_steps.py --rows 50000      # quicker

A segmentation (5 segments on annual_income, spending_score, recency_days; log of
recency_days) is fitted on 20,000 customers and its `segment_query` written for each
engine with and without ``AS MATERIALIZED``; each query scores every customer (one
``fetchall``) over an in-memory table, best of `--repeat`. PostgreSQL materializes its
steps the same way (CTEs used twice); it needs a server and is run by
`tests/test_sql_engines.py`, not timed here.
"""

from __future__ import annotations

import argparse
import os
import sqlite3

import duckdb
from common import best_of, fmt_seconds, make_customers, table

from segmentation import fit_segments
from segmentation.saved import save_segmentation
from segmentation.sql import segment_query

FEATURES = ["annual_income", "spending_score", "recency_days"]


def engines(customers):
    """(name, run(sql) -> rows) for SQLite and DuckDB, each over its own copy of the table."""
    lite = sqlite3.connect(":memory:")
    customers.to_sql("customers", lite, index=False)
    duck = duckdb.connect()
    duck.register("frame", customers)
    duck.execute("CREATE TABLE customers AS SELECT * FROM frame")
    return [
        ("sqlite", lambda sql: lite.execute(sql).fetchall()),
        ("duckdb", lambda sql: duck.execute(sql).fetchall()),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    customers = make_customers(args.rows)
    customers.loc[customers.index % 97 == 0, "recency_days"] = None  # gaps: unassigned
    sample = customers.sample(min(20_000, len(customers)), random_state=42)
    seg = fit_segments(sample, FEATURES, 5, log_features=["recency_days"])
    saved = save_segmentation(sample, seg, [f"S{i}" for i in range(1, 6)], id_column="customer_id")
    rows = []
    for name, run in engines(customers):
        times = {}
        for marked in (None, True):
            sql = segment_query(saved, materialized=marked).sql(dialect=name, identify=True)
            assert len(run(sql)) == len(customers)
            times[marked] = best_of(lambda sql=sql, run=run: run(sql), args.repeat)
        ratio = times[None] / times[True]
        rows.append([name, fmt_seconds(times[None]), fmt_seconds(times[True]), f"{ratio:.1f}x"])
    print(
        table(
            ["engine", "unmarked", "AS MATERIALIZED", "unmarked / materialized"],
            rows,
            title=f"The SQL over {args.rows:,} customers (best of {args.repeat}; "
            f"load average {os.getloadavg()[0]:.1f})",
        )
    )


if __name__ == "__main__":
    main()
