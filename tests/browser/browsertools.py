"""What a marketer does in the browser, as functions: go to a page, upload, choose features,
move k, rename, download, take a screenshot; and waiting for Streamlit's reruns.

Waiting (see ../shared/TESTING.md): ~250 ms after an input (the slider debounces), then for
the app to say its script is not running and the status widget to be gone, AND for the
content the step expects. Every wait is bounded (`EXPECT_TIMEOUT`); no long fixed sleeps.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from devtools.serve import ServerFailed, running_streamlit

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

#: Bound on every wait (ms): generous for a loaded 2-core machine, never infinite.
#: BROWSER_TIMEOUT_MS overrides it (e.g. lower on a fast machine to fail sooner).
EXPECT_TIMEOUT = int(os.environ.get("BROWSER_TIMEOUT_MS", "90000"))
#: The slider and text inputs debounce: give the browser this long to send the change.
DEBOUNCE_MS = 250

# The customers uploader's file input (the Data page has a second uploader, for a saved
# segmentation: SAVED_INPUT).
UPLOAD_INPUT = (
    "role=region[name='Upload customer data'] >> [data-testid='stFileUploaderDropzoneInput']"
)
SAVED_INPUT = (
    "role=region[name='Apply a saved segmentation'] >> [data-testid='stFileUploaderDropzoneInput']"
)
#: Any Plotly chart in the page: Streamlit's own or one drawn in place (ui.live_chart).
PLOTLY = "[data-testid='stMain'] .js-plotly-plot"
ERROR_ALERT = "[data-testid='stAlertContentError']"
EXCEPTION = "[data-testid='stException']"
FEATURES_LABEL = "Features"
K_LABEL = "Number of segments (k)"
UPLOAD_LABEL = "Upload customer data"
DOWNLOAD_LABELLED = "Download labelled customers"
SAMPLE_TEXT = "built-in sample"

#: Page title (nav link text) -> (url path, something only that page shows).
PAGES = {
    "Data": ("", UPLOAD_INPUT),
    "Segments": ("segments", f"input[aria-label='{FEATURES_LABEL}']"),
    "Profiles": ("profiles", "input[aria-label='Segment 1 name']"),
    "Export": ("export", f"button:has-text('{DOWNLOAD_LABELLED}')"),
}


# --------------------------------------------------------------------------- waiting


def settle(page: Page) -> None:
    """Wait for the rerun an input triggered to finish (not for its content: callers do)."""
    page.wait_for_timeout(DEBOUNCE_MS)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=EXPECT_TIMEOUT
    )
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0)


def main(page: Page) -> Locator:
    return page.locator("[data-testid='stMain']")


def assert_no_exception(page: Page) -> None:
    """No traceback (nor Streamlit's redacted exception box) anywhere on the page."""
    expect(page.locator(EXCEPTION)).to_have_count(0)


def open_app(page: Page, url: str) -> None:
    """A first visit: the Data page of a new session, fully rendered."""
    page.goto(url)
    page.locator(UPLOAD_INPUT).first.wait_for(state="attached")
    settle(page)
    page.locator("[data-testid='stSidebarNavLink']").first.wait_for()


def go(page: Page, title: str) -> None:
    """Click the sidebar link to page `title` (same session) and wait for it to render."""
    path, marker = PAGES[title]
    link = page.locator("[data-testid='stSidebarNavLink']").filter(
        has_text=re.compile(rf"{title}\s*$")
    )
    expect(link).to_have_count(1)
    link.click()
    expect(page).to_have_url(re.compile(rf"/{path}(\?.*)?$"))  # ?session=... (ui.persist)
    settle(page)
    page.locator(marker).first.wait_for(state="attached")
    settle(page)


# --------------------------------------------------------------------------- data page


def upload(page: Page, path: Path | str | dict) -> None:
    """Upload a file (a path, or Playwright's {name, mimeType, buffer}) on the Data page."""
    # The customers uploader comes first (the Data page's second one takes a saved
    # segmentation).
    page.locator(UPLOAD_INPUT).first.set_input_files(path)
    name = path["name"] if isinstance(path, dict) else Path(path).name
    # the chip shortens long names ("hostile..._names.csv"): match its two ends
    head, tail = re.escape(name[:5]), re.escape(name[-8:])
    chip = page.locator("[data-testid='stFileChipName']").first
    expect(chip).to_have_text(re.compile(f"^{head}.*{tail}$"))
    settle(page)


def metric(page: Page, label: str) -> Locator:
    """The value of the metric labelled `label` in the main area."""
    return (
        main(page)
        .locator("[data-testid='stMetric']")
        .filter(
            has=page.locator(
                "[data-testid='stMetricLabel']", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")
            )
        )
        .locator("[data-testid='stMetricValue']")
    )


def wait_for_dataset(page: Page, name: str, n_rows: int) -> None:
    """The Data page shows `name` with `n_rows` customers."""
    expect(main(page).get_by_text(f"File: {name}")).to_be_visible()
    expect(metric(page, "Customers (rows)")).to_have_text(f"{n_rows:,}")
    assert_no_exception(page)


def dataframe_columns(frame: Locator) -> list[str]:
    """Column headers of an st.dataframe (glide data grid: read from its accessible table)."""
    headers = frame.locator("[role='columnheader']")
    return [h.inner_text().strip() for h in headers.all()]


# --------------------------------------------------------------------------- segments page


def features_box(page: Page) -> Locator:
    return page.locator("[data-testid='stMultiSelect']").filter(
        has=page.locator(f"input[aria-label='{FEATURES_LABEL}']")
    )


#: The marks an offered feature carries in the features box ("Complain (0/1 flag)").
FEATURE_MARK = re.compile(
    r" \((0/1 flag|code|about the person|year of birth: see the age|mostly empty"
    r"|days from a date)\)$"
)


def column_of(label: str) -> str:
    """The column an option of the features box stands for (its mark taken off)."""
    return FEATURE_MARK.sub("", label)


def chosen_features(page: Page) -> list[str]:
    tags = features_box(page).locator("[data-testid='stMultiSelectTagsContainer'] [data-tag]")
    return [t.get_attribute("aria-label") or "" for t in tags.all()]


def remove_feature(page: Page, feature: str) -> None:
    before = chosen_features(page)
    features_box(page).get_by_role("button", name=f"Remove {feature}", exact=True).click()
    settle(page)
    expect_features(page, [f for f in before if f != feature])


def add_feature(page: Page, feature: str) -> None:
    before = chosen_features(page)
    box = page.get_by_role("combobox", name=FEATURES_LABEL, exact=True)
    box.click()
    box.fill(feature)
    page.get_by_role("option", name=feature, exact=True).click()
    page.keyboard.press("Escape")
    settle(page)
    expect_features(page, [*before, feature])


def expect_features(page: Page, features: Sequence[str]) -> None:
    tags = features_box(page).locator("[data-testid='stMultiSelectTagsContainer'] [data-tag]")
    expect(tags).to_have_count(len(features))
    for tag, feature in zip(tags.all(), features):
        expect(tag).to_have_attribute("aria-label", feature)


def k_slider(page: Page) -> Locator:
    # aria-labelledby repeats the label in the accessible name: match the exact aria-label.
    return page.locator(f"input[type='range'][aria-label='{K_LABEL}']")


def move_k(page: Page, key: str) -> int:
    """Press `key` (ArrowRight, ArrowLeft, Home, End) on the k slider; the new k."""
    slider = k_slider(page)
    before = int(slider.input_value())
    slider.focus()
    slider.press(key)
    settle(page)
    expect(slider).not_to_have_value(str(before))
    return int(slider.input_value())


def scatter_traces(page: Page) -> list[str]:
    """Trace names of the segment scatter (the chart with a 'Segment centres' trace)."""
    return page.evaluate(
        """() => {
            for (const el of document.querySelectorAll('.js-plotly-plot')) {
                const names = (el.data || []).map(t => t.name);
                if (names.includes('Segment centres')) return names;
            }
            return [];
        }"""
    )


def expect_scatter(page: Page, k: int) -> list[str]:
    """The scatter shows k segments (plus the centres) in its legend; their names."""
    expect(page.locator(PLOTLY).first).to_be_visible()
    page.wait_for_function(
        """(k) => [...document.querySelectorAll('.js-plotly-plot')].some(el => {
            const names = (el.data || []).map(t => t.name);
            return names.includes('Segment centres') && names.length === k + 1;
        })""",
        arg=k,
        timeout=EXPECT_TIMEOUT,
    )
    names = [n for n in scatter_traces(page) if n != "Segment centres"]
    legend = page.locator(".js-plotly-plot .legend .legendtext")
    for name in names:
        expect(legend.filter(has_text=name).first).to_be_visible()
    return names


# --------------------------------------------------------------------------- profiles page


def rename_segment(page: Page, segment: int, name: str) -> None:
    box = page.get_by_role("textbox", name=f"Segment {segment} name", exact=True)
    box.fill(name)
    box.press("Enter")
    settle(page)
    expect(box).to_have_value(name)


# --------------------------------------------------------------------------- downloads


def download(page: Page, label: str, save_dir: Path) -> tuple[str, bytes]:
    """Click the download button `label`; (suggested file name, bytes)."""
    button = page.get_by_role("button", name=label)
    expect(button).to_be_enabled()
    with page.expect_download(timeout=EXPECT_TIMEOUT) as info:
        button.click()
    dl = info.value
    save_dir.mkdir(parents=True, exist_ok=True)
    target = save_dir / dl.suggested_filename
    dl.save_as(target)
    return dl.suggested_filename, target.read_bytes()


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> list[str]:
        j = self.header.index(name)
        return [r[j] if j < len(r) else "" for r in self.rows]


def read_csv_text(data: bytes, encoding: str = "utf-8-sig", delimiter: str = ",") -> Table:
    """Every cell as text, exactly as written (no type guessing, no NA markers)."""
    reader = csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter)
    rows = [r for r in reader if r]
    return Table(rows[0], rows[1:])


