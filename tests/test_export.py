"""Exports: nothing lost (every row, every original cell) and nothing injected (formulas)."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.errors import SettingsError
from segmentation.export import (
    FORMULA_STARTS,
    labelled_customers,
    neutralise,
    segment_columns,
    segment_customers,
    to_csv_bytes,
)
from segmentation.io import read_customers
from segmentation.model import fit_segments

UPLOAD = (
    "customer_id,Annual Income,spend,note\n"
    '007,15,39,=HYPERLINK("http://evil")\n'
    "008,16,81,plain\n"
    "009,,6,missing income\n"
    "010,17,40,-\n"
    "011,87,80,@SUM(A1)\n"
    "012,88,12,-12.5\n"
    '013,90,85,"with, comma"\n'
    "014,85,14,+3\n"
)


def read_back(data: bytes) -> pd.DataFrame:
    """A download as a spreadsheet user's tool would read it: every cell as text."""
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def undo_neutralising(written: str, original: str) -> str:
    """The original cell, removing our leading quote only where we added one."""
    if written == "'" + original and original[:1] in FORMULA_STARTS:
        return original
    return written


@pytest.fixture(scope="module")
def upload():
    data = read_customers(UPLOAD.encode(), name="upload.csv")
    seg = fit_segments(data.frame, ["Annual Income", "spend"], 2)
    return data, seg


def test_labelled_customers_keeps_every_row_in_order_with_the_uploaded_text(upload):
    data, seg = upload
    table = labelled_customers(data, seg, ("A", "B"))
    original = list(csv.reader(io.StringIO(UPLOAD)))
    assert table.columns.tolist() == [*original[0], "segment", "segment_name", "unassigned_reason"]
    assert table[original[0]].to_numpy().tolist() == original[1:]
    assert table["customer_id"].tolist()[0] == "007"  # the id stays text


def test_labelled_customers_marks_unassigned_rows_with_a_reason(upload):
    data, seg = upload
    table = labelled_customers(data, seg, ("A", "B"))
    unassigned = table[table["customer_id"] == "009"].iloc[0]
    assert unassigned["segment"] == "" and unassigned["segment_name"] == ""
    assert "Annual Income" in unassigned["unassigned_reason"]
    assigned = table[table["customer_id"] != "009"]
    assert set(assigned["segment"]) == {"1", "2"}
    assert (assigned["unassigned_reason"] == "").all()
    names = dict(zip(assigned["segment"], assigned["segment_name"]))
    assert names == {"1": "A", "2": "B"}


def test_download_reread_gives_the_uploaded_cells_cell_by_cell(upload):
    data, seg = upload
    back = read_back(to_csv_bytes(labelled_customers(data, seg, ("A", "B"))))
    original = list(csv.reader(io.StringIO(UPLOAD)))
    assert back.columns.tolist()[:4] == original[0]
    for row, expected in zip(back[original[0]].to_numpy().tolist(), original[1:]):
        assert [undo_neutralising(w, o) for w, o in zip(row, expected)] == expected
    notes = back["note"].tolist()
    assert notes[0] == '\'=HYPERLINK("http://evil")'
    assert notes[3:6] == ["'-", "'@SUM(A1)", "-12.5"]
    assert notes[7] == "+3"


def test_segment_columns_do_not_clobber_the_users_columns():
    assert segment_columns(["id", "x"]) == ("segment", "segment_name", "unassigned_reason")
    assert segment_columns(["id", "Segment"]) == (
        "segment_new",
        "segment_name_new",
        "unassigned_reason_new",
    )
    assert segment_columns(["segment_name", "unassigned_reason_new"])[0] == "segment_new_2"


def fake(raw: pd.DataFrame, labels, reasons=None, k=None):
    labels = np.asarray(labels, dtype=np.int64)
    if reasons is None:
        reasons = np.where(labels < 0, "missing x", "").astype(object)
    k = int(labels.max()) + 1 if k is None else k
    return SimpleNamespace(raw=raw), SimpleNamespace(k=k, labels=labels, reasons=reasons)


def test_labelled_customers_keeps_an_existing_segment_column():
    raw = pd.DataFrame({"id": ["a", "b", "c"], "segment": ["old1", "old2", "old3"]}, dtype="str")
    data, seg = fake(raw, [0, 1, -1])
    table = labelled_customers(data, seg, ("A", "B"))
    assert table["segment"].tolist() == ["old1", "old2", "old3"]
    assert table["segment_new"].tolist() == ["1", "2", ""]
    assert table["segment_name_new"].tolist() == ["A", "B", ""]
    assert table["unassigned_reason_new"].tolist() == ["", "", "missing x"]


def test_labelled_customers_refuses_mismatched_names_or_rows():
    raw = pd.DataFrame({"id": ["a", "b", "c"]}, dtype="str")
    data, seg = fake(raw, [0, 1, 1])
    with pytest.raises(SettingsError, match="1 names given for 2 segments"):
        labelled_customers(data, seg, ("A",))
    data, seg = fake(raw.iloc[:2], [0, 1, 1])
    with pytest.raises(SettingsError, match="3 customers but the table has 2 rows"):
        labelled_customers(data, seg, ("A", "B"))


