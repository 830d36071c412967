"""Every file of the bad-input corpus through the core: a correct result or a clear error.

The corpus and the behaviour each file deserves live in tests/corpus.py. Here every case
is read with `read_customers` and, when readable, segmented with its settings under both
missing-value policies; then a few cases get the checks particular to them (report
entries, decoding, ids kept as text).

The long file has 200,000 rows here (`corpus.LONG_ROWS_IN_TESTS`); the issue's 1M-row file
is what ``python tests/corpus.py OUTDIR`` writes for the browser.
"""

from __future__ import annotations

import math
import re
from functools import cache

import numpy as np
import pandas as pd
import pytest
from corpus import ADVICE_MATCH, Case, case_named, corpus

from segmentation import (
    DataError,
    SegmentationError,
    SettingsError,
    default_features,
    fit_segments,
    read_customers,
)
from segmentation.io import CustomerData
from segmentation.model import Segmentation

CASES = corpus()
ERRORS = {"DataError": DataError, "SettingsError": SettingsError}


def _ids(cases):
    return [c.name for c in cases]


READ_ERRORS = [c for c in CASES if c.expect == "error" and c.stage == "read"]
FIT_ERRORS = [c for c in CASES if c.expect == "error" and c.stage == "fit"]
READABLE = [c for c in CASES if c.reads]
OK = [c for c in CASES if c.segments]


@cache
def _read(name: str) -> CustomerData:
    case = next(c for c in CASES if c.name == name)
    return read_customers(case.data, name=case.filename)


def read(case: Case) -> CustomerData:
    """The case read once per test session (reading is pure and deterministic)."""
    return _read(case.name)


def features_of(case: Case, data: CustomerData) -> tuple[str, ...]:
    return case.features if case.features is not None else default_features(data)


@cache
def _fit(name: str, missing: str) -> Segmentation:
    case = next(c for c in CASES if c.name == name)
    data = read(case)
    return fit_segments(
        data.frame,
        features_of(case, data),
        case.k,
        missing=missing,
        log_features=case.log_features,
    )


# ---------------------------------------------------------------------------------------
# Errors: the right class, a message that names the problem and says what to do
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", READ_ERRORS, ids=_ids(READ_ERRORS))
def test_bad_file_is_refused_with_a_message_naming_the_problem(case):
    with pytest.raises(ERRORS[case.error], match=case.error_match) as caught:
        read_customers(case.data, name=case.filename)
    assert re.search(ADVICE_MATCH, str(caught.value)), (
        f"the message says what is wrong but not what to do: {caught.value}"
    )


@pytest.mark.parametrize("case", READ_ERRORS, ids=_ids(READ_ERRORS))
def test_bad_file_is_refused_the_same_from_a_file_object(case):
    import io

    with pytest.raises(ERRORS[case.error], match=case.error_match):
        read_customers(io.BytesIO(case.data), name=case.filename)


@pytest.mark.parametrize("case", READ_ERRORS, ids=_ids(READ_ERRORS))
def test_bad_file_is_refused_the_same_from_a_path(case, tmp_path):
    path = tmp_path / case.filename
    path.write_bytes(case.data)
    with pytest.raises(ERRORS[case.error], match=case.error_match):
        read_customers(path)
    with pytest.raises(ERRORS[case.error], match=case.error_match):
        read_customers(str(path))


@pytest.mark.parametrize("case", FIT_ERRORS, ids=_ids(FIT_ERRORS))
@pytest.mark.parametrize("missing", ["drop", "median"])
def test_impossible_settings_are_refused_when_fitting(case, missing):
    data = read(case)
    with pytest.raises(ERRORS[case.error], match=case.error_match) as caught:
        fit_segments(
            data.frame,
            features_of(case, data),
            case.k,
            missing=missing,
            log_features=case.log_features,
        )
    assert re.search(ADVICE_MATCH, str(caught.value)), (
        f"the message says what is wrong but not what to do: {caught.value}"
    )


# ---------------------------------------------------------------------------------------
# Readable files: shape, columns, id, values as written
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", READABLE, ids=_ids(READABLE))
def test_every_customer_row_is_read(case):
    data = read(case)
    assert len(data.frame) == case.n_rows
    assert data.report.n_rows == case.n_rows
    assert isinstance(data.frame.index, pd.RangeIndex) and data.frame.index.start == 0


@pytest.mark.parametrize("case", READABLE, ids=_ids(READABLE))
def test_columns_are_the_files_columns_in_order(case):
    data = read(case)
    assert tuple(data.frame.columns) == case.columns
    assert tuple(data.raw.columns) == case.columns


