"""A big plain CSV order export: its head read carefully, its lines read and summed by DuckDB,
and the very table the careful reader's path makes (CAREFUL_READ_BYTES made small here)."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation import DataError, order_log, read_customers
from segmentation.order_log import OrderColumns, read_order_head, read_order_log
from segmentation.orders import customers_from_data
from segmentation.orders_duckdb import customers_from_log


def export(
    n: int = 2000, *, amount: str = "{a}.50", date: str = "{d:02d}/{m:02d}/2024 09:30"
) -> bytes:
    """Order lines (split orders, a return, a blank id, day-first dates with times)."""
    lines = ["\ufeffOrder No;Customer;Order Date;Total"]
    for i in range(n):
        customer = "" if i % 97 == 5 else f"C{(i * 7) % 53}"
        when = date.format(d=1 + i % 28, m=1 + (i // 28) % 12)
        lines.append(f"O{i // 3};{customer};{when};{amount.format(a=(i % 40) - 2)}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(order_log, "CAREFUL_READ_BYTES", 4_000)
    monkeypatch.setattr(order_log, "_HEAD_BYTES", 3_000)


def careful_table(raw: bytes, columns: OrderColumns, **options):
    return customers_from_data(read_customers(raw), columns, **options)


@pytest.mark.parametrize("snapshot", [None, "2024-10-31"])
def test_big_upload_summed_from_its_bytes_equals_the_careful_table(small_limit, snapshot):
    raw = export()
    log = read_order_log(raw, name="shop.csv")
    assert not log.whole and len(log.data.frame) < 2000
    assert log.data.report.n_rows == 2000  # the report counts the whole file's lines
    columns = log.guess.columns
    assert columns == OrderColumns("Customer", "Order Date", "Total", "Order No")
    fast = customers_from_log(log, raw, snapshot=snapshot)
    expected = careful_table(raw, columns, snapshot=snapshot)
    pd.testing.assert_frame_equal(fast.frame, expected.frame)
    assert fast.messages == expected.messages and fast.n_orders == expected.n_orders
    assert fast.dates.order == expected.dates.order == "day-first"


def test_big_file_on_disk_gives_the_same_table_as_its_bytes(small_limit, tmp_path):
    raw = export(date="2024-{m:02d}-{d:02d}T10:00:00+01:00")
    path = tmp_path / "orders.csv"
    path.write_bytes(raw)
    by_path = customers_from_log(read_order_log(path), path)
    by_bytes = customers_from_log(read_order_log(raw), raw)
    pd.testing.assert_frame_equal(by_path.frame, by_bytes.frame)
    assert by_path.n_lines == 2000


def test_amounts_with_currency_signs_go_through_the_careful_reader(small_limit):
    raw = export(amount="{a},50 €")
    log = read_order_log(raw)
    assert not log.whole
    table = customers_from_log(log, raw)
    expected = careful_table(raw, log.guess.columns)
    pd.testing.assert_frame_equal(table.frame, expected.frame)
    assert table.frame["monetary"].abs().sum() > 0


def test_small_or_non_csv_files_are_read_whole(small_limit):
    assert read_order_head(b"customer,date,amount\nA,2024-01-01,5\n") is None
    raw = export()
    assert read_order_head(raw.decode("utf-8").encode("utf-16")) is None


def test_a_big_file_without_usable_lines_names_the_problem(small_limit):
    raw = export(date="someday")
    log = read_order_log(raw)
    columns = OrderColumns("Customer", "Order No", "Total")  # the order number as the date
    with pytest.raises(DataError, match="None of the 2,000 order lines can be used"):
        customers_from_log(log, raw, columns)
