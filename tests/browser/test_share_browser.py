"""Share and act in a real browser: the value column and cards on Profiles, then the report
(opened with the network cut: every chart must draw from the file alone) and the campaign
pack (checked customer by customer against the upload). A campaign note survives a reload
and travels in the report, the pack's README and its saved segmentation."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from browsertools import (
    SCREENSHOTS,
    assert_no_exception,
    download,
    go,
    open_app,
    read_csv_text,
    rename_segment,
    screenshot,
    settle,
    upload,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HOSTILE = "<script>alert(1)</script>"
NOTE = "Spring catalogue <b>first</b>"
# 150 customers in three groups with a revenue column; one without income (unassigned),
# one cell a spreadsheet would run as a formula.
LINES = ["customer_id,income,visits,revenue,city"]
for i in range(150):
    group = i % 3
    income = "" if i == 11 else str(20 + 40 * group + i % 7)
    city = "=cmd|' /C calc'!A0" if i == 5 else ("Zürich" if i % 2 else "Lyon")
    LINES.append(f"C{i:04d},{income},{2 + 6 * group + i % 4},{40 + 120 * group + i},{city}")
SHOP = ("\n".join(LINES) + "\n").encode()


def test_report_offline_and_pack_customer_by_customer(page: Page, app_url: str, tmp_path):
    open_app(page, app_url)
    upload(page, {"name": "shop_customers.csv", "mimeType": "text/csv", "buffer": SHOP})
    go(page, "Segments")
    go(page, "Profiles")
    rename_segment(page, 2, HOSTILE)
    value_box = page.get_by_role("combobox", name="Value column", exact=True)
    expect(value_box).to_have_value("revenue")  # the money-like default
    expect(page.locator(".js-plotly-plot").filter(has_text="Share of revenue")).to_have_count(1)
    notes = page.get_by_role("textbox", name="Campaign note")
    expect(notes.first).to_be_visible()
    k = notes.count()
    notes.nth(1).fill(NOTE)
    notes.nth(1).press("Control+Enter")
    settle(page)
    expect(notes.nth(1)).to_have_value(NOTE)
    # a reload (the address keeps the session's token) brings the note back on its card
    page.reload()
    page.locator("[data-testid='stSidebarNavLink']").first.wait_for()
    settle(page)
    notes = page.get_by_role("textbox", name="Campaign note")
    expect(notes.nth(1)).to_have_value(NOTE)
    expect(notes.first).to_have_value("")
    notes.first.scroll_into_view_if_needed()
    screenshot(page, "share", "profiles_cards")
    assert_no_exception(page)

    go(page, "Export")
    page.get_by_role("button", name="Download campaign pack").scroll_into_view_if_needed()
    screenshot(page, "share", "export")
    name, report = download(page, "Download report", tmp_path)
    assert name.endswith("_report.html")
    text = report.decode()
    assert "Spring catalogue &lt;b&gt;first&lt;/b&gt;" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text

    # The report alone, with the network cut: anything but the file itself is refused.
    offline = page.context.new_page()
    asked: list[str] = []

    def refuse(route):
        asked.append(route.request.url)
        route.abort()

    offline.route(re.compile(r"^(?!file:).*"), refuse)
    offline.goto((tmp_path / name).as_uri())
    charts = offline.locator(".js-plotly-plot")
    expect(charts).to_have_count(5)  # sizes, value, scatter, heatmap, elbow
    for i in range(5):
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached()
    drawn = offline.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot')]"
        ".map(el => el.querySelectorAll('.main-svg .trace, .main-svg .bars, .hm').length)"
    )
    assert all(n > 0 for n in drawn), drawn
    assert asked == [], f"the report asked the network for {asked}"
    assert offline.evaluate("() => window.__alerted === undefined")
    offline.set_viewport_size({"width": 1280, "height": 1600})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    offline.screenshot(path=SCREENSHOTS / "share_report.png", full_page=True)
    offline.close()

    name, pack = download(page, "Download campaign pack", tmp_path)
    assert name.endswith("_campaign_pack.zip")
    archive = zipfile.ZipFile(io.BytesIO(pack))
    members = archive.namelist()
    assert members[:4] == ["README.txt", "report.html", "customers_labelled.csv", "profiles.csv"]
    lists = [m for m in members if m.startswith("segments/")]
    assert len(lists) == k + 1 and "segments/unassigned.csv" in lists
    assert any(m.startswith("segments/2_script_alert_1_script") for m in lists), lists
    original = read_csv_text(SHOP)
    width = len(original.header)
    by_id = {row[0]: row for row in original.rows}
    seen: dict[str, str] = {}
    for member in lists:
        table = read_csv_text(archive.read(member))
        assert table.header[:width] == original.header
        for row in table.rows:
            customer = row[0]
            assert customer not in seen, f"{customer} in {member} and {seen.get(customer)}"
            seen[customer] = member
            want = by_id[customer]
            for j, cell in enumerate(want):
                assert row[j] == cell or row[j] == "'" + cell, (member, customer, j, row[j])
    assert sorted(seen) == sorted(by_id), "a customer is missing from the segment lists"
    assert seen["C0011"] == "segments/unassigned.csv"
    labelled = read_csv_text(archive.read("customers_labelled.csv"))
    assert [r[0] for r in labelled.rows] == [r[0] for r in original.rows]
    saved = json.loads(archive.read("segmentation.json"))
    assert members[-1] == "segmentation.json"
    assert [s["note"] for s in saved["segments"]][:2] == ["", NOTE]
    assert f"Campaign note: {NOTE}" in archive.read("README.txt").decode()
    assert_no_exception(page)
