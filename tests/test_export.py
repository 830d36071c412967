"""Exports: nothing lost (every row, every original cell) and nothing injected (formulas)."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from corpus import corpus, long_case
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import export
from segmentation.errors import SettingsError
from segmentation.export import (
    FORMULA_STARTS,
    labelled_csv_bytes,
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
    assert back["difference in sd"].tolist() == ["income ↓ 1.0 sd", "income ↑ 1.0 sd"]


def test_csv_of_a_slice_with_missing_cells_neutralises_the_right_rows():
    frame = pd.DataFrame({"v": pd.array(["=a", None, "-b", "ok", None, "@c", "-1"], dtype="str")})
    back = read_back(to_csv_bytes(frame.iloc[2:]))  # a slice: Arrow data starts mid-buffer
    assert back["v"].tolist() == ["'-b", "ok", "", "'@c", "-1"]


# ---------------------------------------------------------------------------------------
# labelled_csv_bytes: the file's own lines when they are plain, the same cells either way
# ---------------------------------------------------------------------------------------

#: Segment names a user may type: commas, quotes, a formula, non-ASCII text.
AWKWARD_NAMES = ('Big, "rich" spenders', "=cmd", "High income · Low spending", "-Low", "+x")


def fake_fit(n_rows: int, k: int = 3) -> SimpleNamespace:
    """Labels 0..k-1 in turn, every 7th customer unassigned with one of two reasons."""
    labels = np.arange(n_rows) % k
    labels[::7] = -1
    reasons = np.full(n_rows, "", dtype=object)
    reasons[::7] = [("missing income", '=no "orders", no spend')[i % 2]
                    for i in range(len(reasons[::7]))]
    return SimpleNamespace(k=k, labels=labels, reasons=reasons)


def cells(download: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(download.decode("utf-8-sig"), newline="")))


def is_plain(payload: bytes, data) -> bool:
    """Whether the fast path must be taken, judged from the file itself: read on the typed
    path, comma delimited, UTF-8 text without quotes, CRs or blank lines, and no data cell
    that would be neutralised."""
    if data._csv_text() is None:
        return False
    text, start = data._csv_text()
    text = text[start:].decode("utf-8")
    if '"' in text or "\r" in text or text.startswith("\n") or "\n\n" in text.rstrip("\n"):
        return False
    if text.endswith("\n\n"):
        return False
    rows = [line.split(",") for line in text.split("\n")[1:] if line]
    return all(neutralise(c) == c for row in rows for c in row)


def check_fast_matches_fallback(payload: bytes, name: str, names=AWKWARD_NAMES, k=3):
    data = read_customers(payload, name=name)
    seg = fake_fit(len(data.frame), k)
    names = list(names[:k])
    for bom in (False, True):
        fallback = to_csv_bytes(labelled_customers(data, seg, names), bom=bom)
        download = labelled_csv_bytes(data, seg, names, bom=bom)
        assert download.startswith(b"\xef\xbb\xbf") == bom
        assert cells(download) == cells(fallback)
    assert (export._plain_lines(data) is not None) == is_plain(payload, data)
    return export._plain_lines(data) is not None


TEXT_CORPUS = [
    c for c in corpus(include_long=False) if c.expect == "ok" and c.delimiter is not None
]


@pytest.mark.parametrize("case", TEXT_CORPUS, ids=[c.name for c in TEXT_CORPUS])
def test_labelled_csv_bytes_gives_the_fallbacks_cells_for_every_corpus_file(case):
    check_fast_matches_fallback(case.data, case.filename)


def test_labelled_csv_bytes_copies_the_lines_of_the_long_corpus_file():
    case = long_case(20_000)
    assert check_fast_matches_fallback(case.data, case.filename)


@pytest.mark.parametrize(
    "dataset", ["mall_customers", "wholesale_customers", "marketing_campaign", "cc_general"]
)
def test_labelled_csv_bytes_gives_the_fallbacks_cells_for_every_dataset(dataset, datasets_dir):
    path = datasets_dir / f"{dataset}.csv"
    check_fast_matches_fallback(path.read_bytes(), path.name)


PLAIN_BODY = "".join(f"C{i},{10 + i % 9},{-5 + i % 4},{i % 3}e300,note {i}\n" for i in range(40))
PLAIN = "customer_id,income,balance,big,note\n" + PLAIN_BODY


@pytest.mark.parametrize(
    ("what", "text", "plain"),
    [
        ("negative numbers and 1e300", PLAIN, True),
        ("no final newline", PLAIN.rstrip("\n"), True),
        ("header starting with =", "=customer_id" + PLAIN[len("customer_id"):], True),
        ("column named segment", PLAIN.replace("note", "segment", 1), True),
        ("byte-order mark", "\ufeff" + PLAIN, True),
        ("formula in a text cell", PLAIN.replace("note 3\n", "=cmd()\n"), False),
        ("@ in a text cell", PLAIN.replace("note 3\n", "@x\n"), False),
        ("tab at a cell start", PLAIN.replace("note 3\n", "\tx\n"), False),
        ("missing marker -", PLAIN.replace(",-5,", ",-,", 1), False),
        ("leading-zero ids", PLAIN.replace("C1,", "007,"), False),
        ("quoted cell", PLAIN.replace("note 3", '"note, 3"'), False),
        ("CRLF", PLAIN.replace("\n", "\r\n"), False),
        ("blank line", PLAIN.replace("\nC5,", "\n\nC5,"), False),
        ("trailing blank lines", PLAIN + "\n\n", False),
        ("semicolons", PLAIN.replace(",", ";"), False),
    ],
)
def test_labelled_csv_bytes_takes_the_fast_path_only_for_plain_files(what, text, plain):
    assert check_fast_matches_fallback(text.encode("utf-8"), "x.csv") == plain


def test_labelled_csv_bytes_of_a_cp1252_file_is_utf8_with_the_same_cells():
    text = PLAIN.replace("note 3", "Zoë café")
    check_fast_matches_fallback(text.encode("cp1252"), "x.csv")


def test_labelled_csv_bytes_writes_the_lines_as_uploaded_and_names_escaped():
    data = read_customers(PLAIN.encode(), name="x.csv")
    seg = fake_fit(len(data.frame), 2)
    download = labelled_csv_bytes(data, seg, ['Big, "rich"', "=cmd"])
    lines = download.decode().split("\n")
    assert lines[1] == "C0,10,-5,0e300,note 0,,,missing income"
    assert lines[2] == "C1,11,-4,1e300,note 1,2,'=cmd,"
    assert lines[3] == 'C2,12,-3,2e300,note 2,1,"Big, ""rich""",'
    assert lines[8] == 'C7,17,-2,1e300,note 7,,,"\'=no ""orders"", no spend"'
    assert download.endswith(b"\n") and len(lines) == 40 + 2


def test_labelled_csv_bytes_refuses_mismatched_names_or_rows():
    data = read_customers(PLAIN.encode(), name="x.csv")
    with pytest.raises(SettingsError, match="one per segment"):
        labelled_csv_bytes(data, fake_fit(40, 3), ["a", "b"])
    with pytest.raises(SettingsError, match="segment the table again"):
        labelled_csv_bytes(data, fake_fit(39, 3), ["a", "b", "c"])