@pytest.mark.parametrize("case", READABLE, ids=_ids(READABLE))
def test_raw_cells_are_text_of_the_same_shape(case):
    data = read(case)
    assert data.raw.shape == data.frame.shape
    assert data.raw.index.equals(data.frame.index)
    sample = data.raw.iloc[:500]
    assert all(isinstance(v, str) for v in sample.to_numpy().ravel()), "raw holds non-text"


@pytest.mark.parametrize("case", READABLE, ids=_ids(READABLE))
def test_the_customer_id_is_detected_and_read_as_text(case):
    data = read(case)
    assert data.id_column == case.id_column
    if case.id_column is not None:
        ids = data.frame[case.id_column]
        assert pd.api.types.is_string_dtype(ids), f"id column read as {ids.dtype}"
        assert case.id_column not in default_features(data)


@pytest.mark.parametrize(
    "case", [c for c in READABLE if c.numbers], ids=_ids([c for c in READABLE if c.numbers])
)
def test_numbers_are_read_as_written(case):
    data = read(case)
    for column, expected in case.numbers:
        got = data.frame[column]
        assert pd.api.types.is_float_dtype(got), f"{column!r} read as {got.dtype}, not numbers"
        np.testing.assert_allclose(
            got.to_numpy(dtype=float, na_value=np.nan)[: len(expected)],
            np.asarray(expected, dtype=float),
            rtol=1e-12,
            err_msg=f"column {column!r}",
        )


@pytest.mark.parametrize(
    "case", [c for c in READABLE if c.texts], ids=_ids([c for c in READABLE if c.texts])
)
def test_text_is_read_exactly_as_written(case):
    data = read(case)
    for column, expected in case.texts:
        # An empty text cell may be missing (<NA>) in the typed frame; never anything else.
        typed = ["" if pd.isna(v) else v for v in data.frame[column]]
        assert typed == list(expected), f"column {column!r}"
        assert data.raw[column].tolist() == list(expected), f"raw column {column!r}"


# ---------------------------------------------------------------------------------------
# Readable and sensible files segment under both missing-value policies
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", OK, ids=_ids(OK))
@pytest.mark.parametrize("missing", ["drop", "median"])
def test_good_file_segments_every_complete_customer(case, missing):
    data = read(case)
    features = features_of(case, data)
    assert features, "no default features for a file with numeric behaviour columns"
    seg = _fit(case.name, missing)
    assert len(seg.labels) == case.n_rows
    assigned = seg.labels >= 0
    assert set(np.unique(seg.labels[assigned])) <= set(range(case.k))
    assert sum(seg.sizes) == assigned.sum()
    assert np.isfinite(seg.centres.to_numpy()).all(), "centres are not finite"
    values = data.frame[list(features)].to_numpy(dtype=float, na_value=np.nan)
    complete = np.isfinite(values).all(axis=1)
    if missing == "median":
        assert assigned.all(), "with 'median' every customer gets a segment"
    else:
        assert (assigned == complete).all(), "with 'drop' exactly the complete rows get one"
        assert all(r for r in seg.reasons[~assigned]), "an unassigned customer has no reason"


# ---------------------------------------------------------------------------------------
# Case by case: what the report and the frame must say
# ---------------------------------------------------------------------------------------


def test_ten_identical_rows_report_nine_duplicate_ids_and_constant_columns():
    data = read(case_named("ten_identical_rows"))
    assert data.report.duplicate_ids == 9
    assert {"income", "spend"} <= set(data.report.constant_columns)


def test_utf16_is_decoded_as_utf16():
    data = read(case_named("utf16_bom"))
    assert "16" in (data.report.encoding or "")


def test_cp1252_is_decoded_as_cp1252_not_latin1():
    data = read(case_named("cp1252_names"))
    assert (data.report.encoding or "").lower().replace("-", "") in {"cp1252", "windows1252"}
    assert "Umsatz €" in data.frame.columns


def test_utf8_bom_is_not_part_of_the_first_column_name():
    data = read(case_named("utf8_bom"))
    assert data.frame.columns[0] == "customer_id"


def test_semicolon_file_reports_its_delimiter_and_decimal_comma():
    report = read(case_named("semicolon_decimal_comma")).report
    assert report.delimiter == ";"
    assert report.decimal == ","


@pytest.mark.parametrize(("name", "delimiter"), [("tab_delimited", "\t"), ("pipe_delimited", "|")])
def test_delimiter_is_detected(name, delimiter):
    assert read(case_named(name)).report.delimiter == delimiter


