"""What a marketer reads and keeps: defaults that make sense, names that agree with the
numbers, every column profiled, CSVs Excel reads, and Excel workbooks."""

from __future__ import annotations

import io

import openpyxl
from apptools import (
    EXPORT,
    PROFILES,
    SEGMENTS,
    csv_text,
    download,
    goto,
    ok,
    select_on_scatter,
    texts,
    upload,
)

from segmentation import excel as core_excel

BOM = b"\xef\xbb\xbf"


def campaign(app, dataset):
    upload(app, "marketing_campaign.csv", dataset("marketing_campaign.csv"))
    goto(app, SEGMENTS)


def test_wide_file_defaults_to_behaviour_and_says_why(app, dataset):
    campaign(app, dataset)
    box = app.multiselect(key="w.features")
    assert "Z_CostContact" not in " ".join(box.options)  # a constant is not offered
    assert "AcceptedCmp1 (0/1 flag)" in box.options
    assert "Age (from Year_Birth) (about the person)" in box.options
    assert not any(o.startswith("Year_Birth") for o in box.options)
    assert "AcceptedCmp1" not in box.value and "MntWines" in box.value
    assert len(box.value) == 14
    assert "Chosen: 14 behaviour columns (amounts, counts, recency)." in texts(app)


def test_profiles_describe_every_column_and_mark_the_clustered_ones(app, dataset):
    campaign(app, dataset)
    goto(app, PROFILES)
    table = app.dataframe[0].value
    assert "● MntWines mean" in table.columns
    assert "Age (from Year_Birth) mean" in table.columns  # described, not clustered
    assert "Response index" in table.columns
    assert "● the segments were built on these columns" in texts(app)


def test_csv_downloads_start_with_a_byte_order_mark(app, downloads):
    goto(app, EXPORT)
    for label in ("Download labelled customers", "Download the profile table"):
        content = downloads(download(app, label)).content
        assert content.startswith(BOM), label
        assert " · " in content[3:].decode("utf-8"), label  # the names' separator, intact


def test_excel_workbook_of_the_labelled_customers(app, dataset, downloads):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, EXPORT)
    asked = [b for b in app.button if b.label == "Prepare labelled customers for Excel (.xlsx)"]
    ok(asked[0].click().run())
    stored = downloads(download(app, "Download labelled customers (.xlsx)"))
    assert stored.filename == "mall_customers_k5_labelled.xlsx"
    rows = list(openpyxl.load_workbook(io.BytesIO(stored.content)).active.values)
    csv = csv_text(downloads(download(app, "Download labelled customers")).content)
    assert len(rows) - 1 == len(csv) == 200
    assert [str(r[0]) for r in rows[1:]] == csv["CustomerID"].tolist()
    assert list(rows[0]) == list(csv.columns)
    name = list(rows[0]).index("segment_name")
    assert [r[name] for r in rows[1:]] == csv["segment_name"].tolist()
    # Still there after another rerun (the workbook is kept, not made again).
    ok(app.run())
    assert download(app, "Download labelled customers (.xlsx)")


def test_profile_workbook_is_offered_directly(app, downloads):
    goto(app, EXPORT)
    stored = downloads(download(app, "Download the profile table (.xlsx)"))
    rows = list(openpyxl.load_workbook(io.BytesIO(stored.content)).active.values)
    assert rows[0][:3] == ("segment", "name", "customers") and len(rows) == 5


def test_too_many_rows_for_excel_offers_csv_only_and_says_why(app, monkeypatch):
    monkeypatch.setattr(core_excel, "EXCEL_MAX_ROWS", 500)
    goto(app, EXPORT)
    assert not [b for b in app.button if "Excel" in b.label and "labelled" in b.label]
    assert "1,000 rows do not fit in an Excel sheet" in texts(app)
    assert download(app, "Download labelled customers")


def test_a_scatter_selection_can_be_downloaded(app, dataset, downloads):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    select_on_scatter(app, [{"customdata": [3.0, 1.0]}, {"customdata": [7.0, 2.0]}])
    content = downloads(download(app, "Download these customers")).content
    assert content.startswith(BOM)
    picked = csv_text(content)
    assert picked["CustomerID"].tolist() == ["4", "8"]
    assert picked["segment_name"].str.len().gt(0).all()


def test_the_sample_notice_on_the_data_page_points_to_the_upload_above(app):
    assert "upload your own file above" in texts(app)
    goto(app, SEGMENTS)
    assert "upload your own file on the Data page" in texts(app)
