"""A big plain CSV order export: its head read carefully, its lines read and summed by DuckDB,
and the very table the careful reader's path makes (CAREFUL_READ_BYTES made small here)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import DataError, SettingsError, order_log, read_customers
from segmentation.order_log import OrderColumns, read_order_head, read_order_log
from segmentation.orders import customers_from_data, customers_from_orders
from segmentation.orders_duckdb import customers_from_csv, customers_from_log


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


def same_on_both_paths(path, columns: OrderColumns, **options):
    """The big path's table of the file at ``path``, checked equal to the careful path's
    (frame and messages)."""
    fast = customers_from_csv(path, columns, **options)
    careful = careful_table(path, columns, **options)
    pd.testing.assert_frame_equal(fast.frame, careful.frame)
    assert fast.messages == careful.messages
    return fast


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


# --------------------------------------------------------------------------------------
# The big path's one pass: customers in order of their first line USED, every rule counted


def write_log(tmp_path, rows: list[tuple[str, str, str, str]]):
    path = tmp_path / "log.csv"
    body = "".join(f"{o},{c},{d},{a}\n" for o, c, d, a in rows)
    path.write_text("order,customer,date,amount\n" + body)
    return path


COLUMNS = OrderColumns("customer", "date", "amount", "order")


def test_a_customer_comes_where_its_first_usable_line_is(tmp_path):
    """A's first line is dated after the snapshot and its second has no amount: B, whose
    line comes between, comes first, as the careful path puts them."""
    path = write_log(
        tmp_path,
        [
            ("1", "A", "2024-12-31", "5"),
            ("2", "B", "2024-01-02", "3"),
            ("3", "A", "2024-01-03", "n/a"),
            ("4", "A", "2024-01-04", "7"),
            ("5", "", "2024-01-04", "7"),
        ],
    )
    fast = same_on_both_paths(path, COLUMNS, snapshot="2024-06-30")
    assert fast.frame["customer"].tolist() == ["B", "A"]
    assert dict(fast.left_out)["with an unreadable amount"] == 1


def test_ids_padded_with_tabs_or_no_break_spaces_are_the_same_customer_on_both_paths(
    tmp_path,
):
    """An export can pad ids with a tab or a no-break space: the careful path trims any
    white space, so the big path must too, or one customer would be counted twice."""
    path = write_log(
        tmp_path,
        [
            ("1", "A", "2024-01-02", "5"),
            ("2", "\tA", "2024-01-03", "3"),
            ("3", "A\u00a0", "2024-01-04", "7"),
            ("4", "\u2003B ", "2024-01-04", "2"),
            ("5", "\u00a0", "2024-01-05", "9"),
        ],
    )
    fast = same_on_both_paths(path, COLUMNS)
    assert fast.frame["customer"].tolist() == ["A", "B"]
    assert fast.frame["frequency"].tolist() == [3, 1]


_days = st.sampled_from(
    ["2024-01-0" + str(d) for d in range(1, 10)] + ["2024-13-01", "", "2024-02-30"]
)
_lines = st.lists(
    st.tuples(
        st.sampled_from(["o1", "o2", "o3", " o1", ""]),
        st.sampled_from(["A", "B", " C", "D ", ""]),
        _days,
        st.sampled_from(["5", "-2.5", "n/a", "", "1e2", "0.125"]),
    ),
    min_size=1,
    max_size=30,
)


def expected_table(rows, snapshot):
    """The rules of issue 12 applied line by line in plain Python: the customers in order
    of their first line used, their numbers, and the lines left out by reason (or the
    refusal's class)."""
    import datetime as dt
    import math

    def day(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None

    def amount(text):
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    lines = [(o.strip() or None, c.strip() or None, day(d), amount(a)) for o, c, d, a in rows]
    no_id = [x for x in lines if x[1] is None]
    no_date = [x for x in lines if x[1] is not None and x[2] is None]
    no_amount = [x for x in lines if x[1] is not None and x[2] is not None and x[3] is None]
    usable = [x for x in lines if None not in x[1:]]
    if not usable:
        return DataError
    if snapshot == "bad":
        return SettingsError
    last = max(x[2] for x in usable)
    snap = dt.date.fromisoformat(snapshot) if snapshot else last + dt.timedelta(days=1)
    used = [x for x in usable if x[2] <= snap]
    if not used:
        return DataError
    table = {}
    for o, c, d, a in used:
        first, latest, orders, lone, total = table.get(c, (d, d, set(), 0, 0.0))
        orders = orders | {o} if o is not None else orders
        table[c] = (min(first, d), max(latest, d), orders, lone + (o is None), total + a)
    customers = [
        (c, f.isoformat(), la.isoformat(), len(orders) + lone, round(total, 4))
        for c, (f, la, orders, lone, total) in table.items()
    ]
    counts = (len(no_id), len(no_date), len(no_amount), len(usable) - len(used))
    return customers, counts


@settings(max_examples=25, deadline=None)
@given(rows=_lines, snapshot=st.sampled_from([None, "2024-01-05", "2023-01-01", "bad"]))
def test_the_big_path_follows_the_rules_line_by_line_for_any_small_log(
    tmp_path_factory, rows, snapshot
):
    """Whatever the lines break (blank or padded ids, unreadable dates and amounts, lines
    after the snapshot, shared order ids), the big path's one pass gives what the rules
    applied line by line give, and the table the per-line frame path gives."""
    path = write_log(tmp_path_factory.mktemp("log"), rows)
    expected = expected_table(rows, snapshot)
    if not isinstance(expected, tuple):
        with pytest.raises(expected):
            customers_from_csv(path, COLUMNS, snapshot=snapshot)
        return
    fast = customers_from_csv(path, COLUMNS, snapshot=snapshot)
    frame = fast.frame
    got = [
        (c, f, la, q, round(m, 4))
        for c, f, la, q, m in zip(
            frame["customer"],
            frame["first_order_date"],
            frame["last_order_date"],
            frame["frequency"],
            fast.frame["monetary"],
        )
    ]
    customers, counts = expected
    assert [g[:4] for g in got] == [e[:4] for e in customers]
    assert [g[4] for g in got] == pytest.approx([e[4] for e in customers], abs=0.006)
    assert tuple(n for _, n in fast.left_out) == counts
    lines = pd.read_csv(path, dtype=str, keep_default_na=False)
    per_line = customers_from_orders(lines, COLUMNS, snapshot=snapshot)
    pd.testing.assert_frame_equal(frame, per_line.frame)
    assert fast.messages == per_line.messages


def test_the_command_line_counts_a_big_files_lines_where_it_sums_them(
    small_limit, tmp_path, monkeypatch, capsys
):
    """No separate pass over the whole file to count its lines: the count on standard
    error is the summing pass's."""
    from segmentation.cli import main

    path = tmp_path / "orders.csv"
    path.write_bytes(export())

    def no_second_read(_path):
        raise AssertionError("the whole file was read to count its lines")

    monkeypatch.setattr(order_log, "_count_file_lines", no_second_read)
    assert main(["customers", str(path), "-o", str(tmp_path / "out.csv")]) == 0
    assert "of 2,000 order lines" in capsys.readouterr().err


def test_an_amount_with_a_sign_beside_a_plain_one_in_the_same_order_goes_to_the_careful_reader(
    tmp_path,
):
    """Two date layouts (the lines are folded by customer, date and order): an order whose
    lines hold ``5`` and ``$3`` is not summed by DuckDB with the ``$3`` left out."""
    path = write_log(
        tmp_path,
        [
            ("1", "A", "2024-01-02", "5"),
            ("1", "A", "2024-01-02", "$3"),
            ("2", "B", "13.01.2024", "4"),
        ],
    )
    assert customers_from_csv(path, COLUMNS) is None
