"""``python -m segmentation customers``: run as an analyst runs it, in a subprocess."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segmentation import order_log
from segmentation.cli import main
from segmentation.order_log import OrderColumns
from segmentation.orders import CUSTOMER_COLUMNS, customers_from_data
from segmentation.orders_duckdb import customers_from_csv

ROOT = Path(__file__).resolve().parents[1]
ORDERS = (
    "Order No;Client;Date;Total;Currency\n"
    "1001;ana@x.org;31.12.2024;12,50;EUR\n"
    "1001;ana@x.org;31.12.2024;2,50;EUR\n"
    "1002;ben@x.org;02.01.2025;30,00;EUR\n"
    "1003;ana@x.org;05.01.2025;-5,00;EUR\n"
    "1004;cem@x.org;06.01.2025;8,00;EUR\n"
    "1005;;06.01.2025;8,00;EUR\n"
    "1006;cem@x.org;someday;8,00;EUR\n"
)


def run_here(capsys, *args: str) -> tuple[int, str, str]:
    """The command in this process (for the many error cases: a subprocess costs seconds)."""
    status = main(["customers", *args])
    out, err = capsys.readouterr()
    return status, out, err


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "segmentation", "customers", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def orders_csv(tmp_path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8-sig")
    return path


def test_writes_one_row_per_customer_and_counts_left_out_lines(orders_csv):
    done = run(str(orders_csv))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout), dtype={"Client": str})
    assert list(table.columns) == ["Client", *CUSTOMER_COLUMNS]
    ana = table.set_index("Client").loc["ana@x.org"]
    assert (ana["frequency"], ana["monetary"], ana["recency_days"]) == (2, 10.0, 2)
    assert sorted(table["Client"]) == ["ana@x.org", "ben@x.org", "cem@x.org"]
    assert "1 order line without a customer id was left out" in done.stderr
    assert "1 order line with an unreadable date was left out" in done.stderr
    assert "3 customers from 5 of 7 order lines" in done.stderr


def test_output_file_and_named_columns_and_snapshot(orders_csv, tmp_path, capsys):
    out = tmp_path / "customers.csv"
    status, stdout, err = run_here(
        capsys,
        str(orders_csv),
        "-o",
        str(out),
        "--id",
        "Client",
        "--date",
        "Date",
        "--amount",
        "Total",
        "--each-row-an-order",
        "--snapshot",
        "2025-01-31",
    )
    assert status == 0, err
    assert stdout == ""
    table = pd.read_csv(out).set_index("Client")
    assert table.loc["ana@x.org", "frequency"] == 3  # every line an order
    assert table.loc["ana@x.org", "recency_days"] == 26


def test_unknown_column_exits_2_with_one_line_naming_it(orders_csv):
    done = run(str(orders_csv), "--amount", "Revenue")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "--amount 'Revenue': there is no such column" in done.stderr


def test_bad_snapshot_exits_2(orders_csv, capsys):
    status, _, err = run_here(capsys, str(orders_csv), "--snapshot", "31/01/2025")
    assert status == 2 and "is not a date: write it as YYYY-MM-DD" in err


def test_missing_file_exits_2(tmp_path, capsys):
    status, _, err = run_here(capsys, str(tmp_path / "nope.csv"))
    assert status == 2 and err.startswith("error: No such file")


def test_ambiguous_dates_ask_for_the_order_then_follow_it(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text("customer,date,amount\nA,03/04/2024,1\nB,04/05/2024,2\nA,05/06/2024,3\n")
    status, _, err = run_here(capsys, str(path))
    assert status == 2
    assert "add --dates day-first or --dates month-first" in err
    status, out, _ = run_here(capsys, str(path), "--dates", "month-first")
    table = pd.read_csv(io.StringIO(out)).set_index("customer")
    assert table.loc["A", "last_order_date"] == "2024-05-06"


def test_two_currencies_are_refused(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text(
        ORDERS.replace("1004;cem@x.org;06.01.2025;8,00;EUR", "1004;cem@x.org;06.01.2025;8,00;USD")
    )
    status, _, err = run_here(capsys, str(path))
    assert status == 2 and "2 currencies (EUR, USD)" in err


def test_a_customer_table_is_refused_naming_the_flags(tmp_path, capsys):
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,spend,visits\nA,1,2\nB,3,4\nC,5,6\n")
    status, _, err = run_here(capsys, str(path))
    assert status == 2
    assert err.strip().endswith("name the columns with --date")


def test_help_explains_the_columns():
    done = run("--help")
    assert done.returncode == 0
    assert "rfm_segment" in done.stdout and "--snapshot YYYY-MM-DD" in done.stdout


@pytest.mark.parametrize(
    ("layout", "odd_line"),
    [
        ("{d:02d}/{m:02d}/2024 10:00", "O9,C1,someday,1"),  # text dates, decided by values
        ("2024-{m:02d}-{d:02d} 10:00:00", "O9,C2,2024-02-30 10:00:00,n/a"),  # ISO, typed
        ("2024-{m:02d}-{d:02d}", "O9,C2,2024-01-05,3.5"),  # ISO dates, typed
        ("{d:02d}.{m:02d}.2024", "O9,C3,2024-03-05,2"),  # two layouts: dates looked up
    ],
)
def test_big_plain_csv_summed_by_duckdb_gives_the_careful_table(tmp_path, layout, odd_line):
    """The fast engine makes the very table the careful path makes, left-out lines too."""
    lines = ["order_id,customer_id,order_date,amount"] + [
        f"O{i // 2},{'' if i % 101 == 0 else f'C{i % 37}'},"
        + layout.format(d=1 + i % 28, m=1 + i % 12)
        + f",{(i % 50) - 3}.25"
        for i in range(3000)
    ]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + f"\n{odd_line}\n")
    careful = order_log.read_order_log(path)
    columns = careful.guess.columns
    expected = customers_from_data(careful.data, columns, snapshot="2024-11-30")
    fast = customers_from_csv(path, columns, snapshot="2024-11-30")
    pd.testing.assert_frame_equal(fast.frame, expected.frame)
    assert fast.messages == expected.messages
    assert fast.n_used == expected.n_used
    assert fast.dates.order == expected.dates.order


def test_amounts_that_are_not_plain_numbers_go_to_the_careful_reader(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text('customer,date,amount\nA,2024-01-01,"1,234.50"\nB,2024-01-02,3\n')
    assert customers_from_csv(path, OrderColumns("customer", "date", "amount")) is None
