"""``python -m segmentation fit | apply | sql``: what an analyst types, what they get back."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation import (
    fit_prepared,
    fit_segments,
    make_sample_customers,
    prepare_features,
    read_customers,
)
from segmentation.cli import main
from segmentation.export import labelled_csv_bytes
from segmentation.margins import segment_margins
from segmentation.profile import profile_segments
from segmentation.saved import read_saved

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ["annual_income", "spending_score", "recency_days"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "segmentation", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A customers file with gaps, and a segmentation fitted on it by the command line."""
    base = tmp_path_factory.mktemp("cli")
    frame = make_sample_customers(1500)
    frame.loc[::19, "spending_score"] = np.nan
    customers = base / "customers.csv"
    frame.to_csv(customers, index=False)
    saved = base / "segments.json"
    done = _cli(
        "fit",
        str(customers),
        "--features",
        *FEATURES,
        "--log",
        "recency_days",
        "--k",
        "4",
        "-o",
        str(saved),
    )
    assert done.returncode == 0, done.stderr
    return base, customers, saved


def test_fit_saves_what_the_app_would_fit(files):
    _, customers, saved = files
    loaded = read_saved(saved)
    data = read_customers(customers)
    seg = fit_segments(data.frame, FEATURES, 4, log_features=["recency_days"])
    assert loaded.k == 4 and loaded.features == tuple(FEATURES)
    assert loaded.names == profile_segments(data.frame, seg).names
    assert loaded.source.file_name == "customers.csv" and loaded.source.rows == 1500
    assert loaded.id_column == "customer_id"


def test_apply_writes_the_apps_labelled_download_byte_for_byte(files):
    base, customers, saved = files
    out = base / "labelled.csv"
    done = _cli("apply", str(saved), str(customers), "-o", str(out))
    assert done.returncode == 0, done.stderr
    data = read_customers(customers)
    prepared = prepare_features(data.frame, FEATURES, log_features=["recency_days"])
    seg = fit_prepared(prepared, 4)
    names = read_saved(saved).names
    margins = segment_margins(prepared, seg)
    assert out.read_bytes() == labelled_csv_bytes(data, seg, names, margins=margins)
    assert b"1,500 customers" in done.stderr


def test_sql_prints_a_select_that_scores_like_apply(files):
    base, customers, saved = files
    done = _cli("sql", str(saved), "--dialect", "sqlite", "--table", "June customers")
    assert done.returncode == 0, done.stderr
    con = sqlite3.connect(":memory:")
    pd.read_csv(customers).to_sql("June customers", con, index=False)
    rows = con.execute(done.stdout.decode()).fetchall()
    labelled = pd.read_csv(base / "labelled.csv", dtype=str, keep_default_na=False)
    expected = dict(zip(labelled["customer_id"], labelled["segment"]))
    assert {i: ("" if s is None else str(s)) for i, s, _ in rows} == expected


def test_a_tampered_file_is_refused_in_one_line(files):
    base, customers, saved = files
    document = json.loads(saved.read_text())
    document["segments"][0]["name"] = "Renamed by hand"
    tampered = base / "tampered.json"
    tampered.write_text(json.dumps(document))
    done = _cli("apply", str(tampered), str(customers))
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "changed after it was saved" in lines[0]
    assert b"Traceback" not in done.stderr and done.stdout == b""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["apply", "{saved}", "{base}/nothing.csv"], "nothing.csv"),
        (["apply", "{base}/nothing.json", "{customers}"], "nothing.json"),
        (["apply", "{saved}", "{base}/no_recency.csv"], "no column 'recency_days'"),
        (["apply", "{customers}", "{customers}"], "not valid JSON"),
        (["sql", "{saved}", "--dialect", "oracle"], "invalid choice: 'oracle'"),
        (["fit", "{customers}", "--features", "nope", "-o", "{base}/x.json"], "'nope'"),
        (
            [
                "fit",
                "{customers}",
                "--features",
                "annual_income",
                "--k",
                "1",
                "-o",
                "{base}/x.json",
            ],
            "k=1 must be between 2",
        ),
    ],
)
def test_errors_exit_2_with_one_line(files, capsys, args, message):
    base, customers, saved = files
    pd.read_csv(customers).drop(columns="recency_days").to_csv(base / "no_recency.csv")
    argv = [a.format(base=base, customers=customers, saved=saved) for a in args]
    with pytest.raises(SystemExit) if argv[-1] == "oracle" else _nothing():
        status = main(argv)
        assert status == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_failed_apply_leaves_no_output_behind(files):
    base, _, saved = files
    out = base / "never.csv"
    assert main(["apply", str(saved), str(base / "no_recency.csv"), "-o", str(out)]) == 2
    assert not out.exists() and not (base / "never.csv.partial").exists()


@pytest.mark.parametrize("command", ["fit", "apply", "sql"])
def test_help_explains_the_command(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "Example:" in text and f"python -m segmentation {command}" in text
