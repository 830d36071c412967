"""Benchmark: an order export to the customer table, ours against the plain pandas recipe.

    python benchmarks/orders.py                    # 10M order lines (~450 MB CSV)
    python benchmarks/orders.py --lines 1000000    # quick
    python benchmarks/orders.py --repeat 2         # each side twice, the best kept
    python benchmarks/orders.py --browser          # 5M lines uploaded in the browser
                                                   # (benchmarks/orders_browser.py)

The order log (order id, customer id, timestamp, amount with 2% returns; ~1 customer per
20 lines, 2.5 lines per order) is generated once with numpy and written with pyarrow,
untimed, to benchmarks/out/orders-<lines>.csv. Then each side runs in its own FRESH
Python process, and reports its time and CPU seconds (imports excluded) and its peak RSS
(VmHWM):

- pandas:   pd.read_csv(parse_dates=["order_date"]) + groupby("customer_id").agg(first,
            last, nunique orders, sum) + recency + DataFrame.to_csv (the recipe a
            tutorial gives, without RFM scores);
- ours CLI: `python -m segmentation customers FILE -o OUT` as `segmentation.cli.main`
            runs it (head read carefully, the lines read once and summed by DuckDB, the
            whole customer table with scores, segments and CSV written);
- ours app: what the app does with the upload's bytes: `read_order_log(bytes)` +
            `customers_from_log` (the same DuckDB path, from a temporary copy of the
            bytes) + `to_csv_bytes`;
- DuckDB floor (a side line, not a competitor): the bare group-by of the same file in
            DuckDB WITHOUT the exact rules: columns typed by name (no date layouts read
            from the values), first/last date, count(DISTINCT order_id), sum(amount),
            recency, COPY to CSV; no ids trimmed, no left-out lines counted, no first-
            appearance order, no scores or segments. What the engine alone costs on this
            machine: the honest ceiling for any DuckDB-based side.

The table prints each side's seconds, peak MB and the speed-up over pandas, with the load
average (the machine is shared: compare sides of one run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from fresh import cpu_seconds, peak_mb, run_fresh

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
SIDES = ("pandas", "ours CLI", "ours app", "DuckDB floor")


def make_orders(n_lines: int, path: Path, *, random_state: int = 42) -> int:
    """Write an order log of ``n_lines`` lines to ``path``; its size in bytes."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(random_state)
    n_customers = max(3, n_lines // 20)
    n_orders = max(3, n_lines * 2 // 5)
    # a long tail of frequent buyers: most customers order once or twice
    heavy = (rng.pareto(1.2, n_orders) * n_customers / 20).astype(np.int64)
    customer_of_order = rng.permutation(n_customers)[np.minimum(heavy, n_customers - 1)]
    order_of_line = np.sort(rng.integers(0, n_orders, n_lines))
    start = np.datetime64("2022-01-01T00:00:00", "s")
    when = start + rng.integers(0, 3 * 365 * 86400, n_orders).astype("timedelta64[s]")
    amount = np.round(rng.lognormal(3, 1, n_lines), 2)
    amount[rng.random(n_lines) < 0.02] *= -1  # returns

    def ids(prefix: str, numbers: np.ndarray, width: int):
        text = pc.cast(pa.array(numbers + 1), pa.string())
        return pc.binary_join_element_wise(prefix, pc.utf8_lpad(text, width, "0"), "")

    table = pa.table(
        {
            "order_id": ids("O", order_of_line, 8),
            "customer_id": ids("C", customer_of_order[order_of_line], 7),
            "order_date": pa.array(when[order_of_line]),
            "amount": pa.array(amount),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="none"))
    return path.stat().st_size


# --------------------------------------------------------------------------- the sides


def side_pandas(path: Path, out: Path) -> int:
    import pandas as pd

    lines = pd.read_csv(path, parse_dates=["order_date"])
    snapshot = lines["order_date"].max().normalize() + pd.Timedelta(days=1)
    customers = lines.groupby("customer_id").agg(
        first_order=("order_date", "min"),
        last_order=("order_date", "max"),
        frequency=("order_id", "nunique"),
        monetary=("amount", "sum"),
    )
    customers["recency_days"] = (snapshot - customers["last_order"]).dt.days
    customers.to_csv(out)
    return len(customers)


def side_cli(path: Path, out: Path) -> int:
    from segmentation.cli import main

    status = main(["customers", str(path), "-o", str(out)])
    if status:
        raise SystemExit(status)
    with open(out, "rb") as fh:
        return sum(1 for _ in fh) - 1


def side_app(path: Path, out: Path) -> int:
    from segmentation.export import to_csv_bytes
    from segmentation.order_log import read_order_log
    from segmentation.orders_duckdb import customers_from_log

    raw = path.read_bytes()
    table = customers_from_log(read_order_log(raw, name=path.name), raw)
    out.write_bytes(to_csv_bytes(table.frame))
    return len(table.frame)


def side_floor(path: Path, out: Path) -> int:
    """The bare DuckDB group-by (see the module's docstring): no exact rules."""
    import duckdb

    types = "{'order_id': 'VARCHAR', 'customer_id': 'VARCHAR', 'order_date': 'TIMESTAMP', "
    types += "'amount': 'DOUBLE'}"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT *, date_diff('day', last_order, max(last_order) OVER () + INTERVAL 1 "
        "DAY) AS recency_days FROM (SELECT customer_id, min(order_date) AS first_order, "
        "max(order_date) AS last_order, count(DISTINCT order_id) AS frequency, sum(amount) "
        f"AS monetary FROM read_csv('{path}', header=true, auto_detect=false, columns={types}) "
        f"GROUP BY customer_id)) TO '{out}' (HEADER)"
    )
    return con.execute(f"SELECT count(*) FROM read_csv('{out}')").fetchall()[0][0]


def child(side: str, path: Path) -> None:
    """Run one side in this (fresh) process; print its figures as JSON."""
    sys.path.insert(0, str(ROOT))
    import pandas  # noqa: F401  (imports are not timed: a running server has them)
    import pyarrow  # noqa: F401

    import segmentation  # noqa: F401

    if side != "pandas":
        import duckdb  # noqa: F401  (the floor's import is not timed either)

    run = {
        "pandas": side_pandas,
        "ours CLI": side_cli,
        "ours app": side_app,
        "DuckDB floor": side_floor,
    }[side]
    out = OUT / f"customers-{side.replace(' ', '-')}.csv"
    start, cpu = time.perf_counter(), cpu_seconds()
    n_customers = run(path, out)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu_seconds() - cpu,
                "peak_mb": peak_mb(),
                "customers": n_customers,
            }
        )
    )


