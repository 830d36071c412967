"""Reloads in a real browser: two users at once each get their own upload, k and names back
after a reload; a token that is not theirs restores nothing; after a server restart the
page says plainly that the file must be uploaded again."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from browsertools import (
    DATASETS,
    EXPECT_TIMEOUT,
    UPLOAD_INPUT,
    go,
    k_slider,
    main,
    move_k,
    open_app,
    rename_segment,
    running_server,
    screenshot,
    settle,
    upload,
    wait_for_dataset,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FILES = ("mall_customers.csv", "wholesale_customers.csv")
GONE = "Please upload the file again"


def token(page: Page) -> str:
    page.wait_for_url(re.compile(r"[?&]session="))
    return parse_qs(urlsplit(page.url).query)["session"][0]


def reload(page: Page) -> None:
    page.reload()
    page.locator("[data-testid='stSidebarNavLink']").first.wait_for()
    settle(page)


def test_two_users_each_get_their_own_work_back_after_a_reload(new_context, app_url):
    users = []
    for i, name in enumerate(FILES):
        page = new_context().new_page()
        page.set_default_timeout(EXPECT_TIMEOUT)
        open_app(page, app_url)
        upload(page, DATASETS / name)
        go(page, "Segments")
        k = move_k(page, "ArrowRight")
        go(page, "Profiles")
        rename_segment(page, 1, f"Mine {i}")
        users.append((name, page, k, token(page)))
    assert users[0][3] != users[1][3], "two sessions share a token"

    for i, (name, page, k, own) in enumerate(users):
        reload(page)
        expect(page.get_by_role("textbox", name="Segment 1 name")).to_have_value(f"Mine {i}")
        sidebar = page.locator("[data-testid='stSidebar']")
        expect(sidebar.get_by_text(name)).to_be_visible()
        go(page, "Segments")
        expect(k_slider(page)).to_have_value(str(k))
        assert token(page) == own
        screenshot(page, "item6_reload", name.removesuffix(".csv"))

    # A token one character off opens nothing: a fresh start with the notice.
    _, page, _, own = users[1]
    forged = own[:-1] + ("A" if own[-1] != "A" else "B")
    page.goto(f"{app_url}/?session={forged}")
    page.locator(UPLOAD_INPUT).wait_for(state="attached")
    settle(page)
    expect(main(page).get_by_text(GONE)).to_be_visible()
    expect(main(page).get_by_text("built-in sample").first).to_be_visible()
    assert token(page) not in (forged, own)


def test_after_a_server_restart_the_page_says_to_upload_again(page: Page, tmp_path):
    path = DATASETS / "mall_customers.csv"
    with running_server(tmp_path / "first.log") as first:
        open_app(page, first.url)
        upload(page, path)
        wait_for_dataset(page, path.name, 200)
        old = token(page)
    with running_server(tmp_path / "second.log") as second:
        page.goto(f"{second.url}/?session={old}")  # the same address, a restarted server
        page.locator(UPLOAD_INPUT).wait_for(state="attached")
        settle(page)
        expect(main(page).get_by_text(GONE)).to_be_visible()
        screenshot(page, "item6_restart", "data")
