"""Costly uploads through the Data page: refused up front with the limit named, the customers
loaded before stay; and the cached reads of many sessions stay under the byte budget."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from apptools import DATA, ROOT, goto, metric, ok, run_entry_script_like_the_server, upload
from streamlit.testing.v1 import AppTest

from ui import budget

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from costly import case_named  # noqa: E402

REFUSED = ["wide_csv", "xlsx_bomb", "parquet_constant_rows", "parquet_long_strings"]


def shown(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", str(value))


@pytest.mark.parametrize("name", REFUSED)
def test_costly_upload_is_refused_naming_the_limit_and_the_old_customers_stay(app, dataset, name):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    case = case_named(name)
    at = upload(app, case.filename, case.build())
    errors = [shown(e.value) for e in at.error]
    assert errors, f"{case.what}: no error shown"
    assert case.filename in errors[0] and "at most" in errors[0], errors[0]
    assert "command line" in errors[0] and "SQL" in errors[0], errors[0]
    assert metric(at, "Customers (rows)").replace(",", "") == "200"


def _customers(seed: int, rows: int = 20_000) -> bytes:
    rng = np.random.default_rng(seed)
    lines = [f"C{i:06d},{rng.integers(20, 120)},{rng.gamma(2, 30):.2f}" for i in range(rows)]
    return ("customer_id,income,spend\n" + "\n".join(lines) + "\n").encode()


def test_several_sessions_uploading_stay_under_the_cache_budget(monkeypatch):
    from collections import OrderedDict

    monkeypatch.setattr(budget, "_entries", OrderedDict())  # this test's sessions only
    files = [_customers(seed) for seed in range(5)]
    sessions = []
    monkeypatch.chdir(ROOT)
    run_entry_script_like_the_server(monkeypatch)
    for i, data in enumerate(files):
        at = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run())
        upload(at, f"customers_{i}.csv", data)
        assert metric(at, "Customers (rows)").replace(",", "") == "20000"
        if i == 0:  # the budget holds about two of these reads (and their prepared features)
            monkeypatch.setattr(budget, "TOTAL_BYTES", int(2.5 * budget.total()))
        assert budget.total() <= budget.TOTAL_BYTES
        sessions.append(at)
    # The first session's read was cleared from the cache: it reads its own upload again.
    noted = [key for key in budget._entries if key[0] == "load"]
    assert all(key[2] != "customers_0.csv" for key in noted), noted
    first = goto(sessions[0], DATA)
    assert metric(first, "Customers (rows)").replace(",", "") == "20000"
    assert budget.total() <= budget.TOTAL_BYTES
