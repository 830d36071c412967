"""The SQL run on real engines over a million customers with gaps: DuckDB, SQLite, a
throwaway PostgreSQL server and a local Apache Spark session. Every customer's segment is
compared with `apply` (equal, allowing only exact ties).

BigQuery and Snowflake cannot run here: tests/test_sql.py parses their SQL back.
The servers stay on this machine: PostgreSQL listens on a Unix socket only, Spark on
127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from segmentation import fit_segments, make_sample_customers
from segmentation.apply import apply_saved, squared_distances
from segmentation.saved import save_segmentation
from segmentation.sql import segment_sql

N = 1_000_000
FEATURES = ["annual_income", "spending_score", "recency_days"]
#: Debian's PostgreSQL server programs (the newest installed), or $PG_BIN.
PG_BIN = Path(
    os.environ.get("PG_BIN")
    or max(
        (str(p.parent) for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")),
        key=lambda b: int(Path(b).parent.name) if Path(b).parent.name.isdigit() else 0,
        default="/usr/lib/postgresql/15/bin",
    )
)
#: Two segments' squared distances closer than this (relative) are a tie: the engines'
#: LN and the numpy log may differ in the last bit, and only there may the segments differ.
TIE = 1e-12


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    """1M customers with gaps, a segmentation fitted on a 20k sample (log, clip, drop
    policy: a gap gives NULL), the CSV file, and apply's labels and distances."""
    frame = make_sample_customers(N, random_state=3)
    frame.loc[::13, "annual_income"] = np.nan
    frame.loc[::29, "recency_days"] = np.nan
    sample = frame.sample(20_000, random_state=1).reset_index(drop=True)
    seg = fit_segments(sample, FEATURES, 5, log_features=["recency_days"], clip=(1.0, 99.0))
    names = ["Loyal", "At risk", "New", "Big 'spenders'", "Bargain"]
    saved = save_segmentation(sample, seg, names, id_column="customer_id")
    path = tmp_path_factory.mktemp("million") / "customers.csv"
    frame.to_csv(path, index=False)
    applied = apply_saved(saved, frame)
    return frame, saved, path, applied


def _compare(million, rows) -> None:
    """Every customer's segment from the engine equals apply's (or is an exact tie)."""
    frame, saved, _, applied = million
    ids = np.asarray([r[0] for r in rows], dtype=object)
    segments = np.asarray([-1 if r[1] is None else int(r[1]) - 1 for r in rows])
    names = [r[2] for r in rows]
    assert len(rows) == len(frame)
    order = pd.Index(frame["customer_id"]).get_indexer(ids)
    assert (order >= 0).all() and len(set(order)) == len(frame)  # each customer once
    expected = applied.labels[order]
    assert ((segments < 0) == (expected < 0)).all()  # gaps, and only gaps, are NULL
    differ = np.flatnonzero(segments != expected)
    if len(differ):
        columns = [frame[f].to_numpy(float)[order[differ]] for f in FEATURES]
        d = squared_distances(saved, columns)
        rows_at = np.arange(len(differ))
        mine, theirs = d[expected[differ], rows_at], d[segments[differ], rows_at]
        assert np.allclose(mine, theirs, rtol=TIE, atol=0), "segments differ beyond a tie"
    assert len(differ) <= 10
    for s, name in zip(segments[:1000], names[:1000]):
        assert name == (None if s < 0 else saved.names[s])


def test_duckdb_million(million):
    frame, saved, path, _ = million
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE customers AS SELECT * FROM read_csv(?, header = true, "
        "types = {'customer_id': 'VARCHAR'})",
        [str(path)],
    )
    _compare(million, con.execute(segment_sql(saved, "duckdb")).fetchall())


def test_sqlite_million(million):
    frame, saved, _, _ = million
    con = sqlite3.connect(":memory:")
    frame.to_sql("customers", con, index=False, chunksize=100_000)
    _compare(million, con.execute(segment_sql(saved, "sqlite")).fetchall())


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL server in a temporary directory, on a Unix socket only."""
    psycopg = pytest.importorskip("psycopg")
    if not (PG_BIN / "initdb").exists():
        pytest.fail(
            f"PostgreSQL is not installed at {PG_BIN}: run .ci/test.sh (apt-get postgresql)"
        )
    # Not under pytest's temporary directory: the server's user must be able to reach it.
    base = Path(tempfile.mkdtemp(prefix="segmentation-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")

    def run(*command: str) -> None:
        line = " ".join(f"'{c}'" for c in command)
        argv = ["su", "postgres", "-s", "/bin/sh", "-c", line] if as_postgres else list(command)
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    port = 5499
    run(str(PG_BIN / "initdb"), "-A", "trust", "-U", "postgres", "-D", str(data))
    options = f"-k {sock} -c listen_addresses='' -p {port} -c fsync=off"
    run(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-o",
        options,
        "-l",
        str(base / "log"),
        "start",
    )
    try:
        with psycopg.connect(host=str(sock), port=port, user="postgres", autocommit=True) as con:
            yield con
    finally:
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


def test_postgres_million(million, postgres):
    frame, saved, path, _ = million
    columns = ", ".join(
        f'"{c}" {"text" if c == "customer_id" else "double precision"}' for c in frame.columns
    )
    postgres.execute(f"CREATE TABLE customers ({columns})")
    with (
        postgres.cursor() as cur,
        cur.copy("COPY customers FROM STDIN (FORMAT csv, HEADER true, NULL '')") as copy,
        open(path, "rb") as f,
    ):
        while block := f.read(1 << 20):
            copy.write(block)
    _compare(million, postgres.execute(segment_sql(saved, "postgres")).fetchall())


@pytest.fixture(scope="module")
def spark():
    """A local Spark session bound to 127.0.0.1."""
    pyspark = pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.fail("Java is not installed: run .ci/test.sh (apt-get default-jre-headless)")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("segmentation-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    assert pyspark.__version__
    yield session
    session.stop()


def test_spark_million(million, spark):
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    frame, saved, path, _ = million
    schema = StructType(
        [
            StructField(c, StringType() if c == "customer_id" else DoubleType())
            for c in frame.columns
        ]
    )
    spark.read.csv(str(path), header=True, schema=schema).createOrReplaceTempView("customers")
    out = path.parent / "spark_segments"
    # Written by Spark and read with Arrow: collecting a million Row objects through the
    # Python bridge took longer than scoring them.
    spark.sql(segment_sql(saved, "spark").rstrip(";")).write.mode("overwrite").parquet(str(out))
    table = pq.read_table(out)
    rows = list(zip(*(table.column(c).to_pylist() for c in table.column_names)))
    _compare(million, rows)
