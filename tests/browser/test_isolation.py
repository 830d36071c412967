"""Session isolation: two browser contexts (two users) upload different files at the same
time; each sees only its own customers on every page and in its labelled download."""

from __future__ import annotations

import re

import pytest
from browsertools import (
    DATASETS,
    DOWNLOAD_LABELLED,
    EXPECT_TIMEOUT,
    PLOTLY,
    UPLOAD_INPUT,
    assert_no_exception,
    check_labelled,
    chosen_features,
    column_of,
    download,
    expect_scatter,
    feature_options,
    go,
    k_slider,
    main,
    metric,
    read_csv_text,
    settle,
    wait_for_dataset,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FILES = ("mall_customers.csv", "wholesale_customers.csv")


def test_two_users_at_once_see_only_their_own_customers(new_context, app_url, tmp_path):
    users = []
    for name in FILES:
        context = new_context()
        page = context.new_page()
        page.set_default_timeout(EXPECT_TIMEOUT)
        table = read_csv_text((DATASETS / name).read_bytes())
        users.append((name, page, table))
    for _, page, _ in users:
        page.goto(app_url)  # both sessions start before either has rendered
    for _, page, _ in users:
        page.locator(UPLOAD_INPUT).wait_for(state="attached")
        settle(page)
    # Both uploads are sent before either is waited for: the server handles them together.
    for name, page, _ in users:
        page.locator(UPLOAD_INPUT).set_input_files(DATASETS / name)
    for name, page, table in users:
        settle(page)
        wait_for_dataset(page, name, len(table.rows))
        expect(metric(page, "Columns")).to_have_text(str(len(table.header)))

    for title in ("Segments", "Profiles", "Export"):
        for _, page, _ in users:  # both clicks first, then the checks
            page.locator("[data-testid='stSidebarNavLink']").filter(has_text=title).click()
        for name, page, table in users:
            go(page, title)  # already there: waits for the page to render
            other = read_csv_text((DATASETS / next(f for f in FILES if f != name)).read_bytes())
            foreign = set(other.header) - set(table.header)
            sidebar = page.locator("[data-testid='stSidebar']")
            expect(sidebar.get_by_text(f"{name} · {len(table.rows):,} customers")).to_be_visible()
            text = main(page).inner_text() + sidebar.inner_text()
            leaked = [c for c in foreign if re.search(rf"(?<!\w){re.escape(c)}(?!\w)", text)]
            assert not leaked, f"{name}'s {title} page shows the other file's columns {leaked}"
            assert other_name(name) not in text, f"{name}'s {title} page names the other file"
            if title == "Segments":
                features = [column_of(f) for f in chosen_features(page) + feature_options(page)]
                assert set(features) <= set(table.header), (name, features)
                expect_scatter(page, int(k_slider(page).input_value()))
                assert_scatter_ids(page, table)
            if title == "Profiles":
                expect(page.locator(PLOTLY).first).to_be_visible()
            assert_no_exception(page)

    for name, page, table in users:
        _, data = download(page, DOWNLOAD_LABELLED, tmp_path / name.removesuffix(".csv"))
        labelled = read_csv_text(data)  # utf-8-sig: the CSV starts with a byte-order mark
        k = len({s for s in labelled.column("segment") if s})
        check_labelled(labelled, table, k)


def other_name(name: str) -> str:
    return next(f for f in FILES if f != name)


def assert_scatter_ids(page, table) -> None:
    """Every customer id in the scatter's hover text is one of this user's ids."""
    ids = page.evaluate(
        """() => {
            for (const el of document.querySelectorAll('.js-plotly-plot')) {
                const data = el.data || [];
                if (!data.some(t => t.name === 'Segment centres')) continue;
                return data.filter(t => t.name !== 'Segment centres')
                           .flatMap(t => Array.from(t.text || []).map(String));
            }
            return [];
        }"""
    )
    own = set(table.column(table.header[0]))
    # both files have every feature filled in: every customer is drawn, no one else
    assert len(ids) == len(table.rows), f"{len(ids)} points drawn for {len(table.rows)} customers"
    assert set(ids) <= own, f"ids not in this user's file: {sorted(set(ids) - own)[:5]}"