def test_currency_and_percent_columns_are_numbers_and_reported_as_converted():
    case = case_named("currency_and_percent")
    data = read(case)
    converted = {column for column, _how in data.report.converted_columns}
    assert {"revenue", "discount"} <= converted
    assert data.frame.loc[4, "revenue"] == -45.0, "a refund written -$45.00 is -45"
    # '12%' is read as 12, the number the marketer wrote, and the report says so.
    raw = np.array([float(v.rstrip("%")) for v in data.raw["discount"]])
    np.testing.assert_array_equal(data.frame["discount"].to_numpy(dtype=float), raw)
    assert any(c == "discount" and "percent" in how for c, how in data.report.converted_columns)


def test_quoted_cells_do_not_change_the_delimiter():
    assert read(case_named("quoted_newlines_and_delimiters")).report.delimiter == ","


def test_short_rows_are_reported_as_missing_values():
    report = read(case_named("ragged_short_rows")).report
    assert report.missing.get("spend") == 2
    assert report.missing.get("income") == 1


def test_ragged_long_row_error_names_the_line():
    case = case_named("ragged_long_rows")
    with pytest.raises(DataError) as caught:
        read_customers(case.data, name=case.filename)
    # The header is line 1, so the 7th customer (with two extra cells) is on line 8.
    assert re.search(r"\b8\b", str(caught.value)), str(caught.value)


def test_repeated_header_line_is_removed_and_reported():
    report = read(case_named("header_repeated_mid_file")).report
    assert any("header" in f"{f.problem} {f.advice}".lower() for f in report.findings), (
        "the removed header line is not mentioned in the report"
    )


def test_missing_markers_are_counted():
    data = read(case_named("missing_markers"))
    assert data.report.missing.get("orders") == 8


def test_missing_markers_stay_as_written_in_raw():
    data = read(case_named("missing_markers"))
    raw = data.raw["orders"]
    assert [raw[j] for j in (2, 5, 8, 11, 14, 17, 20, 23)] == [
        "NaN",
        "",
        "inf",
        "-",
        "N/A",
        "null",
        "-inf",
        "NULL",
    ]


def test_missing_markers_drop_policy_gives_a_reason_naming_the_column():
    case = case_named("missing_markers")
    data = read(case)
    seg = fit_segments(data.frame, ["income", "orders"], 3, missing="drop")
    unassigned = np.flatnonzero(seg.labels < 0).tolist()
    assert unassigned == [2, 5, 8, 11, 14, 17, 20, 23]
    assert all("orders" in seg.reasons[j] for j in unassigned)


def test_mostly_missing_column_is_reported_and_not_a_default_feature():
    data = read(case_named("column_99pct_missing"))
    assert data.report.missing.get("loyalty_points") == 198
    assert any(f.column == "loyalty_points" for f in data.report.findings)
    assert "loyalty_points" not in default_features(data)


def test_constant_column_is_reported_and_not_a_default_feature():
    data = read(case_named("constant_column"))
    assert "plan_fee" in data.report.constant_columns
    assert "plan_fee" not in default_features(data)


def test_huge_values_segment_on_every_feature():
    case = case_named("huge_values")
    data = read(case)
    assert "lifetime_value" in default_features(data)
    seg = fit_segments(data.frame, ["lifetime_value"], 2)
    # Two groups by size of value: the split must follow the values, not overflow noise.
    values = data.frame["lifetime_value"].to_numpy()
    low, high = values[seg.labels == 0], values[seg.labels == 1]
    assert low.max() < high.min() or high.max() < low.min()


def test_duplicate_ids_are_counted_and_every_row_kept():
    data = read(case_named("duplicate_ids"))
    assert data.report.duplicate_ids == 5
    assert len(data.frame) == 30


def test_leading_zero_ids_and_postcodes_keep_their_zeros():
    data = read(case_named("ids_leading_zeros"))
    assert data.frame["customer_id"].iloc[0] == "00120"
    assert data.raw["postcode"].iloc[0] == "02100"
    assert "postcode" not in default_features(data), "a postcode is a code, not an amount"


def test_date_like_ids_stay_text_and_dates_are_reported():
    data = read(case_named("ids_look_like_dates"))
    assert "signup_date" in data.report.date_columns
    assert set(default_features(data)) == {"income", "spend"}


def test_hostile_column_names_are_kept_exactly():
    case = case_named("hostile_column_names")
    data = read(case)
    assert tuple(data.frame.columns) == case.columns
    assert set(default_features(data)) == set(case.columns[1:])