def check_labelled(labelled: Table, original: Table, k: int) -> None:
    """The labelled download holds every input row, in order, cells unchanged, one segment
    each (1..k, or empty with a reason), and k distinct segments."""
    n = len(original.rows)
    assert len(labelled.rows) == n, f"{len(labelled.rows)} rows downloaded, {n} uploaded"
    width = len(original.header)
    assert labelled.header[:width] == original.header, (labelled.header, original.header)
    for col in ("segment", "segment_name", "unassigned_reason"):
        assert col in labelled.header, f"no {col!r} column in {labelled.header}"
    id_name = original.header[0]
    assert labelled.column(id_name) == original.column(id_name), "ids changed or reordered"
    for i, (got, want) in enumerate(zip(labelled.rows, original.rows)):
        for j, cell in enumerate(want):
            neutralised = cell[:1] in ("=", "+", "-", "@", "\t", "\r") and got[j] == "'" + cell
            assert got[j] == cell or neutralised, (
                f"row {i + 1}, column {original.header[j]!r}: {got[j]!r} != {cell!r}"
            )
    segments = labelled.column("segment")
    reasons = labelled.column("unassigned_reason")
    names = labelled.column("segment_name")
    allowed = {str(s) for s in range(1, k + 1)}
    for i, (seg, reason, name) in enumerate(zip(segments, reasons, names)):
        if seg:
            assert seg in allowed, f"row {i + 1}: segment {seg!r} not in 1..{k}"
            assert name, f"row {i + 1}: segment {seg} without a name"
            assert not reason, f"row {i + 1}: segment {seg} and unassigned reason {reason!r}"
        else:
            assert reason, f"row {i + 1}: no segment and no unassigned_reason"
    assert {s for s in segments if s} == allowed, f"not {k} distinct segments"


