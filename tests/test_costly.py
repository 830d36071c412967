"""Costly uploads: every file of tests/costly.py comes back as a table or the core's own error,
each read in a process of its own within bounded time and memory; and the limits hold.

The bounds are generous (30 s, 1.5 GB of peak memory, imports included): wall-clock is
not asserted tightly on a shared machine, but before the limits several of these files
ran for minutes or past 2.5 GB (see benchmarks/costly_uploads.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from costly import CASES, read_in_child

from segmentation import DataError, read_customers
from segmentation.health import CORRELATION_COLUMNS
from segmentation.io import APP_LIMITS, Limits
from segmentation.io import excel as excel_reader

ROOT = Path(__file__).resolve().parents[1]
SECONDS, PEAK_MB = 30.0, 1500.0


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict:
    """Every costly file read in one child process (imports paid once), file by file."""
    out = tmp_path_factory.mktemp("costly")
    paths = []
    for case in CASES:
        paths.append(out / case.filename)
        paths[-1].write_bytes(case.build())
    got = read_in_child(paths, root=ROOT, timeout=SECONDS, memory_cap_mb=2 * PEAK_MB)
    return {case.name: outcome for case, outcome in zip(CASES, got)}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_costly_file_returns_a_table_or_the_cores_error_in_bounded_time_and_memory(
    case, outcomes
):
    got = outcomes[case.name]
    assert got.outcome in ("table", "error"), f"{case.what}: {got}"
    assert got.seconds < SECONDS, f"{case.what}: {got.seconds:.1f} s"
    assert got.peak_mb < PEAK_MB, f"{case.what}: {got.peak_mb:.0f} MB"
    if case.refused is not None:
        assert got.outcome == "error", f"{case.what} must be refused before parsing: {got}"
        assert re.search(case.refused, got.message), got.message


def _csv(rows: int, columns: int, blank: int = 0) -> bytes:
    header = "id," + ",".join(f"m{j}" for j in range(columns))
    rng = np.random.default_rng(0)
    lines = [f"C{i}," + ",".join(str(v) for v in rng.integers(0, 9, columns)) for i in range(rows)]
    return (header + "\n" + "\n".join(lines) + "\n").encode() + b"\n" * blank


def test_a_file_over_the_column_limit_is_refused_naming_the_limit_and_the_way_beyond():
    with pytest.raises(DataError, match="at most 5 columns") as refused:
        read_customers(_csv(10, 6), limits=Limits(max_columns=5))
    assert "command line" in str(refused.value) and "SQL" in str(refused.value)
    assert read_customers(_csv(10, 4), limits=Limits(max_columns=5)).frame.shape == (10, 5)


def test_blank_lines_are_not_counted_as_customers_against_the_row_limit():
    small = Limits(max_rows=10)
    assert len(read_customers(_csv(10, 2, blank=500), limits=small).frame) == 10
    with pytest.raises(DataError, match="10 customers"):
        read_customers(_csv(11, 2), limits=small)


def test_cells_limit_counts_rows_times_columns():
    with pytest.raises(DataError, match=r"at most 100 cells"):
        read_customers(_csv(30, 4), limits=Limits(max_cells=100))


def test_no_limits_reads_a_wide_file_and_compares_only_the_first_columns_for_pairs():
    data = read_customers(_csv(20, 300), limits=None)
    assert data.frame.shape == (20, 301)
    report = data.report
    compared = {c for pair in report.correlated_pairs for c in pair[:2]}
    assert compared <= {f"m{j}" for j in range(CORRELATION_COLUMNS)}
    assert any(f"Only the first {CORRELATION_COLUMNS} columns" in f.problem
               for f in report.findings)


def test_the_app_limits_are_the_documented_ones():
    assert (APP_LIMITS.max_rows, APP_LIMITS.max_columns, APP_LIMITS.max_cells) == (
        5_000_000, 1_000, 25_000_000)
    readme = (ROOT / "README.md").read_text()
    for figure in ("5,000,000", "1,000 columns", "25,000,000", "5,000,000 cells"):
        assert figure in readme, f"the README does not document {figure}"


def _sheet(rows: int) -> bytes:
    import costly

    name, data, crc, size, method = costly._deflated("xl/worksheets/sheet1.xml", costly._sheet_xml(
        [["customer_id", "income", "spend"]]
        + [[f"C{i:06d}", i % 97, round(i * 0.37 % 50, 2)] for i in range(rows)]
    ))
    return costly._workbook([("Customers", (name, data, crc, size, method))])


def test_a_big_sheet_read_in_its_own_process_gives_the_same_table(monkeypatch):
    workbook = _sheet(40_000)
    real, used = excel_reader._table_in_worker, []
    monkeypatch.setattr(excel_reader, "_table_in_worker", lambda *a: used.append(a) or real(*a))
    child = read_customers(workbook, name="big.xlsx")
    assert used, "a 40,000-row sheet is read in its own process"
    monkeypatch.setattr(excel_reader, "IN_PROCESS_XML_BYTES", 1 << 40)
    called = []
    monkeypatch.setattr(excel_reader, "_table_in_worker", lambda *a: called.append(a))
    here = read_customers(workbook, name="big.xlsx")
    assert not called, "the in-process read was not the one measured"
    assert child.frame.equals(here.frame)
    assert child.raw.equals(here.raw)
    assert len(child.frame) == 40_000


def test_a_missing_sheet_is_named_from_the_worker_too(monkeypatch):
    monkeypatch.setattr(excel_reader, "IN_PROCESS_XML_BYTES", 0)
    with pytest.raises(DataError, match="no sheet named 'Orders'.*'Customers'"):
        read_customers(_sheet(10), name="book.xlsx", sheet="Orders")


def test_an_irregular_file_parsed_in_its_own_process_gives_the_same_table(monkeypatch):
    from segmentation.io import text as text_reader

    irregular = b"id;income;spend\n" + b"".join(
        b"C%d;%d;%d\n" % (i, i % 50, i % 7) if i % 9 else b"C%d;%d\n" % (i, i % 50)
        for i in range(3000)
    )
    here = read_customers(irregular, name="short_rows.csv")
    monkeypatch.setattr(text_reader, "IN_PROCESS_TEXT_BYTES", 0)
    real, used = text_reader._rows_in_worker, []
    monkeypatch.setattr(text_reader, "_rows_in_worker", lambda *a: used.append(a) or real(*a))
    child = read_customers(irregular, name="short_rows.csv")
    assert used, "the row-by-row parse ran in its own process"
    assert child.frame.equals(here.frame) and child.raw.equals(here.raw)
    assert [f.problem for f in child.report.findings] == [f.problem for f in here.report.findings]
    broken = irregular.replace(b"C5;5;5\n", b"C5;5;5;x\n")
    with pytest.raises(DataError, match="Line 7 has 4 values but the header has 3 columns"):
        read_customers(broken, name="broken.csv")
