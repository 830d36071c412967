"""The Segments scatter is drawn again in place when k moves (the same chart, not a new
one), a box dragged on it lists the customers inside, and that list goes when k moves and
the drawn segments change. plotly.js is the copy Streamlit's own charts loaded, or else the
app's own: never fetched from outside."""

from __future__ import annotations

import re

import pytest
from browsertools import (
    EXPECT_TIMEOUT,
    assert_no_exception,
    expect_scatter,
    go,
    k_slider,
    main,
    move_k,
    open_app,
    screenshot,
    scroll_to,
    settle,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

#: The scatter's Plotly element, found by its "Segment centres" trace.
FIND_SCATTER = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .find(el => (el.data || []).some(t => t.name === 'Segment centres'))"""


def mark_scatter(page: Page, mark: str) -> None:
    page.evaluate(f"() => {{ ({FIND_SCATTER})().dataset.probe = {mark!r}; }}")


def scatter_mark(page: Page) -> str | None:
    return page.evaluate(f"() => ({FIND_SCATTER})().dataset.probe || null")


def drag_box_over_scatter(page: Page) -> None:
    """Drag a box over the lower left of the scatter's plot area, as a marketer does."""
    box = None
    for candidate in page.locator(".js-plotly-plot .nsewdrag").all():
        inside = candidate.evaluate(
            "el => (el.closest('.js-plotly-plot').data || [])"
            ".some(t => t.name === 'Segment centres')"
        )
        if inside:
            box = candidate.bounding_box()
            break
    assert box, "no plot area on the scatter"
    x0, y0 = box["x"] + box["width"] * 0.02, box["y"] + box["height"] * 0.5
    x1, y1 = box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.98
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=12)
    page.mouse.up()


def record_plotly_loads(page: Page) -> list[tuple[str, int]]:
    """From now on, every plotly.js file the page receives: (address, status)."""
    loads = []

    def record(response) -> None:
        if response.url.endswith("plotly.min.js"):
            loads.append((response.url, response.status))

    page.on("response", record)
    return loads


def test_k_step_redraws_the_scatter_in_place_and_a_box_lists_customers(
    page: Page, app_url: str
):
    page.set_default_timeout(EXPECT_TIMEOUT)
    plotly_loads = record_plotly_loads(page)
    open_app(page, app_url)
    go(page, "Segments")
    k = int(k_slider(page).input_value())
    expect_scatter(page, k)
    # Drawn with the plotly.js Streamlit's elbow chart left on the page: no second copy.
    # Fails when Streamlit stops leaving it there (the app then loads its own, ~1 s slower).
    assert plotly_loads == [], plotly_loads

    mark_scatter(page, "drawn before the step")
    k = move_k(page, "ArrowRight")
    expect_scatter(page, k)
    assert scatter_mark(page) == "drawn before the step"  # the same chart, drawn again

    scatter = page.locator(".js-plotly-plot").filter(has_text="Customer segments")
    scroll_to(page, scatter)
    drag_box_over_scatter(page)
    settle(page)
    heading = main(page).get_by_text(re.compile(r"^[\d,]+ selected customers$"))
    expect(heading).to_be_visible()
    n = int(heading.inner_text().split()[0].replace(",", ""))
    assert 0 < n < 1_000, n  # the customers inside the box, not all of the sample's 1,000
    button = main(page).get_by_role("button", name="Download these customers")
    expect(button).to_be_visible()
    scroll_to(page, button)
    screenshot(page, "scatter_in_place", "box_selection")

    k = move_k(page, "ArrowRight")
    expect_scatter(page, k)
    expect(heading).to_have_count(0)  # the old box no longer describes what is drawn
    assert scatter_mark(page) == "drawn before the step"
    assert_no_exception(page)


#: Hides the plotly.js Streamlit's charts leave on `window` (the first one set) and keeps
#: any later one: the page as it would be if Streamlit stopped leaving it there.
HIDE_STREAMLITS_PLOTLY = """(() => {
    let sets = 0, value;
    Object.defineProperty(window, 'Plotly', {
        configurable: true,
        get: () => value,
        set: (v) => { sets += 1; if (sets > 1) value = v; },
    });
})()"""


def test_without_streamlits_plotly_js_the_app_serves_its_own(page: Page, app_url: str):
    page.set_default_timeout(EXPECT_TIMEOUT)
    plotly_loads = record_plotly_loads(page)
    page.add_init_script(HIDE_STREAMLITS_PLOTLY)
    open_app(page, app_url)
    go(page, "Segments")
    k = int(k_slider(page).input_value())
    expect_scatter(page, k)
    assert len(plotly_loads) == 1, plotly_loads
    url, status = plotly_loads[0]
    assert url.startswith(app_url) and status == 200, plotly_loads
    k = move_k(page, "ArrowRight")
    expect_scatter(page, k)
    assert_no_exception(page)