def measure(side: str, path: Path) -> dict:
    return run_fresh(__file__, "--child", side, "--file", str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, help="order lines (10M; 5M with --browser)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side, best kept")
    parser.add_argument("--sides", nargs="+", default=list(SIDES), choices=SIDES)
    parser.add_argument(
        "--browser",
        action="store_true",
        help="upload the file in the browser instead (5M lines unless --lines is given)",
    )
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file)
        return

    args.lines = args.lines or (5_000_000 if args.browser else 10_000_000)
    path = OUT / f"orders-{args.lines}.csv"
    if not path.exists():
        print(f"writing {args.lines:,} order lines to {path} ...", file=sys.stderr)
        make_orders(args.lines, path)
    if args.browser:
        from orders_browser import run

        run(path, args.lines)
        return
    size_mb = path.stat().st_size / 2**20
    results = {}
    for side in args.sides:
        runs = [measure(side, path) for _ in range(args.repeat)]
        good = [r for r in runs if "error" not in r]
        results[side] = min(good, key=lambda r: r["seconds"]) if good else runs[0]
        print(f"{side}: {results[side]}", file=sys.stderr)

    base = results.get("pandas", {}).get("seconds")
    print(
        f"orders -> customers: {args.lines:,} lines, {size_mb:.0f} MB CSV; "
        f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}; "
        f"{os.cpu_count()} cores"
    )
    header = (
        f"{'side':<12} {'seconds':>9} {'CPU s':>7} {'peak MB':>9} {'customers':>10} "
        f"{'vs pandas':>10} {'CPU vs pandas':>14}"
    )
    print(header)
    print("-" * len(header))
    for side, r in results.items():
        if "error" in r:
            print(f"{side:<12} error: {r['error']}")
            continue
        ratio = f"{base / r['seconds']:.1f}x" if base else "n/a"
        base_cpu = results.get("pandas", {}).get("cpu")
        cpu_ratio = f"{base_cpu / r['cpu']:.1f}x" if base_cpu else "n/a"
        print(
            f"{side:<12} {r['seconds']:>9.2f} {r['cpu']:>7.1f} {r['peak_mb']:>9.0f} "
            f"{r['customers']:>10,} {ratio:>10} {cpu_ratio:>14}"
        )
    if "DuckDB floor" in results:
        print(
            "DuckDB floor: the bare group-by without the exact rules (typed columns, no "
            "trimmed ids, no left-out counts, no first-appearance order, no scores): what "
            "the engine alone costs here, not a competing side"
        )


if __name__ == "__main__":
    main()
