"""read_customers: formats, encodings, delimiters, number formats, ids, and clear errors."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from corpus import corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import DataError, read_customers
from segmentation.io import MIN_CUSTOMERS

PLAIN = b"customer_id,income,spend\nC1,100,1.5\nC2,200,2.5\nC3,300,3.5\n"


def read_text(text: str, **kwargs):
    return read_customers(text.encode("utf-8"), **kwargs)


def nums(data, column):
    return data.frame[column].tolist()


# ---------------------------------------------------------------------------------------
# Sources and formats
# ---------------------------------------------------------------------------------------


def test_read_customers_accepts_bytes_path_and_file_object(tmp_path):
    path = tmp_path / "shop.csv"
    path.write_bytes(PLAIN)
    for source in (PLAIN, path, str(path), io.BytesIO(PLAIN)):
        data = read_customers(source)
        assert nums(data, "income") == [100.0, 200.0, 300.0]
    assert read_customers(path).name == "shop"
    assert read_customers(PLAIN).name == "customers"
    assert read_customers(PLAIN, name="mall_customers.csv").name == "mall_customers"


def test_read_customers_frame_and_raw_have_the_same_shape_and_index():
    data = read_customers(PLAIN)
    assert data.frame.shape == data.raw.shape == (3, 3)
    assert list(data.frame.columns) == list(data.raw.columns) == ["customer_id", "income", "spend"]
    assert isinstance(data.frame.index, pd.RangeIndex)
    assert data.frame["income"].dtype == np.float64
    assert data.raw["income"].tolist() == ["100", "200", "300"]


@pytest.mark.parametrize(
    ("delimiter", "expected"), [(",", ","), (";", ";"), ("\t", "\t"), ("|", "|")]
)
def test_read_customers_sniffs_the_delimiter(delimiter, expected):
    text = PLAIN.decode().replace(",", delimiter)
    data = read_text(text)
    assert data.report.delimiter == expected
    assert nums(data, "spend") == [1.5, 2.5, 3.5]


def test_read_customers_quoted_fields_keep_embedded_delimiters_and_newlines():
    text = 'id,note,spend\nA,"hello, world",1\nB,"two\nlines",2\nC,"say ""hi""",3\n'
    data = read_text(text)
    assert data.raw["note"].tolist() == ["hello, world", "two\nlines", 'say "hi"']
    assert nums(data, "spend") == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
     ("cp1252", "cp1252")],
)
def test_read_customers_decodes_text(encoding, reported):
    text = "id,name,spend\nA,José,1\nB,Müller €,2\nC,Zoë,3\n"
    data = read_customers(text.encode(encoding))
    assert data.report.encoding == reported
    assert list(data.frame.columns) == ["id", "name", "spend"]  # no BOM in the first name
    assert data.raw["name"].tolist() == ["José", "Müller €", "Zoë"]


def test_read_customers_latin1_fallback_when_cp1252_cannot_decode():
    payload = "id,name,spend\nA,x\x81y,1\nB,é,2\nC,z,3\n".encode("latin-1")
    data = read_customers(payload)
    assert data.report.encoding == "latin-1"
    assert data.raw["name"].tolist() == ["x\x81y", "é", "z"]


def test_read_customers_reads_xlsx_first_sheet_and_named_sheet():
    frame = pd.DataFrame({"id": ["00123", "00124", "00125"], "spend": [1, 2.5, 3]})
    other = pd.DataFrame({"id": ["A", "B", "C"], "visits": [7, 8, 9]})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="first", index=False)
        other.to_excel(writer, sheet_name="second", index=False)
    data = read_customers(buffer.getvalue(), name="book.xlsx")
    assert data.report.file_format == "xlsx"
    assert data.raw["spend"].tolist() == ["1", "2.5", "3"]
    assert data.frame["id"].tolist() == ["00123", "00124", "00125"]
    second = read_customers(buffer.getvalue(), sheet="second")
    assert nums(second, "visits") == [7.0, 8.0, 9.0]
    with pytest.raises(DataError, match="no sheet named 'third'.*'first', 'second'"):
        read_customers(buffer.getvalue(), sheet="third")


