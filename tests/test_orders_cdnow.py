"""A real public order log: the CDNOW sample, checked against its published summary.

Source: the ``lifetimes`` package 0.11.3 on PyPI (MIT License, (c) 2015 Cameron
Davidson-Pilon), files ``lifetimes/datasets/CDNOW_sample.txt`` and
``cdnow_customers_summary_with_transactions.csv``, vendored unchanged in tests/data/cdnow/
(see its README.md). The summary gives, per customer of the 2,357, the repeat purchases
``x``, the week of the last purchase ``t_x``, the weeks observed ``T`` (to 1997-09-30) and
``zbar``, the mean value of the repeat purchases.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation import read_customers
from segmentation.order_log import OrderColumns, guess_order_log
from segmentation.orders import customers_from_orders

CDNOW = Path(__file__).parent / "data" / "cdnow"
END_OF_CALIBRATION = dt.date(1997, 9, 30)


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    return pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer_id", "sample_id", "date", "cds", "dollars"],
        dtype={"customer_id": str, "sample_id": str, "date": str},
    )


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    frame = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    return frame.set_index("ID")


def test_cdnow_recognised_as_an_order_log(lines):
    guess = guess_order_log(lines)
    assert guess.looks_like_orders
    assert (guess.columns.customer, guess.columns.date, guess.columns.amount) == (
        "customer_id",
        "date",
        "dollars",
    )
    assert guess.n_customers == 2357


def test_cdnow_customer_table_matches_the_published_summary(lines, summary):
    # The summary counts a customer's purchases on one day as one transaction: the day is
    # the order id.
    log = lines.assign(day=lines["sample_id"] + "/" + lines["date"])
    columns = OrderColumns(customer="sample_id", date="date", amount="dollars", order="day")
    table = customers_from_orders(log, columns, snapshot=END_OF_CALIBRATION)
    frame = table.frame.assign(ID=lambda f: f["sample_id"].astype(int)).set_index("ID")
    assert len(frame) == 2357 and frame.index.is_unique
    expected = summary.loc[frame.index]
    # repeat purchases are all purchases but the first
    assert (frame["frequency"] - 1).tolist() == expected["x"].tolist()
    # weeks from the first to the last purchase, and from the first to the snapshot
    weeks_active = (frame["tenure_days"] - frame["recency_days"]) / 7
    assert np.allclose(weeks_active, expected["t_x"], atol=0.006)
    assert np.allclose(frame["tenure_days"] / 7, expected["T"], atol=0.006)
    # mean value of the repeat purchases: everything but the first day's purchases
    calibration = lines[lines["date"] <= "19970930"]
    per_day = calibration.groupby(["sample_id", "date"])["dollars"].sum()
    first_value = per_day.groupby(level=0).first()
    first_value.index = first_value.index.astype(int)
    repeats = frame["frequency"] - 1
    zbar = (frame["monetary"] - first_value.loc[frame.index]) / repeats.replace(0, np.nan)
    assert np.allclose(zbar.fillna(0.0), expected["zbar"], atol=0.006)
    # purchases after the calibration period are left out and counted
    after = int((lines["date"] > "19970930").sum())
    assert dict(table.left_out)["dated after the snapshot date (1997-09-30)"] == after
    assert table.n_used == len(lines) - after


def test_cdnow_through_the_reader_as_a_csv_export(lines, tmp_path):
    """The same purchases written as a shop's CSV export (day-first dates, decimal commas)."""
    export = pd.DataFrame(
        {
            "Kunde": lines["customer_id"],
            "Bestelldatum": pd.to_datetime(lines["date"], format="%Y%m%d").dt.strftime("%d.%m.%Y"),
            "Betrag": lines["dollars"].map(lambda v: f"{v:.2f}".replace(".", ",")),
        }
    )
    path = tmp_path / "cdnow.csv"
    export.to_csv(path, sep=";", index=False)
    data = read_customers(path)
    guess = guess_order_log(data.frame, id_column=data.id_column)
    assert guess.looks_like_orders
    table = customers_from_orders(data.frame, guess.columns)
    assert table.dates.order == "day-first"
    assert len(table.frame) == 2357
    assert table.frame["frequency"].sum() == len(lines)
    assert table.frame["monetary"].sum() == pytest.approx(lines["dollars"].sum())
    assert table.snapshot == dt.date(1998, 7, 1)  # the day after the last purchase
