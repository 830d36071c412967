"""build_report on hand-checkable toy tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.health import build_report, count_repeats


def report_of(frame: pd.DataFrame, *, id_column="id", numeric=None, dates=()):
    if numeric is None:
        numeric = [c for c in frame.columns if frame[c].dtype == np.float64]
    return build_report(
        frame, id_column=id_column, file_format="csv", numeric_columns=numeric,
        date_columns=dates,
    )


def toy(n: int = 12) -> pd.DataFrame:
    return pd.DataFrame({
        "id": pd.array([f"C{i}" for i in range(n)], dtype="str"),
        "spend": np.arange(n, dtype=float) * 10 + 5,
        "gender": pd.array(["M", "F"] * (n // 2), dtype="str"),
    })


def problems(report, column):
    return [f.problem for f in report.findings if f.column == column]


def test_build_report_counts_rows_columns_and_kinds():
    frame = toy()
    frame["joined"] = pd.array(["2020-01-01"] * 12, dtype="str")
    report = report_of(frame, dates=("joined",))
    assert (report.n_rows, report.n_columns) == (12, 4)
    assert report.numeric_columns == ("spend",)
    assert report.categorical_columns == ("gender",)
    assert report.date_columns == ("joined",)


def test_build_report_missing_counts_and_advice():
    frame = toy()
    frame.loc[[0, 3, 5], "spend"] = np.nan
    report = report_of(frame)
    assert report.missing == {"spend": 3}
    assert problems(report, "spend")[0] == "3 customers (25.0%) have no value"
    finding = next(f for f in report.findings if f.column == "spend")
    assert "median" in finding.advice


def test_build_report_mostly_missing_column_advice_is_to_leave_it_out():
    frame = toy()
    frame["points"] = np.nan
    frame.loc[0, "points"] = 1.0
    report = report_of(frame)
    finding = next(f for f in report.findings if f.column == "points")
    assert "leave this column out" in finding.advice


def test_build_report_duplicate_ids():
    frame = toy()
    frame["id"] = pd.array(["A", "B", "A", "C", "A", "D"] * 2, dtype="str")
    report = report_of(frame)
    assert report.duplicate_ids == 8  # 12 rows, 4 distinct ids
    assert problems(report, "id") == ["8 rows repeat an id already used above"]


def test_build_report_constant_columns():
    frame = toy()
    frame["fee"] = 9.99
    frame["plan"] = pd.array(["basic"] * 12, dtype="str")
    report = report_of(frame)
    assert report.constant_columns == ("fee", "plan")
    assert "has the same value for every customer" in problems(report, "fee")


@pytest.mark.parametrize("name", ["Region", "Channel", "zip_code", "store_id", "Customer No"])
def test_build_report_code_like_by_name(name):
    frame = toy()
    frame[name] = np.array([1, 2, 3] * 4, dtype=float)
    assert name in report_of(frame).code_like_columns


def test_build_report_running_number_is_code_like_but_amounts_are_not():
    frame = toy()
    frame["row"] = np.arange(1, 13, dtype=float)
    frame["NumStorePurchases"] = np.array([1, 2, 3] * 4, dtype=float)
    report = report_of(frame)
    assert report.code_like_columns == ("row",)


def test_build_report_skewed_columns_suggest_log():
    frame = toy()
    frame["income"] = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 100], dtype=float)
    report = report_of(frame)
    expected = round(float(frame["income"].skew()), 3)
    assert report.skewed_columns == {"income": expected}
    assert expected > 3
    finding = next(f for f in report.findings if f.column == "income" and "skewed" in f.problem)
    assert "log transform" in finding.advice


def test_build_report_flags_are_not_called_skewed():
    frame = toy()
    frame["complained"] = np.array([0] * 11 + [1], dtype=float)
    assert "complained" not in report_of(frame).skewed_columns


def test_build_report_correlated_pairs():
    frame = toy()
    frame["double"] = frame["spend"] * 2 + 1
    frame["noise"] = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], dtype=float)
    report = report_of(frame)
    assert report.correlated_pairs == (("spend", "double", 1.0),)
    assert "moves with spend (r=1.00)" in problems(report, "double")


def test_build_report_empty_text_column():
    frame = toy()
    frame["notes"] = pd.array([None] * 12, dtype="str")
    report = report_of(frame)
    assert report.empty_columns == ("notes",)
    assert "notes" not in report.categorical_columns


def test_count_repeats_counts_each_extra_copy():
    import pyarrow as pa

    assert count_repeats(pa.chunked_array([["a", "b", "a", None, None, "a"]])) == 2
    assert count_repeats(pa.chunked_array([["x"]])) == 0


def test_many_correlated_pairs_are_counted_not_listed():
    from segmentation.health import MAX_PAIR_FINDINGS
    from segmentation.io import read_customers

    base = np.random.default_rng(0).normal(size=50)
    cols = ",".join(f"m{j}" for j in range(30))
    rows = [f"c{i}," + ",".join(f"{base[i] * (j + 1):.4f}" for j in range(30)) for i in range(50)]
    data = read_customers(("id," + cols + "\n" + "\n".join(rows)).encode(), name="wide.csv")
    assert len(data.report.correlated_pairs) == 30 * 29 // 2  # every pair is kept in the report
    pair_findings = [f for f in data.report.findings if "moves with" in f.problem]
    assert len(pair_findings) == MAX_PAIR_FINDINGS
    assert any(f"{435 - MAX_PAIR_FINDINGS:,} more pairs" in f.problem for f in data.report.findings)


def test_five_identical_customers_say_nothing_can_be_segmented_first():
    from segmentation.io import read_customers

    data = read_customers(b"income,spend,city\n" + b"40,12.5,Oslo\n" * 5, name="same.csv")
    first = data.report.findings[0]
    assert first.column is None
    assert "single value" in first.problem and "nothing can be segmented" in first.problem
    assert data.report.nothing_to_segment
    assert set(data.report.constant_columns) == {"income", "spend", "city"}


def test_one_varying_column_is_enough_to_segment():
    from segmentation.io import read_customers

    data = read_customers(b"id,income,spend\nA,40,1\nB,40,2\nC,40,3\n", name="one.csv")
    assert not data.report.nothing_to_segment
    assert not any("nothing can be segmented" in f.problem for f in data.report.findings)
    assert problems(data.report, "income") == ["has the same value for every customer"]