def test_read_customers_reads_parquet():
    frame = pd.DataFrame({"id": ["a", "b", "c"], "spend": [1.5, None, 3.0], "n": [1, 2, 3]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    data = read_customers(buffer.getvalue())
    assert data.report.file_format == "parquet"
    assert data.report.delimiter is None
    assert data.raw["spend"].tolist() == ["1.5", "", "3"]
    assert nums(data, "n") == [1.0, 2.0, 3.0]
    assert data.report.missing == {"spend": 1}


# ---------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------


def test_read_customers_semicolon_decimal_comma():
    text = "id;revenue;rate\nA;1.234,50;12,5\nB;2,00;3\nC;10.000;0,25\n"
    data = read_text(text)
    assert data.report.decimal == ","
    assert nums(data, "revenue") == [1234.5, 2.0, 10000.0]
    assert nums(data, "rate") == [12.5, 3.0, 0.25]
    assert dict(data.report.converted_columns)["rate"].startswith("decimal comma")


def test_read_customers_currency_and_thousands_are_numbers():
    text = 'id,revenue\nA,"$1,234.50"\nB,$20\nC,"£1,000,000"\n'
    data = read_text(text)
    assert nums(data, "revenue") == [1234.5, 20.0, 1_000_000.0]
    how = dict(data.report.converted_columns)["revenue"]
    assert "currency signs removed" in how and "thousands separators removed" in how
    assert data.raw["revenue"].tolist() == ["$1,234.50", "$20", "£1,000,000"]


def test_read_customers_percent_sign_is_removed():
    data = read_text("id,discount\nA,12%\nB,5.5%\nC,0%\n")
    assert nums(data, "discount") == [12.0, 5.5, 0.0]
    assert "percent sign removed" in dict(data.report.converted_columns)["discount"]


@pytest.mark.parametrize(
    "marker", ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "-", "--", "?",
               "inf", "-inf", "Infinity"],
)
def test_read_customers_missing_markers_are_nan_in_numeric_columns(marker):
    data = read_text(f"id,spend\nA,1\nB,{marker}\nC,3\n")
    values = data.frame["spend"].to_numpy()
    assert values[0] == 1.0 and np.isnan(values[1]) and values[2] == 3.0
    assert data.report.missing == {"spend": 1}
    assert data.raw["spend"].tolist()[1] == marker


def test_read_customers_text_column_is_not_numeric():
    data = read_text("id,gender,spend\nA,Male,1\nB,Female,2\nC,Male,3\n")
    assert data.frame["gender"].dtype == "str"
    assert data.report.categorical_columns == ("gender",)


# ---------------------------------------------------------------------------------------
# Ids
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["id", "customer_id", "CustomerID", "Customer ID", "cust", "client_id", "user_id"]
)
def test_read_customers_detects_id_by_name_and_reads_it_as_text(name):
    data = read_text(f"spend,{name}\n1,00123\n2,00124\n3,00125\n")
    assert data.id_column == name
    assert data.frame[name].tolist() == ["00123", "00124", "00125"]
    assert name not in data.report.numeric_columns


def test_read_customers_detects_unique_text_id_without_id_name():
    data = read_text("account,gender,spend\nC10001,M,1\nC10002,F,2\nC10003,M,3\n")
    assert data.id_column == "account"
    assert data.report.id_candidates[0] == "account"


def test_read_customers_id_override_reads_column_as_text():
    data = read_text("code,spend,visits\nA,1,007\nB,2,008\nC,3,009\n", id_column="visits")
    assert data.id_column == "visits"
    assert data.frame["visits"].tolist() == ["007", "008", "009"]
    with pytest.raises(DataError, match="no column named 'nope'.*'code', 'spend', 'visits'"):
        read_text("code,spend,visits\nA,1,7\nB,2,8\nC,3,9\n", id_column="nope")


def test_read_customers_leading_zero_numbers_are_codes_not_amounts():
    data = read_text("id,zip,spend\nA,01234,1\nB,02345,2\nC,12345,3\n")
    assert "zip" not in data.report.numeric_columns
    assert data.frame["zip"].tolist() == ["01234", "02345", "12345"]


def test_read_customers_no_id_column_is_reported():
    data = read_text("spend,visits\n1,2\n1,3\n2,2\n")
    assert data.id_column is None
    assert any("No customer id" in f.problem for f in data.report.findings)


# ---------------------------------------------------------------------------------------
# Awkward shapes
# ---------------------------------------------------------------------------------------


def test_read_customers_trailing_delimiter_column_is_dropped():
    data = read_text("id,spend,\nA,1,\nB,2,\nC,3,\n")
    assert list(data.frame.columns) == ["id", "spend"]
    assert any("no name and no values" in f.problem for f in data.report.findings)


def test_read_customers_repeated_header_rows_are_dropped():
    data = read_text("id,spend\nA,1\nB,2\nid,spend\nC,3\n")
    assert data.raw["id"].tolist() == ["A", "B", "C"]
    assert any("repeated 1 times" in f.problem for f in data.report.findings)


def test_read_customers_short_rows_are_padded():
    data = read_text("id,spend,visits\nA,1,2\nB,2\nC,3,4\n")
    assert data.raw["visits"].tolist() == ["2", "", "4"]
    assert data.report.missing == {"visits": 1}


