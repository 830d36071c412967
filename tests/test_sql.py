"""The SQL of a saved segmentation: one tree, six dialects, hostile names kept in quotes."""

from __future__ import annotations

import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pytest

from segmentation import SettingsError, fit_segments, make_sample_customers
from segmentation.apply import apply_saved
from segmentation.saved import save_segmentation
from segmentation.sql import DIALECTS, parse_back, segment_sql

HOSTILE_ID = 'id"; DROP TABLE t; --'
HOSTILE_FEATURE = "Annual Income (k$) `x` 'y' \"z\";--"
HOSTILE_TABLE = "cust\"o`mers'; DROP TABLE x; --"
HOSTILE_NAME = 'Loyal\'); DROP TABLE customers; -- \\ "quoted"'


@pytest.fixture(scope="module")
def hostile():
    """Customers whose id, a feature, the table and a segment name are hostile, with gaps."""
    frame = make_sample_customers(600).rename(
        columns={"customer_id": HOSTILE_ID, "annual_income": HOSTILE_FEATURE}
    )
    frame.loc[::11, HOSTILE_FEATURE] = np.nan
    frame.loc[::17, "recency_days"] = np.nan
    features = [HOSTILE_FEATURE, "spending_score", "recency_days"]
    return frame, features


def _saved(frame, features, **options):
    seg = fit_segments(frame, features, 4, **options)
    names = [HOSTILE_NAME, "B", "C", "D"]
    return save_segmentation(frame, seg, names, id_column=HOSTILE_ID)


OPTIONS = [
    {},
    {"missing": "median", "log_features": ["recency_days"], "clip": (1.0, 99.0)},
    {"scaler": "minmax", "log_features": ["spending_score"]},
]


def _expected(saved, frame) -> dict:
    labels = apply_saved(saved, frame).labels
    return {
        i: (None if s < 0 else int(s) + 1, None if s < 0 else saved.names[s])
        for i, s in zip(frame[HOSTILE_ID], labels)
    }


@pytest.mark.parametrize("options", OPTIONS)
def test_duckdb_scores_every_customer_as_apply(hostile, options):
    frame, features = hostile
    saved = _saved(frame, features, **options)
    con = duckdb.connect()
    con.register("staging", frame)
    con.execute(
        f'CREATE TABLE "{HOSTILE_TABLE.replace(chr(34), chr(34) * 2)}" AS SELECT * FROM staging'
    )
    rows = con.execute(segment_sql(saved, "duckdb", table=HOSTILE_TABLE)).fetchall()
    assert {i: (s, n) for i, s, n in rows} == _expected(saved, frame)
    assert con.execute("SELECT count(*) FROM staging").fetchone()[0] == len(frame)


@pytest.mark.parametrize("options", OPTIONS)
def test_sqlite_scores_every_customer_as_apply(hostile, options):
    frame, features = hostile
    saved = _saved(frame, features, **options)
    con = sqlite3.connect(":memory:")
    frame.to_sql(HOSTILE_TABLE, con, index=False)
    rows = con.execute(segment_sql(saved, "sqlite", table=HOSTILE_TABLE)).fetchall()
    assert {i: (s, n) for i, s, n in rows} == _expected(saved, frame)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == [HOSTILE_TABLE]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_parses_back_with_names_inside_their_quotes(hostile, dialect):
    frame, features = hostile
    saved = _saved(frame, features, **OPTIONS[1])
    tree = parse_back(segment_sql(saved, dialect, table=HOSTILE_TABLE, schema="s;x"), dialect)
    import sqlglot.expressions as exp

    assert isinstance(tree, exp.Select)  # one statement: nothing broke out of its quotes
    tables = {t.name for t in tree.find_all(exp.Table)}
    assert HOSTILE_TABLE in tables
    columns = {c.name for c in tree.find_all(exp.Column)}
    assert {HOSTILE_ID, HOSTILE_FEATURE} <= columns
    strings = {s.this for s in tree.find_all(exp.Literal) if s.is_string}
    assert HOSTILE_NAME in strings
    assert tree.selects[-1].alias == "segment_name"


def test_constants_keep_17_significant_digits(hostile):
    frame, features = hostile
    saved = _saved(frame, features)
    sql = segment_sql(saved, "duckdb")
    assert format(saved.centre[1], ".16e") in sql
    assert format(abs(saved.centres_scaled[2][0]), ".16e") in sql


def test_unknown_dialect_and_missing_id_are_refused(hostile):
    frame, features = hostile
    saved = _saved(frame, features)
    with pytest.raises(SettingsError, match="dialect='oracle' is not one of"):
        segment_sql(saved, "oracle")
    no_id = save_segmentation(frame, fit_segments(frame, features, 2), ["a", "b"])
    with pytest.raises(SettingsError, match="no customer id column"):
        segment_sql(no_id, "duckdb")
    assert '"other"' in segment_sql(no_id, "duckdb", id_column="other")


def test_ties_go_to_the_lowest_segment():
    frame = pd.DataFrame({"id": ["a", "b", "c", "d", "e"], "x": [0.0, 0.0, 2.0, 2.0, 1.0]})
    seg = fit_segments(frame, ["x"], 2, scaler="none")
    saved = save_segmentation(frame, seg, ["low", "high"], id_column="id")
    con = sqlite3.connect(":memory:")
    frame.to_sql("customers", con, index=False)
    rows = dict((i, s) for i, s, _ in con.execute(segment_sql(saved, "sqlite")))
    # "e" (x = 1) is exactly halfway between the centres 0 and 2: segment 1 in both.
    assert rows["e"] == 1 == apply_saved(saved, frame).labels[4] + 1
