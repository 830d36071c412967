"""A big plain CSV order export on the Data page: read by its head, summed from its bytes,
the counts shown are the whole file's (CAREFUL_READ_BYTES made small here)."""

from __future__ import annotations

import pytest
from apptools import metric, ok, texts, upload

from segmentation import order_log, read_customers
from segmentation.order_log import OrderColumns
from segmentation.orders import customers_from_data


def export(n: int = 3000) -> bytes:
    lines = ["order_id,customer_id,order_date,amount"]
    for i in range(n):
        lines.append(
            f"O{i // 2},C{(i * 11) % 211},2024-{1 + i % 12:02d}-{1 + i % 28:02d} 10:00:00,"
            f"{i % 50}.25"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(order_log, "CAREFUL_READ_BYTES", 10_000)
    monkeypatch.setattr(order_log, "_HEAD_BYTES", 8_000)


def test_a_big_order_export_shows_the_whole_files_customers(app, small_limit, monkeypatch):
    raw = export()
    careful = customers_from_data(
        read_customers(raw), OrderColumns("customer_id", "order_date", "amount", "order_id")
    )
    reads = []
    original = order_log.read_customers

    def counting(source, *args, **kwargs):
        reads.append(len(source) if isinstance(source, bytes) else source)
        return original(source, *args, **kwargs)

    monkeypatch.setattr(order_log, "read_customers", counting)
    at = upload(app, "orders.csv", raw)
    assert reads and max(reads) <= 8_000  # only the head went through the careful reader
    assert metric(at, "Rows") == "3,000"
    assert metric(at, "Customers") == f"{len(careful.frame):,}"
    assert metric(at, "Orders") == f"{careful.n_orders:,}"
    shown = texts(at)
    assert f"This looks like an order log: 3,000 order lines from {len(careful.frame):,}" in shown
    at.date_input(key="w.snapshot").set_value(careful.snapshot.replace(month=6, day=30))
    ok(at.run())
    assert metric(at, "Snapshot") == f"{careful.snapshot.year}-06-30"