def test_read_customers_rows_with_extra_empty_fields_are_accepted():
    data = read_text("id,spend\nA,1,\nB,2\nC,3,,\n")
    assert nums(data, "spend") == [1.0, 2.0, 3.0]


def test_read_customers_blank_lines_are_not_customers():
    data = read_text("id,spend\n\nA,1\n\nB,2\nC,3\n\n")
    assert data.report.n_rows == 3


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("final", ["\r", ""])
def test_read_customers_reads_old_mac_line_ends(delimiter, final):
    lines = ["id,note,spend,visits", 'A,"two\rlines",1.5,2', "B,b,2.5,3", "C,c,3.5,", "D,d,4,5"]
    unix = "\n".join(lines).replace(",", delimiter) + "\n"
    mac = "\r".join(lines).replace(",", delimiter) + final
    data, expected = read_text(mac), read_text(unix)
    assert data.frame.equals(expected.frame)
    assert data.raw.equals(expected.raw)
    assert data.raw_head(2).equals(expected.raw.head(2))
    assert data.raw["note"].tolist() == ["two\rlines", "b", "c", "d"]


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("data.csv", date_time=(2024, 1, 1, 0, 0, 0)), PLAIN)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b"", "The file is empty"),
        (b"  \n\n", "The file is empty"),
        (b"id,spend\n", "header row but no customers"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a table.*PNG image.*upload a CSV"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "not a table.*JPEG"),
        (b"%PDF-1.4\n%\xe2\xe3", "not a table.*PDF"),
        (_zip_bytes(), "not a table.*zip archive"),
        (b"\x01\x02\x00\x00\xfe\x00binary", "not a table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", r"old Excel \.xls"),
        (b"id,spend,spend\nA,1,2\nB,2,3\nC,3,4\n", "Duplicate column names: 'spend'"),
        (b"id,note\nA,x\nB,y\nC,z\n", "No numeric columns to segment on"),
        (b"customer_id\nA\nB\nC\n", "No numeric columns.*customer id"),
        (b"id,spend\nA,1\nB,2\n", f"has 2 customers; segmenting needs at least {MIN_CUSTOMERS}"),
        (b"id,spend\nA,1\n", "has 1 customer;"),
        (b"id,spend\nA,1\nB,2,7\nC,3\n", "Line 3 has 3 values but the header has 2"),
    ],
)
def test_read_customers_refuses_bad_files_with_a_clear_message(payload, match):
    with pytest.raises(DataError, match=match):
        read_customers(payload)


def test_read_customers_refuses_a_missing_path(tmp_path):
    with pytest.raises(DataError, match="There is no file"):
        read_customers(tmp_path / "absent.csv")


# ---------------------------------------------------------------------------------------
# Real datasets
# ---------------------------------------------------------------------------------------


def test_read_customers_mall(datasets_dir):
    data = read_customers(datasets_dir / "mall_customers.csv")
    report = data.report
    assert data.id_column == "CustomerID" and data.frame["CustomerID"].iloc[0] == "1"
    assert report.numeric_columns == ("Age", "Annual Income (k$)", "Spending Score (1-100)")
    assert report.categorical_columns == ("Gender",)
    assert report.n_rows == 200 and report.missing == {}


def test_read_customers_wholesale_codes(datasets_dir):
    report = read_customers(datasets_dir / "wholesale_customers.csv").report
    assert report.id_column == "Customer ID"
    assert set(report.code_like_columns) == {"Channel", "Region"}
    assert "Fresh" in report.skewed_columns


def test_read_customers_marketing_campaign(datasets_dir):
    data = read_customers(datasets_dir / "marketing_campaign.csv")
    report = data.report
    assert report.encoding == "utf-8-sig" and data.id_column == "ID"
    assert report.date_columns == ("Dt_Customer",)
    assert data.frame["Dt_Customer"].iloc[0] == "04/09/2012"
    assert report.missing["Income"] == 24
    assert {"Z_CostContact", "Z_Revenue"} <= set(report.constant_columns)
    assert {"Education", "Marital_Status"} == set(report.categorical_columns)


def test_read_customers_cc_general(datasets_dir):
    data = read_customers(datasets_dir / "cc_general.csv")
    assert data.id_column == "customer_id"
    assert data.frame["customer_id"].iloc[0] == "C10001"
    assert data.report.missing["minimum_payment"] == 313
    assert data.report.n_rows == 8950


def test_read_customers_every_shared_dataset_reads(datasets_dir):
    files = sorted(datasets_dir.glob("*.csv"))
    assert len(files) >= 4
    for path in files:
        data = read_customers(path)
        assert data.report.numeric_columns, path.name
        assert data.id_column is not None, path.name
        assert len(data.frame) == len(data.raw) == data.report.n_rows


