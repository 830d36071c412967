"""A marketer's journey with an order export: upload it, see it turned into customers,
see the segments and the RFM grid, download one row per customer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from browsertools import (
    DOWNLOAD_LABELLED,
    PLOTLY,
    assert_no_exception,
    download,
    expect_scatter,
    go,
    k_slider,
    main,
    metric,
    open_app,
    read_csv_text,
    screenshot,
    upload,
)
from playwright.sync_api import Page, expect

from segmentation.orders import CUSTOMER_COLUMNS

pytestmark = pytest.mark.browser

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "CDNOW_sample.txt"


def write_order_export(path: Path, n_lines: int = 1500) -> int:
    """The first lines of the real CDNOW sample (tests/data/cdnow) as a shop's export:
    semicolons, day-first dates with times, decimal commas; the number of customers."""
    lines = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["cust", "sid", "date", "cds", "dollars"],
        dtype=str,
    ).head(n_lines)
    when = pd.to_datetime(lines["date"], format="%Y%m%d") + pd.Timedelta(hours=14)
    export = pd.DataFrame(
        {
            "Bestellnummer": [f"B{i:05d}" for i in range(len(lines))],
            "Kunde": "K" + lines["cust"],
            "Bestelldatum": when.dt.strftime("%d.%m.%Y %H:%M"),
            "Betrag": lines["dollars"].str.replace(".", ",", regex=False),
        }
    )
    export.to_csv(path, sep=";", index=False)
    return lines["cust"].nunique()


def test_order_export_to_segments_and_one_row_per_customer(page: Page, app_url: str, tmp_path):
    path = tmp_path / "shop_orders.csv"
    n_customers = write_order_export(path)

    open_app(page, app_url)
    upload(page, path)
    expect(
        main(page).get_by_text(
            f"This looks like an order log: 1,500 order lines from {n_customers:,} customers"
        )
    ).to_be_visible()
    expect(metric(page, "Customers")).to_have_text(f"{n_customers:,}")
    expect(page.get_by_role("radio", name="an order (or order line)")).to_be_checked()
    assert_no_exception(page)
    screenshot(page, "orders", "data")

    go(page, "Segments")
    k = int(k_slider(page).input_value())
    names = expect_scatter(page, k)
    assert len(names) == k
    assert_no_exception(page)
    screenshot(page, "orders", "segments")

    go(page, "Profiles")
    grid = page.locator(PLOTLY).filter(has_text="The RFM grid")
    grid.scroll_into_view_if_needed()
    expect(grid).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "orders", "profiles_rfm_grid")
    page.locator(PLOTLY).last.scroll_into_view_if_needed()
    screenshot(page, "orders", "profiles_rfm_mix")

    go(page, "Export")
    filename, data = download(page, DOWNLOAD_LABELLED, tmp_path / "downloads")
    assert filename.startswith("shop_orders"), filename
    labelled = read_csv_text(data)
    assert labelled.header[: 1 + len(CUSTOMER_COLUMNS)] == ["Kunde", *CUSTOMER_COLUMNS]
    ids = labelled.column("Kunde")
    assert len(ids) == n_customers and len(set(ids)) == n_customers  # one row per customer
    assert {s for s in labelled.column("segment") if s} == {str(s) for s in range(1, k + 1)}
    assert set(labelled.column("rfm_segment")) <= {
        "Champions",
        "Loyal Customers",
        "Potential Loyalists",
        "New Customers",
        "Promising",
        "Need Attention",
        "About To Sleep",
        "Can't Lose Them",
        "At Risk",
        "Hibernating",
    }
    screenshot(page, "orders", "export")
