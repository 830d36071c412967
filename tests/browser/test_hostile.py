"""Hostile and bad input in a real browser: column names that are HTML or Markdown are shown
as text (no alert, no element created), and the worst dozen files of the corpus each get a
named error or a correct result, never a traceback, and the page keeps working."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from browsertools import (
    DATASETS,
    DOWNLOAD_LABELLED,
    ERROR_ALERT,
    EXCEPTION,
    PLOTLY,
    UPLOAD_INPUT,
    assert_no_exception,
    chosen_features,
    download,
    expect_scatter,
    feature_options,
    go,
    k_slider,
    main,
    metric,
    open_app,
    read_csv_text,
    screenshot,
    settle,
    upload,
    wait_for_dataset,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CORPUS_PATH = Path(__file__).resolve().parents[1] / "corpus.py"
IMG = "<img src=x onerror=alert(1)>"
BOLD = "**bold**"


def load_corpus():
    """tests/corpus.py, imported by path (tests/ is not a package)."""
    if not CORPUS_PATH.exists():
        pytest.fail(f"{CORPUS_PATH} is missing: the browser tests upload its worst dozen")
    spec = importlib.util.spec_from_file_location("corpus", CORPUS_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("corpus", module)
    spec.loader.exec_module(module)
    return module


def as_upload(case) -> dict:
    return {"name": case.filename, "mimeType": "text/csv", "buffer": case.data}


def watch_page(page: Page) -> list[str]:
    """Record (and dismiss) every dialog the page opens."""
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def assert_nothing_injected(page: Page, dialogs: list[str]) -> None:
    assert dialogs == [], f"the page opened dialogs: {dialogs}"
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(page.locator("img[onerror]")).to_have_count(0)
    expect(page.locator("strong, b").filter(has_text=re.compile(r"^bold$"))).to_have_count(0)


def test_html_and_markdown_column_names_are_shown_as_text(page: Page, app_url: str, tmp_path):
    case = load_corpus().case_named("hostile_column_names")
    assert IMG in case.columns and BOLD in case.columns
    dialogs = watch_page(page)

    open_app(page, app_url)
    upload(page, as_upload(case))
    wait_for_dataset(page, case.filename, case.n_rows)
    # The column names appear literally: the roles table lists every column as text.
    page.get_by_text("Columns and their roles").click()
    settle(page)
    roles_text = main(page).inner_text()
    screenshot(page, "hostile_names", "data")
    page_html = main(page).inner_html()
    for name in (IMG, BOLD):
        shown = name in roles_text or name.replace("<", "&lt;").replace(">", "&gt;") in page_html
        assert shown, f"{name!r} not shown literally on the Data page"
    assert_nothing_injected(page, dialogs)

    go(page, "Segments")
    features = chosen_features(page) + feature_options(page)
    assert IMG in features and BOLD in features, features
    tags = main(page).locator("[data-testid='stMultiSelectTagsContainer'] [data-tag]")
    visible = [t.inner_text().strip() for t in tags.all()]
    assert set(visible) <= set(case.columns), visible
    k = int(k_slider(page).input_value())
    expect_scatter(page, k)
    screenshot(page, "hostile_names", "segments")
    page.locator(PLOTLY).last.scroll_into_view_if_needed()
    screenshot(page, "hostile_names", "segments_scatter")
    assert_nothing_injected(page, dialogs)
    assert_no_exception(page)

    go(page, "Profiles")
    screenshot(page, "hostile_names", "profiles")
    assert_nothing_injected(page, dialogs)
    assert_no_exception(page)

    go(page, "Export")
    _, data = download(page, DOWNLOAD_LABELLED, tmp_path)
    header = read_csv_text(data).header
    assert IMG in header and BOLD in header, header
    assert "'=cmd|' /C calc'!A0" in header, f"formula column name not neutralised: {header}"
    assert_nothing_injected(page, dialogs)


def test_worst_dozen_bad_files(page: Page, app_url: str):
    """One session meets the corpus' worst dozen one after the other, as a user trying file
    after file: each gets a named error (previous data still shown) or a correct result."""
    corpus = load_corpus()
    cases = [c for c in corpus.corpus(include_long=False) if c.browser]
    assert len(cases) >= 10, [c.name for c in cases]
    dialogs = watch_page(page)
    start = DATASETS / "mall_customers.csv"

    open_app(page, app_url)
    upload(page, start)
    current = (start.name, 200)
    wait_for_dataset(page, *current)
    problems: list[str] = []
    for case in cases:
        try:
            page.locator(UPLOAD_INPUT).set_input_files(as_upload(case))
            settle(page)
            if case.expect == "error" and case.stage == "read":
                alert = main(page).locator(ERROR_ALERT)
                expect(alert.first).to_be_visible()
                expect(alert.first).to_contain_text(case.filename)
                message = alert.first.inner_text()
                assert re.search(case.error_match, message), (
                    f"error does not name the problem ({case.error_match}): {message!r}"
                )
                assert re.search(corpus.ADVICE_MATCH, message), f"no advice: {message!r}"
                # the previous customers are still loaded and shown
                expect(main(page).get_by_text(f"File: {current[0]}")).to_be_visible()
                expect(metric(page, "Customers (rows)")).to_have_text(f"{current[1]:,}")
            else:
                wait_for_dataset(page, case.filename, case.n_rows)
                expect(main(page).locator(ERROR_ALERT)).to_have_count(0)
                current = (case.filename, case.n_rows)
            expect(page.locator(EXCEPTION)).to_have_count(0)
            assert_nothing_injected(page, dialogs)
        except AssertionError as exc:
            screenshot(page, "worst_dozen", case.name)
            problems.append(f"{case.name} ({case.filename}): {str(exc)[:600]}")
    screenshot(page, "worst_dozen", "last")
    # The page still works after all of them: the last good data segments.
    go(page, "Segments")
    expect_scatter(page, int(k_slider(page).input_value()))
    assert_no_exception(page)
    assert not problems, "\n\n".join(problems)


def test_identical_customers_are_told_why_nothing_can_be_segmented(page: Page, app_url: str):
    """Five copies of one customer: Segments says every column is the same, not 'choose a
    feature'."""
    rows = "".join(f"C{i},34,52.5,61\n" for i in range(5))
    same = {
        "name": "identical_customers.csv",
        "mimeType": "text/csv",
        "buffer": ("customer_id,age,income,spend\n" + rows).encode(),
    }
    open_app(page, app_url)
    upload(page, same)
    wait_for_dataset(page, "identical_customers.csv", 5)
    # Not `go`: it waits for the feature choice, which this page rightly does not show.
    page.locator("[data-testid='stSidebarNavLink']").filter(
        has_text=re.compile(r"Segments\s*$")
    ).click()
    expect(page).to_have_url(re.compile(r"/segments(\?|$)"))
    settle(page)
    alert = main(page).locator(ERROR_ALERT)
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("single value for all 5 customers")
    expect(alert).to_contain_text("'age', 'income', 'spend'")
    expect(main(page).get_by_text("Choose at least one feature")).to_have_count(0)
    screenshot(page, "identical_customers", "segments")
    assert_no_exception(page)