def test_wide_file_uses_every_metric_column():
    case = next(c for c in CASES if c.name.startswith("wide_"))
    data = read(case)
    assert len(default_features(data)) == len(case.columns) - 1


def test_the_long_file_reports_a_sampled_silhouette():
    case = next(c for c in CASES if c.name.startswith("long_"))
    data = read(case)
    seg = fit_segments(data.frame, ["income", "spend"], 4)
    assert seg.silhouette_sample is not None
    assert sum(seg.sizes) == case.n_rows


def test_a_caller_chosen_id_column_is_read_as_text():
    case = case_named("no_id_column")
    data = read_customers(case.data, name=case.filename, id_column="income")
    assert data.id_column == "income"
    assert pd.api.types.is_string_dtype(data.frame["income"])
    assert data.frame["income"].tolist() == data.raw["income"].tolist()


def test_an_unknown_id_column_is_refused_naming_it():
    case = case_named("no_id_column")
    with pytest.raises(DataError, match="nope"):
        read_customers(case.data, name=case.filename, id_column="nope")


def _outcome(case: Case) -> str:
    """"ok", or where and which of the core's own errors stopped the case."""
    try:
        _read(case.name)
    except SegmentationError as exc:
        return f"read: {type(exc).__name__}"
    try:
        _fit(case.name, "drop")
    except SegmentationError as exc:
        return f"fit: {type(exc).__name__}"
    return "ok"


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_every_case_ends_as_expected_and_only_in_the_cores_own_errors(case):
    """Whatever the file, the core raises its own errors only (the app catches those),
    and at the stage the case expects; any other exception fails this test."""
    expected = "ok" if case.expect == "ok" else f"{case.stage}: {case.error}"
    assert _outcome(case) == expected


def test_the_corpus_covers_the_issue_list():
    names = {c.name for c in CASES}
    assert len(names) >= 40
    for needed in (
        "empty",
        "header_only",
        "one_row",
        "two_rows",
        "ten_identical_rows",
        "only_id_column",
        "only_text_columns",
        "png_renamed_csv",
        "zip_renamed_csv",
        "utf16_bom",
        "cp1252_names",
        "utf8_bom",
        "semicolon_decimal_comma",
        "quoted_newlines_and_delimiters",
        "ragged_short_rows",
        "ragged_long_rows",
        "trailing_delimiter_everywhere",
        "duplicate_column_names",
        "header_repeated_mid_file",
        "missing_markers",
        "column_99pct_missing",
        "constant_column",
        "huge_values",
        "negative_with_log",
        "duplicate_ids",
        "ids_leading_zeros",
        "ids_look_like_numbers",
        "ids_look_like_dates",
        "currency_and_percent",
        "hostile_column_names",
        "formula_cells",
    ):
        assert needed in names
    assert math.isfinite(sum(len(c.data) for c in CASES))


def test_identical_customers_error_does_not_suggest_a_k_that_also_fails():
    """Ten copies of one customer: no k works, so the advice must not offer one."""
    data = read(case_named("ten_identical_rows"))
    with pytest.raises(SettingsError, match=r"(?i)distinct|identical") as caught:
        fit_segments(data.frame, ["income", "spend"], 2)
    assert not re.search(r"between 2 and", str(caught.value)), str(caught.value)


def test_a_million_row_file_is_read_segmented_and_exported_whole():
    """The issue's very long file at full size: every customer read, segmented, exported."""
    import io

    import pyarrow.csv as pacsv
    from corpus import long_case

    from segmentation import labelled_customers, profile_segments, to_csv_bytes

    case = long_case(1_000_000)
    data = read_customers(case.data, name=case.filename)
    assert data.report.n_rows == 1_000_000
    seg = fit_segments(data.frame, ["income", "spend"], 4)
    assert sum(seg.sizes) == 1_000_000
    names = profile_segments(data.frame, seg).names
    exported = pacsv.read_csv(
        io.BytesIO(to_csv_bytes(labelled_customers(data, seg, names))),
        convert_options=pacsv.ConvertOptions(strings_can_be_null=False, column_types={
            "customer_id": "string", "income": "string", "segment": "string"
        }),
    )
    assert exported.num_rows == 1_000_000
    ids = exported.column("customer_id").to_pylist()
    assert ids[0] == "C0000001" and ids[-1] == "C1000000"
    assert ids == data.raw["customer_id"].tolist()
    assert exported.column("income").to_pylist() == data.raw["income"].tolist()
    assert set(exported.column("segment").to_pylist()) == {"1", "2", "3", "4"}
