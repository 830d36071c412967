"""Excel workbooks: every customer, numbers as numbers, ids and names as written, no formulas."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import SettingsError, excel, fit_segments, labelled_csv_bytes, read_customers

NAMES = ("Low income · Low spending", "Très fidèles", '=HYPERLINK("x")')


def rows_of(book: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(book), read_only=True).active.values)


@pytest.fixture(scope="module")
def fitted():
    lines = ["member,spend,city,visits"]
    for i in range(40):
        city = "=cmd|' /C calc'!A0" if i == 3 else ("Zürich" if i % 2 else "Lyon")
        visits = "" if i == 5 else str(i % 7)
        lines.append(f"00{i:03d},{(i * 37) % 101}.5,{city},{visits}")
    data = read_customers(("\n".join(lines) + "\n").encode(), name="c.csv")
    seg = fit_segments(data.frame, ["spend"], 3)
    return data, seg


def test_workbook_holds_every_customer_as_the_csv_does(fitted):
    data, seg = fitted
    rows = rows_of(excel.customers_xlsx_bytes(data, seg, NAMES))
    csv = pd.read_csv(io.BytesIO(labelled_csv_bytes(data, seg, NAMES)), dtype=str,
                      keep_default_na=False)  # fmt: skip
    assert list(rows[0]) == list(csv.columns)
    assert len(rows) - 1 == len(csv) == 40
    assert [r[0] for r in rows[1:]] == csv["member"].tolist()  # ids as text, zeros kept


def test_numbers_are_numbers_and_names_keep_their_accents(fitted):
    data, seg = fitted
    rows = rows_of(excel.customers_xlsx_bytes(data, seg, NAMES))
    header = list(rows[0])
    spend, segment, name = (header.index(c) for c in ("spend", "segment", "segment_name"))
    assert rows[1][spend] == 0.5 and isinstance(rows[1][spend], float)
    assert {r[segment] for r in rows[1:]} == {1, 2, 3}
    assert {r[name] for r in rows[1:]} <= {*NAMES[:2], "'" + NAMES[2]}
    assert rows[6][header.index("visits")] is None  # a missing value stays empty


def test_formula_like_cells_are_neutralised_and_never_formulas(fitted):
    data, seg = fitted
    book = excel.customers_xlsx_bytes(data, seg, NAMES)
    rows = rows_of(book)
    assert rows[4][2] == "'=cmd|' /C calc'!A0"
    sheet = openpyxl.load_workbook(io.BytesIO(book)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_one_segments_workbook(fitted):
    data, seg = fitted
    rows = rows_of(excel.customers_xlsx_bytes(data, seg, NAMES, segment=2))
    assert len(rows) - 1 == int(seg.sizes[1])
    with pytest.raises(SettingsError, match="no segment 4"):
        excel.customers_xlsx_bytes(data, seg, NAMES, segment=4)


def test_progress_is_reported_up_to_the_end(fitted, monkeypatch):
    data, seg = fitted
    monkeypatch.setattr(excel, "PROGRESS_EVERY", 10)
    seen = []
    excel.customers_xlsx_bytes(data, seg, NAMES, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 4


def test_more_rows_than_a_sheet_holds_is_refused_with_the_reason(fitted, monkeypatch):
    data, seg = fitted
    monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", 40)  # 39 customers + the header
    with pytest.raises(SettingsError, match="40 rows do not fit in an Excel sheet.*CSV"):
        excel.customers_xlsx_bytes(data, seg, NAMES)
    assert excel.fits_in_excel(39) and not excel.fits_in_excel(40)


def test_profile_workbook_keeps_numbers():
    table = pd.DataFrame({"segment": [1, 2], "name": ["A", "@B"], "x index": [80.5, np.nan]})
    rows = rows_of(excel.profile_xlsx_bytes(table))
    assert rows == [("segment", "name", "x index"), (1, "A", 80.5), (2, "'@B", None)]


@settings(max_examples=25, deadline=None)
# Printable text: XML holds control characters as _x001F_ escapes, which Excel decodes.
@given(st.lists(st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=12),
                min_size=1, max_size=20))  # fmt: skip
def test_any_text_round_trips_or_is_guarded(values):
    frame = pd.DataFrame({"id": [f"c{i}" for i in range(len(values))], "note": values})
    rows = rows_of(excel.frame_xlsx_bytes(frame))
    assert len(rows) == len(values) + 1
    for value, (_, read) in zip(values, rows[1:]):
        written = excel.neutralise(value)
        assert (read or "") == written[: excel.EXCEL_MAX_TEXT]