# ---------------------------------------------------------------------------------------
# Property: what was written is what is read
# ---------------------------------------------------------------------------------------

_finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.tuples(_finite, _finite), min_size=3, max_size=30),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_read_customers_round_trips_a_numeric_table(values, delimiter):
    frame = pd.DataFrame(values, columns=["a", "b"])
    frame.insert(0, "id", [f"C{i:05d}" for i in range(len(frame))])
    text = frame.to_csv(index=False, sep=delimiter)
    data = read_text(text)
    np.testing.assert_array_equal(data.frame[["a", "b"]].to_numpy(), frame[["a", "b"]].to_numpy())
    written = list(csv.reader(io.StringIO(text), delimiter=delimiter))[1:]
    assert data.raw.to_numpy().tolist() == written
    assert data.frame["id"].tolist() == frame["id"].tolist()


# ---------------------------------------------------------------------------------------
# Typed fast path and the lazy raw cells
# ---------------------------------------------------------------------------------------


def _long_csv(tail_row: str, rows: int = 5000) -> bytes:
    body = "".join(f"C{i},{i % 97},{i % 13}.5\n" for i in range(rows))
    return ("customer_id,visits,spend\n" + body + tail_row).encode("utf-8")


@pytest.mark.parametrize(
    ("tail", "visits", "spend"),
    [
        ("CX,NA,2.5\n", None, 2.5),  # a marker far below the typed sample
        ("CX,7,$2.50\n", 7.0, 2.5),  # currency far below: the text path cleans it
        ("CX,007,2.5\n", "code", 2.5),  # a leading zero anywhere makes a code
    ],
)
def test_typed_read_agrees_with_the_text_path_past_its_sample(tail, visits, spend):
    data = read_customers(_long_csv(tail), name="x.csv")
    last = data.frame.iloc[-1]
    if visits == "code":
        assert "visits" not in data.report.numeric_columns
        assert data.frame["visits"].iloc[-1] == "007"
    elif visits is None:
        assert np.isnan(last["visits"])
    else:
        assert last["visits"] == visits
    assert last["spend"] == spend
    assert data.raw.iloc[-1].tolist() == tail.strip().split(",")
    assert data.raw.shape == data.frame.shape


def test_raw_is_built_on_first_access_and_survives_pickling():
    import pickle

    data = read_customers(_long_csv("CX,1,2\n"), name="x.csv")
    assert "raw" not in data.__dict__
    copy = pickle.loads(pickle.dumps(data))
    assert copy.raw.equals(data.raw)
    assert data.raw["customer_id"].iloc[0] == "C0"
    assert list(data.raw.index) == list(data.frame.index)


def test_from_frames_keeps_the_given_raw():
    from segmentation.io import CustomerData

    data = read_customers(PLAIN)
    again = CustomerData.from_frames(data.frame, data.raw, id_column=data.id_column,
                                     name=data.name, report=data.report)
    assert again.raw.equals(data.raw)


# ---------------------------------------------------------------------------------------
# raw_head: a preview without the whole text table
# ---------------------------------------------------------------------------------------

RAW_HEAD_CASES = [c for c in corpus() if c.expect == "ok"]


def _check_raw_head(data, n_rows: int) -> None:
    for n in (0, 1, 20, n_rows + 5):
        head = data.raw_head(n)
        assert "raw" not in data.__dict__, "raw_head built the whole text table"
        pd.testing.assert_frame_equal(head, data.raw.head(n))
        assert list(head.index) == list(range(min(n, n_rows)))
        data.__dict__.pop("raw")
    data.raw  # noqa: B018 (built once: raw_head then uses it)
    pd.testing.assert_frame_equal(data.raw_head(3), data.raw.head(3))


@pytest.mark.parametrize("case", RAW_HEAD_CASES, ids=[c.name for c in RAW_HEAD_CASES])
def test_raw_head_is_the_top_of_raw_for_every_corpus_file(case):
    data = read_customers(case.data, name=case.filename)
    _check_raw_head(data, len(data.frame))


@pytest.mark.parametrize(
    "dataset", ["mall_customers", "wholesale_customers", "marketing_campaign", "cc_general"]
)
def test_raw_head_is_the_top_of_raw_for_every_dataset(dataset, datasets_dir):
    data = read_customers(datasets_dir / f"{dataset}.csv")
    _check_raw_head(data, len(data.frame))


def test_raw_head_of_given_frames_and_bad_row_counts():
    from segmentation.io import CustomerData

    data = read_customers(PLAIN)
    again = CustomerData.from_frames(data.frame, data.raw, id_column=data.id_column,
                                     name=data.name, report=data.report)
    pd.testing.assert_frame_equal(again.raw_head(2), data.raw.head(2))
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="whole number of rows"):
            data.raw_head(bad)
