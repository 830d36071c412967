"""One user's costly file must not freeze the others: while the first session uploads the
workbook bomb (6 MB that inflate to ~2 GB of sheet XML), a second session moves k and gets
its segments, and the server keeps answering its health check."""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browsertools import (
    ERROR_ALERT,
    EXPECT_TIMEOUT,
    UPLOAD_INPUT,
    assert_no_exception,
    expect_scatter,
    go,
    k_slider,
    move_k,
    open_app,
    screenshot,
)
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from costly import xlsx_bomb  # noqa: E402

pytestmark = pytest.mark.browser

#: Far above a k step on the sample (well under a second of server time), far below what a
#: frozen server took before the limits (the bomb was still being parsed after 120 s).
PROMPT_SECONDS = 30


def test_a_second_session_moves_k_while_the_first_uploads_the_workbook_bomb(
    new_context, app_url, tmp_path
):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(xlsx_bomb())
    first, second = new_context().new_page(), new_context().new_page()
    for page in (first, second):
        page.set_default_timeout(EXPECT_TIMEOUT)
        open_app(page, app_url)
    go(second, "Segments")
    before = int(k_slider(second).input_value())

    first.locator(UPLOAD_INPUT).set_input_files(bomb)  # not waited for: the other user acts
    start = time.perf_counter()
    k = move_k(second, "ArrowRight" if before < 10 else "ArrowLeft")
    expect_scatter(second, k)
    with urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=5) as answer:
        assert answer.read() == b"ok"
    elapsed = time.perf_counter() - start
    assert elapsed < PROMPT_SECONDS, f"the k step took {elapsed:.1f} s during the upload"

    refusal = first.locator(ERROR_ALERT).first
    expect(refusal).to_contain_text("bomb.xlsx")
    expect(refusal).to_contain_text("at most")
    assert_no_exception(first)
    assert_no_exception(second)
    screenshot(first, "costly", "bomb_refused")
    screenshot(second, "costly", "k_moved_meanwhile")
