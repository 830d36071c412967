"""Helpers for the AppTest tests: pages, uploads, downloads, reading what the user sees."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"

DATA = "pages/data.py"
SEGMENTS = "pages/segments.py"
PROFILES = "pages/profiles.py"
EXPORT = "pages/export.py"
PAGES = [DATA, SEGMENTS, PROFILES, EXPORT]
UPLOAD_KEY = "w.upload"
SCATTER_KEY = "w.scatter"
SAMPLE_NOTICE = "You're exploring the built-in sample of 1,000 customers"


def run_entry_script_like_the_server(monkeypatch) -> None:
    """Make AppTest run app.py on every page, as `streamlit run` does.

    With a ``pages/`` folder next to the entry script, AppTest's switch_page runs the page
    file alone (legacy multipage mode): no app.py, so no page config and no sidebar. In the
    browser app.py runs on every page (checked with Playwright), so the tests turn the
    legacy mode off.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def goto(at: AppTest, page: str) -> AppTest:
    """Switch to `page` as the navigation does."""
    return ok(at.switch_page(page).run())


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    """Upload a file on the Data page the way a user does."""
    if not at.get("file_uploader"):
        goto(at, DATA)
    return ok(at.file_uploader(key=UPLOAD_KEY).set_value((name, data, mime)).run())


def download(at: AppTest, label: str):
    """The download button labelled `label`."""
    buttons = [b for b in at.get("download_button") if b.proto.label == label]
    assert buttons, f"no download button labelled {label!r}"
    return buttons[0]


def metric(at: AppTest, label: str) -> str:
    """The value shown by the metric labelled `label` (on the page or in the sidebar)."""
    values = [m.value for m in at.metric if m.label == label]
    values += [m.value for m in at.sidebar.metric if m.label == label]
    assert values, f"no metric labelled {label!r}"
    return values[0]


def texts(at: AppTest) -> str:
    """Everything shown as text, markdown, captions and alerts, one per line."""
    parts = []
    for kind in (
        "markdown",
        "caption",
        "text",
        "info",
        "warning",
        "error",
        "success",
        "title",
        "subheader",
    ):
        parts += [str(e.value) for e in at.get(kind)]
    return "\n".join(parts)


def csv_text(data: bytes) -> pd.DataFrame:
    """A downloaded CSV with every cell as text (as a spreadsheet would show it)."""
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def live_chart_elements(at: AppTest) -> dict:
    """The elements of the charts drawn in place by `ui.live_chart` (the scatter, the
    Sankey), by key."""
    return {
        element.proto.id.rsplit("-", 1)[-1]: element
        for element in at.get("bidi_component")
        if element.proto.component_name == "segmentation_live_chart"
    }


def live_charts(at: AppTest) -> dict:
    """What each live chart was sent with, by key (``spec`` the figure as JSON, ``config``,
    ``revision``)."""
    return {key: json.loads(e.proto.json) for key, e in live_chart_elements(at).items()}


def live_figure(at: AppTest, key: str) -> dict:
    """The figure of the live chart under ``key``, as the browser receives it."""
    charts = live_charts(at)
    assert key in charts, f"no live chart {key!r} (found {sorted(charts)})"
    return json.loads(charts[key]["spec"])


def select_on_scatter(at: AppTest, points: list[dict], *, revision: str | None = None) -> AppTest:
    """Make a box or lasso selection of ``points`` on the Segments scatter as the browser
    reports one: made on the figure now drawn unless ``revision`` names another."""
    drawn = live_charts(at)[SCATTER_KEY]["revision"]
    at.session_state[SCATTER_KEY] = {
        "selection": {"revision": revision or drawn, "points": points}
    }
    return ok(at.run())
