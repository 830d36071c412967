"""Applying a saved segmentation: `apply` against the classic workflow, and the SQL on
DuckDB and local Spark.

    python benchmarks/saved.py                      # 1M and 10M customers
    python benchmarks/saved.py --sizes 1000000      # quicker
    python benchmarks/saved.py --no-spark           # without Spark (no Java here)

For each size a CSV of customers is written once (in 1M-row pieces, ids unique), and a
segmentation is fitted on a 20,000-row sample (5 segments on annual_income,
spending_score, recency_days; log of recency_days). Then, each in a fresh process so
memory peaks are its own:

* ours: ``read_saved`` + ``apply_file`` (what ``python -m segmentation apply`` runs): every
  row of the file with ``segment``, ``segment_name``, ``unassigned_reason``, as the app's
  labelled download;
* classic: ``pandas.read_csv`` + ``StandardScaler.transform`` (+ log1p) +
  ``KMeans.predict`` + ``DataFrame.to_csv`` with a segment column, the scaler and KMeans
  fitted on the same sample beforehand (untimed, as if unpickled);
* duckdb / spark: the ``sql`` output over the table loaded from the CSV (loading timed
  apart), scored in full (``GROUP BY segment``), then joined with ours: customers whose
  segment differs from `apply`'s.

Time is wall clock (``perf_counter``) inside the process, after imports; peak memory is
the process's maximum resident set (`fresh.peak_mb`). Run on a shared 2-core machine: the
ratios of one run are what counts; the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from common import OUT_DIR, table
from fresh import peak_mb, run_fresh

FEATURES = ["annual_income", "spending_score", "recency_days"]
LOG = ["recency_days"]
K = 5
PIECE = 1_000_000


def _write_customers(n: int, path: Path) -> None:
    """`n` customers in 1M-row pieces (unique ids), with gaps in two features."""
    import numpy as np

    from segmentation import make_sample_customers

    with path.open("w") as f:
        for piece, start in enumerate(range(0, n, PIECE)):
            frame = make_sample_customers(min(PIECE, n - start), random_state=piece)
            frame["customer_id"] = f"P{piece}-" + frame["customer_id"].astype(str)
            frame.loc[::13, "annual_income"] = np.nan
            frame.loc[::29, "recency_days"] = np.nan
            frame.to_csv(f, index=False, header=piece == 0)


def _fit(path: Path, saved_path: Path) -> None:
    import pandas as pd

    from segmentation import fit_segments
    from segmentation.profile import profile_segments
    from segmentation.saved import save_segmentation, write_saved

    sample = pd.read_csv(path, nrows=20_000, dtype={"customer_id": str})
    seg = fit_segments(sample, FEATURES, K, log_features=LOG)
    names = profile_segments(sample, seg).names
    write_saved(save_segmentation(sample, seg, names, id_column="customer_id"), saved_path)


# --------------------------------------------------------------------------- children


def child_ours(saved_path: str, path: str, out: str) -> dict:
    from segmentation.apply_file import apply_file
    from segmentation.saved import read_saved

    t0 = time.perf_counter()
    saved = read_saved(saved_path)
    with open(out, "wb") as f:
        result = apply_file(saved, path, f)
    return {"seconds": time.perf_counter() - t0, "blocks": result.blocks}


def child_classic(saved_path: str, path: str, out: str) -> dict:
    import numpy as np
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    # Fitted beforehand on the same sample, as a pickled model would be: not timed.
    sample = pd.read_csv(path, nrows=20_000).dropna(subset=FEATURES)
    values = sample[FEATURES].to_numpy(float)
    values[:, 2] = np.log1p(values[:, 2])
    scaler = StandardScaler().fit(values)
    kmeans = KMeans(K, random_state=42).fit(scaler.transform(values))
    t0 = time.perf_counter()
    frame = pd.read_csv(path)
    values = frame[FEATURES].to_numpy(float)
    values[:, 2] = np.log1p(values[:, 2])
    complete = np.isfinite(values).all(axis=1)
    segment = np.full(len(frame), np.nan)
    segment[complete] = kmeans.predict(scaler.transform(values[complete])) + 1
    frame["segment"] = pd.array(segment).astype("Int64")
    frame.to_csv(out, index=False)
    return {"seconds": time.perf_counter() - t0}


def _twice(run):
    """(first time, second time, result): the second run has the engine warm (a JVM's code
    compiled, file pages cached), as a scheduled job on a running cluster sees it."""
    t0 = time.perf_counter()
    result = run()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    run()
    return first, time.perf_counter() - t0, result


def child_duckdb(saved_path: str, path: str, ours_out: str) -> dict:
    import duckdb

    from segmentation.saved import read_saved
    from segmentation.sql import segment_sql

    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(
        "CREATE TABLE customers AS SELECT * FROM read_csv(?, header = true, "
        "types = {'customer_id': 'VARCHAR'})",
        [path],
    )
    load = time.perf_counter() - t0
    sql = segment_sql(read_saved(saved_path), "duckdb").rstrip(";")
    query = f"SELECT segment, count(*) FROM ({sql}) GROUP BY segment"
    first, score, counts = _twice(lambda: con.execute(query).fetchall())
    differ = con.execute(
        f"SELECT count(*) FROM ({sql}) s JOIN read_csv(?, header = true, all_varchar = true) a "
        "USING (customer_id) WHERE coalesce(CAST(s.segment AS VARCHAR), '') <> a.segment",
        [ours_out],
    ).fetchone()[0]
    return {
        "load": load,
        "first": first,
        "seconds": score,
        "differ": differ,
        "counts": sorted(map(list, counts), key=lambda r: (r[0] is None, r[0] or 0)),
    }


def child_spark(saved_path: str, path: str, ours_out: str) -> dict:
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    from segmentation.saved import read_saved
    from segmentation.sql import segment_sql

    t0 = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    start = time.perf_counter() - t0
    header = Path(path).open().readline().strip().split(",")
    schema = StructType(
        [StructField(c, StringType() if c == "customer_id" else DoubleType()) for c in header]
    )
    spark.read.csv(path, header=True, schema=schema).createOrReplaceTempView("customers")
    sql = segment_sql(read_saved(saved_path), "spark").rstrip(";")
    query = f"SELECT segment, count(*) FROM ({sql}) GROUP BY segment"
    first, score, counts = _twice(lambda: spark.sql(query).collect())
    spark.stop()
    return {
        "start": start,
        "first": first,
        "seconds": score,
        "counts": sorted([[r[0], r[1]] for r in counts], key=lambda r: (r[0] is None, r[0] or 0)),
    }


CHILDREN = {
    "ours": child_ours,
    "classic": child_classic,
    "duckdb": child_duckdb,
    "spark": child_spark,
}


def _run_child(kind: str, *args: str) -> dict:
    return run_fresh(__file__, "--child", kind, *args)


def _counts_of(out: Path) -> list[list]:
    import pyarrow.csv as pacsv

    column = (
        pacsv.read_csv(
            out,
            convert_options=pacsv.ConvertOptions(
                column_types={"segment": "string"}, include_columns=["segment"]
            ),
        )
        .column("segment")
        .to_pylist()
    )
    from collections import Counter

    counts = Counter(None if s in ("", None) else int(s) for s in column)
    return sorted(([s, c] for s, c in counts.items()), key=lambda r: (r[0] is None, r[0] or 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument(
        "--no-classic-above",
        type=int,
        default=10_000_000,
        help="skip the classic workflow above this many rows",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = CHILDREN[kind](*rest)
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
        return

    work = OUT_DIR / "saved"
    work.mkdir(parents=True, exist_ok=True)
    rows, sql_rows = [], []
    for n in args.sizes:
        path, saved_path = work / f"customers_{n}.csv", work / f"segments_{n}.json"
        if not path.exists():
            print(f"writing {n:,} customers...", file=sys.stderr)
            _write_customers(n, path)
        _fit(path, saved_path)
        ours_out, classic_out = work / f"ours_{n}.csv", work / f"classic_{n}.csv"
        print(f"{n:,}: ours", file=sys.stderr)
        ours = _run_child("ours", str(saved_path), str(path), str(ours_out))
        classic = {}
        if n <= args.no_classic_above:
            print(f"{n:,}: classic", file=sys.stderr)
            classic = _run_child("classic", str(saved_path), str(path), str(classic_out))
        ratio = ours["seconds"] / classic["seconds"] if "seconds" in classic else None
        rows.append(
            [
                f"{n:,}",
                f"{ours['seconds']:.2f}",
                f"{ours['peak_mb']:.0f}",
                f"{classic.get('seconds', float('nan')):.2f}",
                f"{classic.get('peak_mb', float('nan')):.0f}",
                "n/a" if ratio is None else f"{ratio:.2f}x",
                str(ours.get("blocks")),
            ]
        )
        apply_counts = _counts_of(ours_out)
        for engine in ("duckdb", "spark"):
            if engine == "spark" and args.no_spark:
                continue
            print(f"{n:,}: {engine}", file=sys.stderr)
            result = _run_child(engine, str(saved_path), str(path), str(ours_out))
            if "seconds" not in result:
                sql_rows.append([f"{n:,}", engine, result.get("error"), "", "", "", "", "", ""])
                continue
            rate = n / result["seconds"]
            agree = result.get("differ")
            sql_rows.append(
                [
                    f"{n:,}",
                    engine,
                    f"{result.get('load', result.get('start', 0.0)):.1f}",
                    f"{result['first']:.2f}",
                    f"{result['seconds']:.2f}",
                    f"{rate / 1e6:.2f}M",
                    f"{1e8 / rate / 60:.1f} min",
                    "same" if result["counts"] == apply_counts else "DIFFER",
                    "not joined" if agree is None else f"{agree}",
                ]
            )
    load = os.getloadavg()
    print(
        table(
            [
                "customers",
                "ours s",
                "ours peak MB",
                "classic s",
                "classic peak MB",
                "ours/classic",
                "blocks",
            ],
            rows,
            title=f"apply vs classic (load average {load[0]:.1f})",
        )
    )
    print()
    print(
        table(
            [
                "customers",
                "engine",
                "load/start s",
                "first s",
                "warm s",
                "rows/s (warm)",
                "100M at this rate",
                "counts vs apply",
                "customers differing",
            ],
            sql_rows,
            title="SQL of the saved segmentation (scored in full: GROUP BY segment)",
        )
    )


if __name__ == "__main__":
    main()
