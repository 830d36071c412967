"""A marketer steps k quickly with the arrow keys: the page lands on the last k pressed,
with that many segments on the scatter, and does not stop to draw every k on the way."""

from __future__ import annotations

import pytest
from browsertools import (
    EXPECT_TIMEOUT,
    assert_no_exception,
    expect_scatter,
    go,
    k_slider,
    open_app,
    screenshot,
    settle,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

#: Quicker than the wait after a k step (ui.reruns.SETTLE_SECONDS), as a key held down.
PRESS_GAP_MS = 60
STEPS = 4

#: Records, on every frame, how many segments the scatter shows.
RECORD_DRAWN = """() => {
    window.drawnK = [];
    const look = () => {
        for (const el of document.querySelectorAll('.js-plotly-plot')) {
            const names = (el.data || []).map(t => t.name);
            if (names.includes('Segment centres')) {
                const k = names.filter(n => n !== 'Segment centres' &&
                                            !n.startsWith('Borderline')).length;
                if (window.drawnK[window.drawnK.length - 1] !== k) window.drawnK.push(k);
                break;
            }
        }
        window.drawnFrame = requestAnimationFrame(look);
    };
    look();
}"""


def test_quick_k_steps_land_on_the_last_k_without_drawing_each(page: Page, app_url: str):
    page.set_default_timeout(EXPECT_TIMEOUT)
    open_app(page, app_url)
    go(page, "Segments")
    slider = k_slider(page)
    start = int(slider.input_value())
    expect_scatter(page, start)
    top, low = int(slider.get_attribute("max")), int(slider.get_attribute("min"))
    key, target = (
        ("ArrowRight", start + STEPS) if top - start >= STEPS else ("ArrowLeft", start - STEPS)
    )
    assert low <= target <= top

    page.evaluate(RECORD_DRAWN)
    slider.focus()
    for step in range(STEPS):
        slider.press(key)
        if step < STEPS - 1:
            page.wait_for_timeout(PRESS_GAP_MS)
    expect(slider).to_have_value(str(target))
    names = expect_scatter(page, target)
    settle(page)
    assert len(set(names)) == target, names
    expect(page.get_by_text("One segment more or fewer")).to_be_visible()
    assert_no_exception(page)

    drawn = page.evaluate("() => { cancelAnimationFrame(window.drawnFrame); return drawnK; }")
    assert drawn[0] == start and drawn[-1] == target, drawn
    passed = drawn[1:-1]
    # Each drawn k holds the next key press until it is drawn; at most one may slip in.
    assert len(passed) <= 1, f"drew every k on the way: {drawn}"
    screenshot(page, "rapid_k", "landed")
