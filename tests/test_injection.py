"""Nothing injected: no download holds a cell a spreadsheet would run as a formula.

Every download the core makes (the labelled customers, each segment's list, the profile
table; with and without a BOM) is built for every corpus file that can be segmented, the
bytes are parsed back with the csv module, and every cell, column names included, is
checked: a cell that begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return and is
not a number must have been written with a leading ``'``. Numbers, negative ones included,
are written exactly as uploaded.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache

import numpy as np
import pandas as pd
import pytest
from corpus import Case, case_named, corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import default_features, fit_segments, read_customers
from segmentation.export import labelled_csv_bytes, segment_customers, to_csv_bytes
from segmentation.io import CURRENCY_SYMBOLS, CustomerData
from segmentation.model import Segmentation
from segmentation.profile import profile_segments, profile_table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A number as spreadsheets and CRM exports write it (sign, currency, separators, exponent,
#: percent): it cannot call a function or reference a cell, so it may stay as it is.
NUMBER = re.compile(rf"^[+-]?[{CURRENCY_SYMBOLS}]?(?:\d[\d,.]*|[.,]\d+)(?:[eE][+-]?\d+)?%?$")
#: A plain negative number: it MUST stay as it is (no quote in front).
PLAIN_NEGATIVE = re.compile(r"^-(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")

CASES = [c for c in corpus() if c.segments and not c.name.startswith("long_")]
HOSTILE_NAMES = ["=1+2", "@SUM(A1)", "-Low spenders", "+Top", "\tTabbed"]


def cells_of(download: bytes) -> list[list[str]]:
    text = download.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_no_live_formula(download: bytes, what: str) -> None:
    for i, row in enumerate(cells_of(download)):
        for j, cell in enumerate(row):
            if cell.startswith(FORMULA_STARTS) and not NUMBER.match(cell):
                where = "header" if i == 0 else f"row {i}"
                raise AssertionError(f"{what}: {where}, cell {j} is a live formula: {cell!r}")


@cache
def _fitted(name: str) -> tuple[CustomerData, Segmentation]:
    case = next(c for c in CASES if c.name == name)
    data = read_customers(case.data, name=case.filename)
    features = case.features if case.features is not None else default_features(data)
    return data, fit_segments(data.frame, features, case.k, missing="median")


def downloads(case: Case, names: list[str]) -> dict[str, bytes]:
    """Every CSV download the app offers for this file, by what it is."""
    data, seg = _fitted(case.name)
    out = {
        "labelled customers": labelled_csv_bytes(data, seg, names),
        "labelled customers (Excel, BOM)": labelled_csv_bytes(data, seg, names, bom=True),
    }
    for s in range(1, seg.k + 1):
        out[f"segment {s} list"] = to_csv_bytes(segment_customers(data, seg, names, s))
    profiles = profile_segments(data.frame, seg)
    out["profile table"] = to_csv_bytes(profile_table(profiles, names))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_no_download_holds_a_live_formula(case):
    names = [f"Segment {i}" for i in range(1, case.k + 1)]
    for what, download in downloads(case, names).items():
        assert_no_live_formula(download, what)


@pytest.mark.parametrize("case", CASES[:3] + [case_named("formula_cells")], ids=lambda c: c.name)
def test_hostile_segment_names_are_neutralised_in_every_download(case):
    names = HOSTILE_NAMES[: case.k]
    for what, download in downloads(case, names).items():
        assert_no_live_formula(download, what)


def test_formula_cells_get_a_leading_quote_and_nothing_else():
    case = case_named("formula_cells")
    data, seg = _fitted(case.name)
    rows = cells_of(labelled_csv_bytes(data, seg, ["a", "b", "c"]))
    header, body = rows[0], rows[1:]
    note = header.index("note")
    written = [r[note] for r in body]
    uploaded = data.raw["note"].tolist()
    for got, original in zip(written, uploaded):
        if original.startswith(FORMULA_STARTS):
            assert got == "'" + original, f"{original!r} written as {got!r}"
        else:
            assert got == original
    handle = header.index("handle")
    assert all(r[handle].startswith("'@") for r in body), "@handles are neutralised"


def test_negative_numbers_are_written_untouched():
    case = case_named("formula_cells")
    data, seg = _fitted(case.name)
    rows = cells_of(labelled_csv_bytes(data, seg, ["a", "b", "c"]))
    balance = rows[0].index("balance")
    written = [r[balance] for r in rows[1:]]
    uploaded = data.raw["balance"].tolist()
    assert any(PLAIN_NEGATIVE.match(v) for v in uploaded), "the case must hold negatives"
    assert written == uploaded


@pytest.mark.parametrize("symbol", list(CURRENCY_SYMBOLS))
def test_signed_amounts_in_every_currency_the_reader_reads_are_written_untouched(symbol):
    amounts = [f"-{symbol}1.200,50", f"+{symbol}12", f"-{symbol}3"]
    csv_text = "id;spend;refund\n" + "".join(
        f"C{i};{i + 1};{a}\n" for i, a in enumerate(amounts)
    )
    data = read_customers(csv_text.encode(), name="refunds.csv")
    assert "refund" in data.report.numeric_columns, "the reader reads the amounts"
    seg = fit_segments(data.frame, ["spend"], 2)
    rows = cells_of(labelled_csv_bytes(data, seg, ["a", "b"]))
    refund = rows[0].index("refund")
    assert [r[refund] for r in rows[1:]] == amounts


def test_phone_numbers_and_lone_dashes_are_text_not_numbers():
    case = case_named("formula_cells")
    data, seg = _fitted(case.name)
    rows = cells_of(labelled_csv_bytes(data, seg, ["a", "b", "c"]))
    note = rows[0].index("note")
    written = {r[note] for r in rows[1:]}
    assert "'+44 20 7946 0958" in written
    assert "'-" in written


def test_hostile_column_names_are_neutralised_in_the_header():
    case = case_named("hostile_column_names")
    data, seg = _fitted(case.name)
    header = cells_of(labelled_csv_bytes(data, seg, ["a", "b", "c"]))[0]
    assert "'=cmd|' /C calc'!A0" in header
    assert "<img src=x onerror=alert(1)>" in header  # not a formula: written as it is
    assert "**bold**" in header


def test_missing_marker_minus_infinity_is_neutralised():
    # "-inf" parses as a float in Python but a spreadsheet runs it as a formula (#NAME?).
    case = case_named("missing_markers")
    data, seg = _fitted(case.name)
    rows = cells_of(labelled_csv_bytes(data, seg, ["a", "b", "c"]))
    orders = rows[0].index("orders")
    assert rows[1 + 20][orders] == "'-inf"
    assert rows[1 + 11][orders] == "'-"


_cell = st.one_of(
    st.text(max_size=10),
    st.tuples(st.sampled_from(FORMULA_STARTS), st.text(max_size=10)).map("".join),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
).filter(lambda s: not s.startswith("'"))  # a quote first would make restoring ambiguous


@st.composite
def text_frames(draw):
    n_cols = draw(st.integers(min_value=1, max_value=4))
    names = draw(st.lists(_cell, min_size=n_cols, max_size=n_cols, unique=True))
    n_rows = draw(st.integers(min_value=0, max_value=8))
    columns = {name: draw(st.lists(_cell, min_size=n_rows, max_size=n_rows)) for name in names}
    return pd.DataFrame(columns, dtype="string" if n_rows else object)


@settings(max_examples=100, deadline=None)
@given(text_frames())
def test_to_csv_bytes_neutralises_any_formula_and_keeps_everything_else(frame):
    download = to_csv_bytes(frame)
    assert_no_live_formula(download, "generated frame")
    rows = cells_of(download)
    if not rows:  # no column at all writes nothing
        assert frame.shape[1] == 0
        return

    def restore(cell: str) -> str:
        quoted = len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS
        return cell[1:] if quoted else cell

    assert [restore(c) for c in rows[0]] == [str(c) for c in frame.columns]
    body = [[restore(c) for c in r] for r in rows[1:]]
    expected = frame.fillna("").astype(str).to_numpy().tolist()
    assert body == expected
    for r in rows[1:]:
        for cell in r:
            if PLAIN_NEGATIVE.match(cell):
                assert not cell.startswith("'")
    assert np.array(body, dtype=object).shape[0] == len(frame)