# --------------------------------------------------------------------------- screenshots


def screenshot(page: Page, test: str, what: str) -> Path:
    """Save tests/browser/screenshots/<test>_<what>.png (the viewport: Streamlit scrolls
    inside its own container, so a full-page shot adds nothing)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{test}_{what}")
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=path)
    return path


def scroll_to(page: Page, locator: Locator) -> None:
    locator.first.scroll_into_view_if_needed()
    page.wait_for_timeout(100)


def feature_options(page: Page) -> list[str]:
    """Every option of the Features multiselect that is not chosen yet."""
    box = page.get_by_role("combobox", name=FEATURES_LABEL, exact=True)
    box.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    names = [
        o.inner_text().strip() for o in options.all() if o.get_attribute("aria-disabled") != "true"
    ]
    page.keyboard.press("Escape")
    # not columns: the placeholder of an empty list and Streamlit's "Select all" entry
    return [n for n in names if n not in ("No results", "Select all")]


# --------------------------------------------------------------------------- server


@dataclass(frozen=True)
class Server:
    url: str
    log_path: Path

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


@contextlib.contextmanager
def running_server(log_path: Path, *extra: str):
    """`streamlit run app.py` (devtools.serve) until it answers its health check; a test
    fails, naming the log, when it does not; stopped on exit."""
    try:
        with running_streamlit(log_path, *extra) as url:
            yield Server(url, log_path)
    except ServerFailed as exc:
        pytest.fail(str(exc))