def test_segment_customers_lists_one_segment(upload):
    data, seg = upload
    table = labelled_customers(data, seg, ("A", "B"))
    for s in (1, 2):
        rows = segment_customers(data, seg, ("A", "B"), s)
        assert (rows["segment"] == str(s)).all()
        assert (
            rows["customer_id"].tolist()
            == table["customer_id"][table["segment"] == str(s)].tolist()
        )


@pytest.mark.parametrize("segment", [0, 3, -1])
def test_segment_customers_refuses_unknown_segments(upload, segment):
    data, seg = upload
    with pytest.raises(SettingsError, match="choose a segment from 1 to 2"):
        segment_customers(data, seg, ("A", "B"), segment)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("-", "'-"),
        ("-x", "'-x"),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("-0", "-0"),
        ("1e-5", "1e-5"),
        ("-1e-5", "-1e-5"),
        ("-1,234.50", "-1,234.50"),
        ("-1.234,50", "-1.234,50"),
        ("-$5", "-$5"),
        ("-12%", "-12%"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_neutralises_formulas_but_not_numbers(cell, written):
    assert neutralise(cell) == written
    frame = pd.DataFrame({"cell": pd.array([cell, "x"], dtype="str")})
    assert read_back(to_csv_bytes(frame))["cell"].tolist() == [written, "x"]


def test_csv_neutralises_column_names_and_keeps_numeric_columns():
    frame = pd.DataFrame({"=cmd": [-1.5, 2.0], "n": [-3, 4], "o": [None, "-x"]})
    back = read_back(to_csv_bytes(frame))
    assert back.columns.tolist() == ["'=cmd", "n", "o"]
    assert back["'=cmd"].tolist() == ["-1.5", "2"]
    assert back["n"].tolist() == ["-3", "4"]
    assert back["o"].tolist() == ["", "'-x"]


def test_csv_is_plain_utf8_unless_a_bom_is_asked_for():
    frame = pd.DataFrame({"name": ["High income · Low spending"]})
    data = to_csv_bytes(frame)
    assert data.decode("utf-8").startswith('"name"\n')
    assert to_csv_bytes(frame, bom=True) == b"\xef\xbb\xbf" + data


def test_csv_of_an_empty_table_has_its_header():
    frame = pd.DataFrame({"a": pd.array([], dtype="str"), "b": pd.array([], dtype="float64")})
    assert to_csv_bytes(frame).decode() == '"a","b"\n'


cells = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=12,
    ),
    st.sampled_from(["=1+1", "-", "-12.5", "+3", "@x", "\tx", "-1,234.50", "007", ""]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(cells, cells, st.integers(-1, 2)), min_size=1, max_size=30),
    st.sampled_from(["id", "=id", "-x", "segment"]),
)
def test_export_then_reread_gives_the_same_rows_and_cells(rows, first_column):
    raw = pd.DataFrame(
        {first_column: [f"C{i:03d}" for i in range(len(rows))]}
        | {"a": [r[0] for r in rows], "b": [r[1] for r in rows]},
        dtype="str",
    )
    data, seg = fake(raw, [r[2] for r in rows], k=3)
    table = labelled_customers(data, seg, ("one", "=two", "three"))
    back = read_back(to_csv_bytes(table))
    assert len(back) == len(rows)
    assert back.columns.tolist() == [neutralise(c) for c in table.columns]
    ids = back[neutralise(first_column)].tolist()
    assert ids == raw[first_column].tolist()  # every row once, in input order
    for column in ("a", "b"):
        written = back[column].tolist()
        assert written == [neutralise(c) for c in raw[column]]
        assert [undo_neutralising(w, o) for w, o in zip(written, raw[column])] == raw[
            column
        ].tolist()
    segment_column = segment_columns(raw.columns)[0]
    assert back[segment_column].tolist() == [str(r[2] + 1) if r[2] >= 0 else "" for r in rows]


def test_profile_table_downloads_as_csv_with_names_and_numbers():
    from segmentation.profile import profile_segments, profile_table

    raw = pd.DataFrame({"income": ["10", "20", "30", "70", "80", "90"]}, dtype="str")
    frame = pd.DataFrame({"income": [10.0, 20.0, 30.0, 70.0, 80.0, 90.0]})
    _, seg = fake(raw, [0, 0, 0, 1, 1, 1])
    seg.features = ("income",)
    table = profile_table(profile_segments(frame, seg), ("Low income", "-High income"))
    back = read_back(to_csv_bytes(table))
    assert back["name"].tolist() == ["Low income", "'-High income"]
    assert back["income mean"].tolist() == ["20", "80"]
    assert back["sets it apart"].tolist() == ["income ↓ 1.0 sd", "income ↑ 1.0 sd"]


def test_csv_of_a_slice_with_missing_cells_neutralises_the_right_rows():
    frame = pd.DataFrame({"v": pd.array(["=a", None, "-b", "ok", None, "@c", "-1"], dtype="str")})
    back = read_back(to_csv_bytes(frame.iloc[2:]))  # a slice: Arrow data starts mid-buffer
    assert back["v"].tolist() == ["'-b", "ok", "", "'@c", "-1"]
