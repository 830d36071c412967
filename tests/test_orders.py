"""The customer table from hand-built order logs: what a marketer would check by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import DataError, SettingsError, read_customers
from segmentation.order_log import OrderColumns, guess_order_log
from segmentation.orders import (
    CUSTOMER_COLUMNS,
    NON_POSITIVE_FLAG,
    AmbiguousDates,
    customers_from_orders,
    finish_sums,
)
from segmentation.rfm import RFM_SEGMENTS, quintile_scores, rfm_grid, rfm_segments

COLS = OrderColumns(customer="customer_id", date="order_date", amount="amount")
WITH_ORDERS = OrderColumns(
    customer="customer_id", date="order_date", amount="amount", order="order_id"
)


def log(*rows, order_ids: bool = False) -> pd.DataFrame:
    names = ["customer_id", "order_date", "amount"] + (["order_id"] if order_ids else [])
    frame = pd.DataFrame(rows, columns=names)
    return frame


def row_of(table, customer: str) -> dict:
    frame = table.frame
    return frame[frame["customer_id"] == customer].iloc[0].to_dict()


def test_columns_are_the_issues_names_in_order():
    table = customers_from_orders(log(("A", "2024-01-01", 10.0), ("B", "2024-01-02", 5.0)), COLS)
    assert list(table.frame.columns) == ["customer_id", *CUSTOMER_COLUMNS]


def test_returns_are_netted_from_monetary():
    table = customers_from_orders(
        log(("A", "2024-01-01", 100.0), ("A", "2024-01-05", -30.0), ("B", "2024-01-02", 5.0)),
        COLS,
    )
    assert row_of(table, "A")["monetary"] == 70.0
    assert row_of(table, "A")["avg_order_value"] == 35.0


def test_split_order_lines_count_as_one_order_with_an_order_column():
    rows = (
        ("A", "2024-01-01", 10.0, "O1"),
        ("A", "2024-01-01", 15.0, "O1"),
        ("A", "2024-01-01", 5.0, "O1"),
        ("A", "2024-02-01", 20.0, "O2"),
        ("B", "2024-01-03", 8.0, "O3"),
    )
    by_order = customers_from_orders(log(*rows, order_ids=True), WITH_ORDERS)
    by_row = customers_from_orders(log(*rows, order_ids=True), COLS)
    assert row_of(by_order, "A")["frequency"] == 2
    assert row_of(by_order, "A")["avg_order_value"] == 25.0
    assert row_of(by_row, "A")["frequency"] == 4
    assert by_order.n_orders == 3


def test_same_day_orders_are_separate_orders_with_the_same_recency():
    rows = (
        ("A", "2024-03-01", 10.0, "O1"),
        ("A", "2024-03-01", 12.0, "O2"),
        ("B", "2024-02-01", 1.0, "O3"),
    )
    table = customers_from_orders(log(*rows, order_ids=True), WITH_ORDERS)
    a = row_of(table, "A")
    assert a["frequency"] == 2 and a["recency_days"] == 1 and a["tenure_days"] == 1


def test_snapshot_defaults_to_the_day_after_the_last_order():
    table = customers_from_orders(
        log(("A", "2024-01-01", 1.0), ("B", "2024-01-31 23:59", 1.0)), COLS
    )
    assert table.snapshot == dt.date(2024, 2, 1)
    assert row_of(table, "B")["recency_days"] == 1
    assert row_of(table, "A")["recency_days"] == 31
    assert row_of(table, "A")["first_order_date"] == "2024-01-01"


def test_a_given_snapshot_leaves_out_later_lines_and_counts_them():
    rows = (("A", "2024-01-01", 1.0), ("A", "2024-06-01", 99.0), ("B", "2024-01-10", 2.0))
    table = customers_from_orders(log(*rows), COLS, snapshot="2024-03-01")
    a = row_of(table, "A")
    assert a["recency_days"] == 60 and a["monetary"] == 1.0 and a["last_order_date"] == "2024-01-01"
    assert "1 order line dated after the snapshot date (2024-03-01) was left out" in table.messages


def test_day_first_dates_are_read_day_first():
    rows = (("A", "03.02.2024", 1.0), ("B", "25.01.2024", 1.0), ("A", "04.02.2024", 1.0))
    table = customers_from_orders(log(*rows), COLS)
    assert row_of(table, "A")["last_order_date"] == "2024-02-04"
    assert table.dates.order == "day-first"


def test_ambiguous_dates_are_asked_for_then_read_as_told():
    rows = (("A", "03/02/2024", 1.0), ("B", "04/01/2024", 1.0), ("A", "05/02/2024", 1.0))
    with pytest.raises(AmbiguousDates, match="read both ways"):
        customers_from_orders(log(*rows), COLS)
    table = customers_from_orders(log(*rows), COLS, date_order="month-first")
    assert row_of(table, "A")["last_order_date"] == "2024-05-02"


def test_bad_lines_are_left_out_counted_and_their_customers_keep_other_lines():
    frame = log(
        ("A", "2024-01-01", 10.0),
        ("A", "someday", 10.0),
        (None, "2024-01-02", 10.0),
        ("  ", "2024-01-02", 10.0),
        ("B", "2024-01-03", np.nan),
        ("B", "2024-01-04", 3.0),
        ("C", "2024-01-05", 1.0),
    )
    table = customers_from_orders(frame, COLS)
    assert sorted(table.frame["customer_id"]) == ["A", "B", "C"]
    assert row_of(table, "A")["frequency"] == 1
    assert table.messages[:3] == (
        "2 order lines without a customer id were left out",
        "1 order line with an unreadable date was left out",
        "1 order line with an unreadable amount was left out",
    )
    assert table.n_used == 3


def test_customers_with_zero_or_negative_net_value_are_kept_and_flagged():
    rows = (
        ("A", "2024-01-01", 10.0),
        ("A", "2024-01-02", -10.0),
        ("B", "2024-01-03", -5.0),
        ("C", "2024-01-03", 5.0),
    )
    table = customers_from_orders(log(*rows), COLS)
    flags = dict(zip(table.frame["customer_id"], table.frame["value_flag"]))
    assert flags == {"A": NON_POSITIVE_FLAG, "B": NON_POSITIVE_FLAG, "C": ""}
    assert table.n_non_positive == 2


def test_more_than_one_currency_is_refused():
    frame = log(("A", "2024-01-01", 1.0), ("B", "2024-01-02", 2.0), ("C", "2024-01-02", 2.0))
    frame["currency"] = ["EUR", "USD", "EUR"]
    with pytest.raises(DataError, match=r"2 currencies \(EUR, USD\) in column 'currency'"):
        customers_from_orders(frame, COLS)
    frame["currency"] = "EUR"
    assert len(customers_from_orders(frame, COLS).frame) == 3


def test_mixed_currency_signs_in_the_amounts_are_refused():
    data = read_customers(
        b"customer_id,order_date,amount\nA,2024-01-01,$10.00\nB,2024-01-02,\xe2\x82\xac12.50\n"
        b"A,2024-01-03,$3.00\n"
    )
    with pytest.raises(DataError, match=r"mixes currencies \(EUR, USD\)"):
        customers_from_orders(data.frame, COLS, raw_amounts=data.raw["amount"])


def test_amounts_written_with_one_currency_code_are_read():
    frame = log(
        ("A", "2024-01-01", "12,50 EUR"),
        ("B", "2024-01-02", "EUR 3,00"),
        ("A", "2024-01-02", "1.234,00 EUR"),
    )
    table = customers_from_orders(frame, COLS)
    assert row_of(table, "A")["monetary"] == 1246.5


def test_numeric_customer_ids_are_written_without_decimals():
    frame = log(
        (12346.0, "2024-01-01", 1.0), (12347.0, "2024-01-01", 2.0), (12346.0, "2024-01-02", 1.0)
    )
    table = customers_from_orders(frame, COLS)
    assert sorted(table.frame["customer_id"]) == ["12346", "12347"]


def test_unknown_column_is_named():
    frame = log(("A", "2024-01-01", 1.0))
    with pytest.raises(DataError, match="no column named 'spend' to use as the amount"):
        customers_from_orders(frame, OrderColumns("customer_id", "order_date", "spend"))


def test_one_column_in_two_roles_is_refused():
    frame = log(("A", "2024-01-01", 1.0))
    with pytest.raises(SettingsError, match="two roles"):
        customers_from_orders(frame, OrderColumns("customer_id", "order_date", "customer_id"))


def test_snapshot_before_every_order_is_refused():
    with pytest.raises(DataError, match="after the snapshot date 2023-01-01"):
        customers_from_orders(log(("A", "2024-01-01", 1.0)), COLS, snapshot=dt.date(2023, 1, 1))


def test_bad_snapshot_text_is_refused():
    with pytest.raises(SettingsError, match="'yesterday' is not a date"):
        customers_from_orders(log(("A", "2024-01-01", 1.0)), COLS, snapshot="yesterday")


def test_a_customer_table_is_not_an_order_log():
    data = read_customers(
        b"customer_id,signup_date,spend\nA,2024-01-01,10\nB,2024-01-02,20\nC,2024-01-03,5\n"
    )
    guess = guess_order_log(data.frame, id_column=data.id_column)
    assert not guess.looks_like_orders
    assert "one row per customer" in guess.reason


def test_an_order_export_read_from_bytes_is_recognised_with_its_columns():
    data = read_customers(
        "\ufeffOrder No;Client;Date de commande;Montant;Quantity\n"
        "1001;c@x.fr;31/12/2024;12,50 €;1\n1002;d@x.fr;01/01/2025;3,00 €;2\n"
        "1003;c@x.fr;02/01/2025;7,25 €;1\n1004;e@x.fr;02/01/2025;1,00 €;1\n".encode()
    )
    guess = guess_order_log(data.frame, id_column=data.id_column)
    assert guess.looks_like_orders
    assert guess.columns == OrderColumns("Client", "Date de commande", "Montant", "Order No")
    table = customers_from_orders(data.frame, guess.columns)
    assert row_of_any(table, "c@x.fr")["monetary"] == 19.75
    assert table.dates.order == "day-first"


def row_of_any(table, customer):
    frame = table.frame
    return frame[frame.iloc[:, 0] == customer].iloc[0].to_dict()


def test_rfm_grid_names_every_cell():
    r, f = np.meshgrid(np.arange(1, 6), np.arange(1, 6))
    names = rfm_segments(r.ravel(), f.ravel())
    assert set(names) == set(RFM_SEGMENTS)
    assert (
        rfm_segments([5], [5])[0] == "Champions" and rfm_segments([1], [5])[0] == "Can't Lose Them"
    )
    assert (
        rfm_segments([3], [4])[0] == "Loyal Customers"
        and rfm_segments([4], [2])[0] == "Potential Loyalists"
    )


# --------------------------------------------------------------------------------------
# Properties

order_logs = st.lists(
    st.tuples(
        st.sampled_from([f"C{i}" for i in range(12)]),
        st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2024, 12, 31)),
        st.floats(min_value=-50, max_value=500, allow_nan=False).map(lambda v: round(v, 2)),
        st.integers(0, 30),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=25, deadline=None)
@given(rows=order_logs)
def test_every_customer_once_and_nothing_invented(rows):
    frame = pd.DataFrame(
        [(c, d.isoformat(), a, f"O{o}-{c}") for c, d, a, o in rows],
        columns=["customer_id", "order_date", "amount", "order_id"],
    )
    table = customers_from_orders(frame, WITH_ORDERS)
    out = table.frame
    assert sorted(out["customer_id"]) == sorted(set(frame["customer_id"]))
    assert out["frequency"].sum() == frame["order_id"].nunique()
    assert out["monetary"].sum() == pytest.approx(frame["amount"].sum(), abs=0.01 * len(rows))
    assert (out["recency_days"] >= 1).all() and (out["tenure_days"] >= out["recency_days"]).all()
    assert grid_total(out) == len(out)


def grid_total(out) -> int:
    return int(rfm_grid(out)["customers"].sum())


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.integers(0, 20), min_size=1, max_size=200), better=st.booleans())
def test_scores_monotone_ties_equal_and_within_1_to_5(values, better):
    scores = quintile_scores(values, higher_is_better=better)
    array = np.asarray(values)
    assert set(scores.tolist()) <= {1, 2, 3, 4, 5}
    order = np.argsort(array if better else -array, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)  # a better value never scores lower
    for v in set(values):
        assert len(set(scores[array == v].tolist())) == 1  # ties share a score
    if len(set(values)) > 1:
        worst = array.min() if better else array.max()
        best = array.max() if better else array.min()
        assert set(scores[array == worst].tolist()) == {1}
        assert set(scores[array == best].tolist()) == {5} or (array == best).sum() > len(values) / 5


def test_the_readers_unique_id_is_not_taken_for_the_customer_of_an_order_log():
    """The reader takes a unique column (the order number) as the id; customers repeat."""
    data = read_customers(
        b"Bestellnummer;Kunde;Bestelldatum;Betrag\nB1;K1;31.12.2024;1,50\n"
        b"B2;K2;02.01.2025;2,00\nB3;K1;03.01.2025;3,00\nB4;K3;03.01.2025;3,00\n"
    )
    guess = guess_order_log(data.frame, id_column=data.id_column)
    assert guess.looks_like_orders
    assert guess.columns == OrderColumns("Kunde", "Bestelldatum", "Betrag", "Bestellnummer")


def test_a_customer_table_with_a_unique_id_is_not_an_order_log():
    """A unique ID is one row per customer, even with a date, an amount and a column that
    repeats (a constant named like 'contact', as in the marketing campaign data)."""
    data = read_customers(
        b"ID,Dt_Customer,Income,Z_CostContact\n1,2024-01-01,10,3\n2,2024-01-02,20,3\n"
        b"3,2024-01-03,5,3\n4,2024-01-04,7,3\n"
    )
    guess = guess_order_log(data.frame, id_column=data.id_column)
    assert not guess.looks_like_orders
    assert guess.reason == "Each row has its own 'ID', so this is one row per customer"


def test_the_average_order_value_does_not_depend_on_the_order_amounts_were_added_in():
    """158.87 over 2 orders: sums whose last bits differ (engines add amounts in any order)
    give the same net value and the same average to the cent."""
    sums = [158.87, 158.87 + 2.9e-14, 158.87 - 2.9e-14, 0.1 + 0.2 + 158.57]
    averages = {
        tuple(
            finish_sums(
                pd.DataFrame(
                    {
                        "customer": ["A"],
                        "first": [1],
                        "last": [2],
                        "frequency": [2],
                        "monetary": [total],
                    }
                ),
                3,
                2,
            ).loc[0, ["monetary", "avg_order_value"]]
        )
        for total in sums
    }
    assert len({float(s) for s in sums}) > 1 and len(averages) == 1
