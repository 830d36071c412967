"""The offline report and the campaign pack: valid, self-contained, escaped, nothing lost."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from sharing_upload import HOSTILE, NAMES, UPLOAD

from segmentation import evaluate_k, fit_segments, read_customers
from segmentation.report import build_report
from segmentation.value import segment_value

NOTE = 'Offer "10%" & <b>free</b> shipping'


@pytest.fixture(scope="module")
def case():
    data = read_customers(UPLOAD, name="shop.csv")
    seg = fit_segments(data.frame, ["income", "spend"], 3)
    choice = evaluate_k(data.frame, ["income", "spend"], k_values=range(2, 6))
    value = segment_value(data.frame, seg, "revenue")
    page = build_report(
        data,
        seg,
        NAMES,
        choice=choice,
        value=value,
        notes={2: NOTE},
        stability={1: 0.95},
        file_name="shop<1>.csv",
        created=dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC),
    )
    return data, seg, value, page


class _Collect(HTMLParser):
    """Tags, attributes and the text of <style> elements, failing on unbalanced tags."""

    VOID = {"meta", "br", "link", "img", "input", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.styles: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.styles.append(data)
        if self.stack and self.stack[-1] != "script":
            self.text.append(data)


def parsed(page: str) -> _Collect:
    parser = _Collect()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], f"unclosed tags: {parser.stack}"
    return parser


def test_report_parses_and_names_every_segment(case):
    _, _, _, page = case
    html = parsed(page)
    text = " ".join(html.text)
    for number, name in enumerate(NAMES, start=1):
        assert f"{number} · {name}" in text
    for section in ("The segments", "Sizes and value", "Profile table", "Method"):
        assert section in text
    assert "How the number of segments was chosen" in text
    assert "The data and its health" in text


def test_report_has_no_external_reference(case):
    _, _, _, page = case
    html = parsed(page)
    for tag, attr, value in html.attrs:
        if attr in ("src", "href", "srcset", "data", "action", "poster"):
            assert not re.match(r"\s*(https?:)?//", value or ""), (tag, attr, value)
    assert not any(tag == "link" for tag, _, _ in html.attrs)
    for style in html.styles:
        assert "@import" not in style
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", style)


def test_report_embeds_plotly_once_and_draws_every_chart(case):
    _, _, _, page = case
    assert page.count("window.PlotlyConfig") == 1
    # sizes, value, scatter, heatmap, elbow: each a Plotly.newPlot on its own div
    assert page.count("Plotly.newPlot(") == 5
    assert "cdn.plot.ly" not in re.sub(r"<script>/\*\*.*?</script>", "", page, flags=re.S)


def test_report_escapes_user_text(case):
    _, _, _, page = case
    outside_scripts = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)
    assert HOSTILE not in outside_scripts
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in outside_scripts
    assert "&lt;b&gt;free&lt;/b&gt;" in outside_scripts  # the campaign note
    assert "shop&lt;1&gt;.csv" in outside_scripts
    # inside the charts' JSON the name is never a closing tag
    scripts = re.findall(r"<script>\s*window.PLOTLYENV.*?</script>", page, flags=re.S)
    assert scripts and all("</script>" not in s[:-9] for s in scripts)


def test_report_shows_value_stability_and_method(case):
    data, seg, value, page = case
    text = " ".join(parsed(page).text)
    assert "Share of revenue" in text
    assert "Stability: highly stable (0.95)" in text
    assert "Campaign note" in text
    assert "07 December 2026" in text
    assert "income, spend" in text  # features
    assert f"{seg.silhouette:.3f}" in text
    assert "1 customer without a segment holds" in text  # the value note


def test_report_at_a_glance_names_the_top_value_segment(case):
    _, _, value, page = case
    top = int(value.value_share.idxmax())
    assert f"Segment {top} · {NAMES[top - 1]} brings" in " ".join(parsed(page).text)


def test_report_same_input_same_bytes(case):
    # the scatter's sample is drawn with random_state=42 and chart ids are numbered
    data, seg, value, page = case
    again = build_report(
        data,
        seg,
        NAMES,
        choice=evaluate_k(data.frame, ["income", "spend"], k_values=range(2, 6)),
        value=value,
        notes={2: NOTE},
        stability={1: 0.95},
        file_name="shop<1>.csv",
        created=dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC),
    )
    assert again == page
