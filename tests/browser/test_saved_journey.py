"""A marketer saves the segmentation in one browser and applies it in another: the two
labelled downloads agree customer by customer."""

from __future__ import annotations

import re

from browsertools import (
    DATASETS,
    SAVED_INPUT,
    assert_no_exception,
    download,
    go,
    main,
    open_app,
    read_csv_text,
    rename_segment,
    screenshot,
    settle,
    upload,
    wait_for_dataset,
)
from playwright.sync_api import Browser, expect

DATASET = "mall_customers.csv"


def test_saved_segmentation_applied_in_another_browser(
    browser: Browser, browser_context_args: dict, app_url: str, tmp_path
):
    path = DATASETS / DATASET
    n_rows = len(read_csv_text(path.read_bytes()).rows)

    first = browser.new_context(**browser_context_args).new_page()
    open_app(first, app_url)
    upload(first, path)
    wait_for_dataset(first, DATASET, n_rows)
    go(first, "Segments")
    go(first, "Profiles")
    rename_segment(first, 1, "Our regulars")
    go(first, "Export")
    saved_name, saved = download(first, "Download segmentation", tmp_path / "first")
    assert saved_name.endswith("_segmentation.json")
    _, labelled = download(first, "Download labelled customers", tmp_path / "first")
    screenshot(first, "saved_journey", "export")
    first.context.close()

    second = browser.new_context(**browser_context_args).new_page()
    open_app(second, app_url)
    upload(second, path)
    wait_for_dataset(second, DATASET, n_rows)
    second.locator(SAVED_INPUT).set_input_files(str(tmp_path / "first" / saved_name))
    settle(second)
    screenshot(second, "saved_journey", "data_applied")
    expect(main(second).get_by_text("Applying", exact=False).first).to_be_visible()
    # Not `go`: with a saved segmentation applied, Segments has no feature choice to wait for.
    second.locator("[data-testid='stSidebarNavLink']").filter(has_text="Segments").click()
    expect(second).to_have_url(re.compile(r"/segments(\?|$)"))
    settle(second)
    statement = main(second).get_by_text("These customers are assigned to the segments of")
    expect(statement).to_be_visible()
    expect(main(second).get_by_text("Our regulars").first).to_be_visible()
    expect(second.get_by_role("slider")).to_have_count(0)
    assert_no_exception(second)
    screenshot(second, "saved_journey", "segments_applied")
    go(second, "Export")
    _, again = download(second, "Download labelled customers", tmp_path / "second")
    assert_no_exception(second)

    before, after = read_csv_text(labelled), read_csv_text(again)
    assert after.header == before.header
    assert len(after.rows) == len(before.rows) == n_rows
    for i, (row_before, row_after) in enumerate(zip(before.rows, after.rows)):
        assert row_after == row_before, f"customer {i + 1}: {row_after} != {row_before}"
    assert "Our regulars" in after.column("segment_name")
