"""An order export uploaded on the Data page: the customer table is built, every page and
download follows the snapshot date and the order id column the user picks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from apptools import (
    DATA,
    EXPORT,
    PROFILES,
    SEGMENTS,
    csv_text,
    download,
    goto,
    metric,
    ok,
    texts,
    upload,
)

from segmentation.orders import CUSTOMER_COLUMNS

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "CDNOW_sample.txt"


def order_export(n_lines: int = 600) -> bytes:
    """The first lines of the real CDNOW sample (tests/data/cdnow) as a shop would export
    them: an order number shared by pairs of lines, day-first dates."""
    lines = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["cust", "sid", "date", "cds", "dollars"],
        dtype=str,
    ).head(n_lines)
    export = pd.DataFrame(
        {
            "Order No": [f"A{i // 2}" for i in range(len(lines))],
            "Customer": "C" + lines["cust"],
            "Order Date": pd.to_datetime(lines["date"], format="%Y%m%d").dt.strftime("%d/%m/%Y"),
            "Total": lines["dollars"],
        }
    )
    return export.to_csv(index=False).encode()


@pytest.fixture
def orders_app(app):
    return upload(app, "orders.csv", order_export())


def selectbox(at, label):
    return next(s for s in at.selectbox if s.label == label)


def test_an_order_log_is_recognised_and_turned_into_customers(orders_app):
    at = orders_app
    assert "This looks like an order log: 600 order lines from 179 customers" in texts(at)
    assert at.radio[0].label == "Each row of this file is"
    assert at.radio[0].value == "an order (or order line)"
    chosen = {s.label: s.value for s in at.selectbox}
    assert chosen == {
        "Customer id column": "Customer",
        "Order date column": "Order Date",
        "Amount column": "Total",
        "Order id column": "Order No",
    }
    assert metric(at, "Customers") == "179"
    assert metric(at, "Snapshot") == "1998-06-21"  # the day after the last order
    assert "How the RFM scores were cut" in [e.label for e in at.expander]


def test_snapshot_and_order_id_column_flow_to_the_segments_and_downloads(orders_app, downloads):
    at = orders_app
    at.date_input(key="w.snapshot").set_value(dt.date(1997, 12, 31))
    ok(at.run())
    assert metric(at, "Snapshot") == "1997-12-31"
    shown = [w.value.replace("\\", "") for w in at.warning]  # markdown escapes
    assert any("dated after the snapshot date (1997-12-31)" in w for w in shown)
    selectbox(at, "Order id column").set_value("(each row is one order)")
    ok(at.run())
    goto(at, SEGMENTS)
    assert {"recency_days", "frequency", "monetary"} <= set(at.multiselect[0].value)
    goto(at, PROFILES)
    assert len(at.get("plotly_chart")) >= 4  # sizes, heatmap, RFM grid, RFM mix
    goto(at, EXPORT)
    table = csv_text(downloads(download(at, "Download labelled customers")).content)
    assert table["Customer"].is_unique
    assert set(CUSTOMER_COLUMNS) <= set(table.columns) and "segment" in table.columns
    assert (table["last_order_date"] <= "1997-12-31").all()
    first = table.set_index("Customer").loc["C00004"]
    # 00004 bought on 1 Jan, 18 Jan, 2 Aug and 12 Dec 1997: with each row an order, 4
    # orders (2 order numbers in the file), the last 19 days before the snapshot
    assert (first["frequency"], first["recency_days"]) == ("4", "19")


def test_each_row_a_customer_turns_the_order_view_off(orders_app):
    at = orders_app
    at.radio[0].set_value("a customer")
    ok(at.run())
    assert metric(at, "Customers (rows)") == "600"
    assert "Customer id" in texts(at)
    goto(at, DATA)
    assert at.radio[0].value == "a customer"


def test_ambiguous_dates_are_asked_for(app):
    data = (
        b"order,customer,date,amount\n1,A,03/04/2024,10\n2,B,04/05/2024,5\n"
        b"3,A,05/06/2024,7\n4,C,06/07/2024,3\n"
    )
    at = upload(app, "orders.csv", data)
    assert any("read both ways" in e.value for e in at.error)
    radio = next(r for r in at.radio if r.label == "Dates like 04/09/2012 in this file are")
    radio.set_value("Month first (04/09/2012 is April 9, 2012)")
    ok(at.run())
    assert metric(at, "Snapshot") == "2024-06-08"
