"""A marketer checks whether the segments can be trusted, in a real browser: the Sankey on
Segments (and how it follows k), borderline customers on the scatter, stability on Profiles
and in the sidebar, margins and stability in the downloads."""

from __future__ import annotations

import re

import pytest
from browsertools import (
    DOWNLOAD_LABELLED,
    assert_no_exception,
    download,
    expect_scatter,
    go,
    k_slider,
    main,
    move_k,
    open_app,
    read_csv_text,
    scatter_traces,
    screenshot,
    scroll_to,
    settle,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SANKEY_HEADINGS = """() => {
    for (const el of document.querySelectorAll('.js-plotly-plot')) {
        if ((el.data || []).some(t => t.type === 'sankey'))
            return (el.layout.annotations || []).map(a => a.text);
    }
    return null;
}"""


def sankey_headings(page: Page, chosen: int) -> list[str]:
    page.wait_for_function(
        f"""() => {{
            const h = ({SANKEY_HEADINGS})();
            return h !== null && h.some(t => t.includes('k = {chosen}</b> (chosen)'));
        }}"""
    )
    return page.evaluate(SANKEY_HEADINGS)


def test_trust_journey(page: Page, app_url: str, tmp_path):
    page.set_viewport_size({"width": 1400, "height": 1000})
    open_app(page, app_url)
    go(page, "Segments")
    k = int(k_slider(page).input_value())
    expect_scatter(page, k)
    headings = sankey_headings(page, k)
    assert len(headings) == 3, headings  # k - 1, k and k + 1
    sankey = page.locator(".js-plotly-plot").filter(has=page.locator(".sankey"))
    scroll_to(page, sankey)
    expect(sankey.locator(".sankey-node").first).to_be_visible()
    screenshot(page, "trust", "sankey")

    k = move_k(page, "ArrowRight")
    assert f"<b>k = {k}</b> (chosen)" in sankey_headings(page, k)
    step = main(page).get_by_text(re.compile(rf"From {k - 1} to {k} segments"))
    expect(step.first).to_be_visible()
    scroll_to(page, sankey)
    screenshot(page, "trust", "sankey_after_k_moved")

    box = main(page).get_by_text("Outline borderline customers")
    scroll_to(page, box)
    box.click()
    settle(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')].some(el =>
            (el.data || []).some(t => (t.name || '').startsWith('Borderline customers')))"""
    )
    assert scatter_traces(page)[-1].startswith("Borderline customers")
    scroll_to(page, page.locator(".js-plotly-plot").filter(has_text="Borderline customers"))
    screenshot(page, "trust", "scatter_borderline")
    assert_no_exception(page)

    go(page, "Profiles")
    heading = main(page).get_by_text("Can you trust these segments?")
    expect(heading).to_be_visible()
    caption = main(page).get_by_text(re.compile("resampled 50 times")).first
    scroll_to(page, caption)
    expect(caption).to_be_visible()
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_text(re.compile(r"stability [01]\.\d\d")).first).to_be_visible()
    screenshot(page, "trust", "profiles_stability")
    assert_no_exception(page)

    go(page, "Export")
    _, labelled = download(page, DOWNLOAD_LABELLED, tmp_path)
    table = read_csv_text(labelled)
    assert table.header[-2:] == ["runner_up_segment", "margin"]
    margins = [float(m) for m in table.column("margin")]
    assert all(0 <= m <= 1 for m in margins) and len(margins) == 1000
    _, profiles = download(page, re.compile(r"^Download the profile table$"), tmp_path)
    stability = read_csv_text(profiles).column("stability")
    assert len(stability) == k and all(0 <= float(s) <= 1 for s in stability)
    screenshot(page, "trust", "export")
