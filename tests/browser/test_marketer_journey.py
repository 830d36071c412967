"""What a marketer reads and keeps, in a real browser: a full journey on the wide campaign
file that never makes a request beyond this machine, with the defaults and why, names that
agree with the profile, every column profiled, and the CSV and Excel downloads.

Screenshots are named per item of issue 11 (tests/browser/screenshots/item<N>_...png).
"""

from __future__ import annotations

import io
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
from browsertools import (
    DATASETS,
    DOWNLOAD_LABELLED,
    PLOTLY,
    assert_no_exception,
    check_labelled,
    chosen_features,
    download,
    go,
    main,
    move_k,
    open_app,
    read_csv_text,
    screenshot,
    upload,
    wait_for_dataset,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about"}


def leaves_machine(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


def test_full_journey_never_leaves_localhost(page: Page, app_url: str, tmp_path):
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    path = DATASETS / "marketing_campaign.csv"
    original = read_csv_text(path.read_bytes())

    open_app(page, app_url)
    icon = page.locator("link[rel~='icon']").first.get_attribute("href") or ""
    assert not leaves_machine(urljoin(page.url, icon)), f"the page icon comes from {icon}"
    upload(page, path)
    wait_for_dataset(page, path.name, len(original.rows))
    screenshot(page, "item7_local", "data")

    go(page, "Segments")
    chosen = chosen_features(page)
    assert "MntWines" in chosen and "AcceptedCmp1" not in chosen and "Z_Revenue" not in chosen
    expect(main(page).get_by_text("Chosen: 14 behaviour columns")).to_be_visible()
    screenshot(page, "item2_defaults", "segments")
    k = move_k(page, "ArrowRight")
    expect(page.locator(PLOTLY).first).to_be_visible()
    assert_no_exception(page)

    go(page, "Profiles")
    expect(main(page).get_by_text("● the segments were built on these columns")).to_be_visible()
    names = [
        page.get_by_role("textbox", name=f"Segment {s} name").input_value()
        for s in range(1, k + 1)
    ]
    assert not any(part.startswith("Average") for n in names for part in n.split(" · ")), names
    screenshot(page, "item1_names", "profiles")
    page.locator(PLOTLY).last.scroll_into_view_if_needed()
    screenshot(page, "item1_names", "heatmap")

    go(page, "Export")
    _, data = download(page, DOWNLOAD_LABELLED, tmp_path)
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV has no byte-order mark: Excel misreads '·'"
    check_labelled(read_csv_text(data), original, k)
    page.get_by_role("button", name="Prepare labelled customers for Excel (.xlsx)").click()
    name, book = download(page, "Download labelled customers (.xlsx)", tmp_path)
    assert name.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(book), read_only=True).active.values)
    assert len(rows) - 1 == len(original.rows)
    screenshot(page, "item5_excel", "export")
    assert_no_exception(page)

    assert requests, "no request was recorded"
    outside = sorted({u for u in requests if leaves_machine(u)})
    assert not outside, f"requests left the machine: {outside[:10]}"
