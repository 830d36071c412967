"""Every corpus file uploaded through the Data page: a correct result or a named error.

For each file of tests/corpus.py: the user first uploads mall_customers.csv, then the file.
Never an exception. A file the core refuses shows an st.error that names the file and the
problem and says what to do, and the 200 mall customers stay loaded (on the Data page and
on the Segments page). A readable file replaces them, shows its number of customers and no
error, and the Segments page segments every customer of it; a file of identical customers
says on Segments that nothing can be segmented, and why.

The long file has `corpus.LONG_ROWS_IN_TESTS` rows here; the 1M-row file is for the browser.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from apptools import DATA, SEGMENTS, goto, metric, upload

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpus import ADVICE_MATCH, corpus  # noqa: E402

CASES = corpus()
#: Files whose customers are all alike: they read, and Segments says nothing can be built.
NOTHING_TO_SEGMENT = {"ten_identical_rows"}
REFUSED = [c for c in CASES if not c.reads]
READABLE = [c for c in CASES if c.reads and c.name not in NOTHING_TO_SEGMENT]
IDENTICAL = [c for c in CASES if c.name in NOTHING_TO_SEGMENT]
MALL_ROWS = "200"


def shown(value: str) -> str:
    """An alert as the user reads it: Markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", str(value))


def rows_shown(at) -> str:
    return metric(at, "Customers (rows)").replace(",", "")


@pytest.fixture
def with_mall(app, dataset):
    """The app on the Data page with the 200 mall customers uploaded."""
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    assert rows_shown(app) == MALL_ROWS
    return app


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_refused_upload_names_the_file_the_problem_and_keeps_the_data(with_mall, case):
    at = upload(with_mall, case.filename, case.data)  # upload() asserts no exception
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1, f"a file the core refuses shows one error: {errors}"
    message = errors[0]
    assert case.filename in message, f"the error does not name the file: {message}"
    # the problem first, then what to do as a clause of its own ("...: upload a CSV")
    advice = re.search(ADVICE_MATCH, message)
    assert advice, f"the error does not say what to do: {message}"
    problem = message[: advice.start()]
    assert re.search(case.error_match, problem), f"the error does not name the problem: {message}"
    # The customers loaded before stay, on every page.
    assert rows_shown(at) == MALL_ROWS
    goto(at, SEGMENTS)
    assert metric(at, "Customers segmented").replace(",", "") == MALL_ROWS
    goto(at, DATA)
    assert rows_shown(at) == MALL_ROWS


@pytest.mark.parametrize("case", READABLE, ids=[c.name for c in READABLE])
def test_readable_upload_replaces_the_data_and_segments(with_mall, case):
    at = upload(with_mall, case.filename, case.data)
    errors = [shown(e.value) for e in at.error]
    assert not errors, f"a readable file shows an error: {errors}"
    assert rows_shown(at) == str(case.n_rows), "the file's customers are not shown"
    goto(at, SEGMENTS)  # asserts no exception
    errors = [shown(e.value) for e in at.error]
    assert not errors, f"a file that can be segmented shows an error: {errors}"
    segmented = int(metric(at, "Customers segmented").replace(",", ""))
    not_segmented = int(metric(at, "Not segmented").replace(",", ""))
    assert segmented > 0 and segmented + not_segmented == case.n_rows


@pytest.mark.parametrize("case", IDENTICAL, ids=[c.name for c in IDENTICAL])
def test_identical_customers_upload_says_why_nothing_can_be_segmented(with_mall, case):
    at = upload(with_mall, case.filename, case.data)
    assert rows_shown(at) == str(case.n_rows)
    goto(at, SEGMENTS)
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert f"single value for all {case.n_rows} customers" in errors[0]
    assert re.search(case.error_match, errors[0]), errors[0]
    assert not [m for m in at.metric if m.label == "Segments"]
