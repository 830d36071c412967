"""A marketer's journeys in a real browser: first visit on the sample, each shared dataset
from upload to the labelled download, and renaming a segment."""

from __future__ import annotations

import pytest
from browsertools import (
    DATASETS,
    DOWNLOAD_LABELLED,
    PLOTLY,
    SAMPLE_TEXT,
    add_feature,
    assert_no_exception,
    check_labelled,
    chosen_features,
    download,
    expect_scatter,
    feature_options,
    go,
    k_slider,
    main,
    move_k,
    open_app,
    read_csv_text,
    remove_feature,
    rename_segment,
    screenshot,
    upload,
    wait_for_dataset,
)
from playwright.sync_api import Page, expect

from segmentation import read_customers
from segmentation.defaults import add_derived_columns, suggest_features

pytestmark = pytest.mark.browser

DATASET_FILES = sorted(p.name for p in DATASETS.glob("*.csv")) if DATASETS.is_dir() else []


def test_datasets_are_there():
    assert DATASET_FILES, f"no shared datasets in {DATASETS}: the journeys need them"


def test_first_visit_shows_the_sample_segments(page: Page, app_url: str):
    open_app(page, app_url)
    expect(main(page).get_by_text(SAMPLE_TEXT).first).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "first_visit", "data")

    go(page, "Segments")
    expect(main(page).get_by_text(SAMPLE_TEXT).first).to_be_visible()
    k = int(k_slider(page).input_value())
    names = expect_scatter(page, k)
    assert len(names) == k and all(names), names
    assert_no_exception(page)
    screenshot(page, "first_visit", "segments")
    page.locator(PLOTLY).last.scroll_into_view_if_needed()
    screenshot(page, "first_visit", "segments_scatter")

    go(page, "Profiles")
    for segment in range(1, k + 1):
        expect(page.get_by_role("textbox", name=f"Segment {segment} name")).to_have_value(
            names[segment - 1]
        )
    expect(page.locator(PLOTLY).first).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "first_visit", "profiles")
    page.locator(PLOTLY).last.scroll_into_view_if_needed()
    screenshot(page, "first_visit", "profiles_charts")

    go(page, "Export")
    expect(page.get_by_role("button", name=DOWNLOAD_LABELLED)).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "first_visit", "export")


@pytest.mark.parametrize("dataset", DATASET_FILES)
def test_dataset_journey(page: Page, app_url: str, dataset: str, tmp_path):
    path = DATASETS / dataset
    original = read_csv_text(path.read_bytes())
    stem = dataset.removesuffix(".csv")

    open_app(page, app_url)
    upload(page, path)
    wait_for_dataset(page, dataset, len(original.rows))
    screenshot(page, stem, "data")

    go(page, "Segments")
    expect(main(page).get_by_text(SAMPLE_TEXT)).to_have_count(0)
    # Features: the suggested ones are chosen and every other numeric column is offered;
    # take the last chosen away, then add the first column offered (the one taken away
    # when the file has no other: every numeric column of cc_general is suggested).
    suggestion = suggest_features(add_derived_columns(read_customers(path)))
    label = suggestion.label
    chosen = chosen_features(page)
    assert chosen == [label(c) for c in suggestion.defaults], chosen
    assert set(suggestion.defaults) <= set(original.header), suggestion.defaults
    removed = chosen[-1]
    remove_feature(page, removed)
    assert removed not in chosen_features(page)
    offered = [label(c) for c in suggestion.options if label(c) not in chosen[:-1]]
    shown = feature_options(page)  # a virtual list: only its first options are drawn
    assert shown == offered[: len(shown)] and len(shown) >= min(len(offered), 5), shown
    added = offered[0]
    add_feature(page, added)
    features = chosen_features(page)
    expected = [*chosen[:-1], added]
    assert features == expected, (features, expected)
    assert_no_exception(page)

    # k: one step right (left when already at the top); the scatter follows.
    slider = k_slider(page)
    at_max = slider.input_value() == slider.get_attribute("max")
    k = move_k(page, "ArrowLeft" if at_max else "ArrowRight")
    names = expect_scatter(page, k)
    assert len(set(names)) == k, names
    assert_no_exception(page)
    screenshot(page, stem, "segments")
    page.locator(PLOTLY).last.scroll_into_view_if_needed()
    screenshot(page, stem, "segments_scatter")

    go(page, "Profiles")
    for segment in range(1, k + 1):
        expect(page.get_by_role("textbox", name=f"Segment {segment} name")).to_have_value(
            names[segment - 1]
        )
    expect(page.get_by_role("textbox", name=f"Segment {k + 1} name")).to_have_count(0)
    expect(page.locator(PLOTLY).first).to_be_visible()
    assert_no_exception(page)
    screenshot(page, stem, "profiles")
    page.locator(PLOTLY).last.scroll_into_view_if_needed()
    screenshot(page, stem, "profiles_charts")

    go(page, "Export")
    screenshot(page, stem, "export")
    filename, data = download(page, DOWNLOAD_LABELLED, tmp_path)
    assert stem in filename and f"k{k}" in filename, filename
    labelled = read_csv_text(data)  # utf-8-sig: the CSV starts with a byte-order mark
    check_labelled(labelled, original, k)
    assert set(labelled.column("segment_name")) - {""} <= set(names)
    # the choices survived the trip: going back shows the same features and k
    go(page, "Segments")
    assert chosen_features(page) == features
    expect(k_slider(page)).to_have_value(str(k))
    assert_no_exception(page)


def test_renamed_segment_shows_everywhere_and_in_the_download(page: Page, app_url: str, tmp_path):
    path = DATASETS / "mall_customers.csv"
    original = read_csv_text(path.read_bytes())
    new_name = "Loyal big spenders"

    open_app(page, app_url)
    upload(page, path)
    wait_for_dataset(page, path.name, len(original.rows))
    go(page, "Profiles")
    old_name = page.get_by_role("textbox", name="Segment 2 name").input_value()
    rename_segment(page, 2, new_name)
    # The profile table is a canvas grid: its cells are in the page as text, but hidden.
    # (Profiles' "Can you trust these segments?" table names it too, as a name and in
    # "leans to".)
    cells = main(page).locator("[data-testid^='glide-cell']").filter(has_text=new_name)
    expect(cells.first).to_be_attached()
    expect(page.locator("[data-testid='stSidebar']").get_by_text(new_name)).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "rename", "profiles")

    go(page, "Segments")
    k = int(k_slider(page).input_value())
    names = expect_scatter(page, k)
    assert names[1] == new_name and old_name not in names, names

    go(page, "Export")
    # The sidebar lists the names on every page but Segments (which shows them itself).
    expect(page.locator("[data-testid='stSidebar']").get_by_text(new_name)).to_be_visible()
    _, data = download(page, DOWNLOAD_LABELLED, tmp_path)
    labelled = read_csv_text(data)  # utf-8-sig: the CSV starts with a byte-order mark
    check_labelled(labelled, original, k)
    seg_names = dict(zip(labelled.column("segment"), labelled.column("segment_name")))
    assert seg_names.get("2") == new_name, seg_names
    assert old_name not in seg_names.values()
