"""The offline report and the campaign pack: valid, self-contained, escaped, nothing lost."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from segmentation import evaluate_k, fit_segments, profile_segments, read_customers
from segmentation.pack import (
    LABELLED,
    PROFILES,
    README,
    REPORT,
    SAVED,
    UNASSIGNED,
    safe_name_part,
    segment_file_name,
    write_pack,
)
from segmentation.report import build_report
from segmentation.value import segment_value

HOSTILE = "<script>alert(1)</script>"
NOTE = 'Offer "10%" & <b>free</b> shipping'
# 60 customers in three groups; one without income (no segment), formulas in a text column.
ROWS = ["customer_id,income,spend,revenue,note"]
for i in range(60):
    group = i % 3
    income = "" if i == 7 else f"{20 + 40 * group + i % 5}"
    note = "=HYPERLINK(1)" if i == 4 else ('"a,b"' if i == 5 else "ok")
    ROWS.append(f"C{i:03d},{income},{10 + 30 * group + i % 7},{100 * (group + 1) + i},{note}")
UPLOAD = ("\n".join(ROWS) + "\n").encode()
NAMES = ["CON", HOSTILE, "Très fidèles / VIP: 2024?"]


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


# --------------------------------------------------------------------------- pack


@pytest.fixture(scope="module")
def pack(case):
    data, seg, value, page = case
    sink = io.BytesIO()
    contents = write_pack(
        sink, data, seg, NAMES, value=value, report_html=page, saved_json='{"k": 3}'
    )
    return contents, zipfile.ZipFile(io.BytesIO(sink.getvalue()))


def read_csv(archive: zipfile.ZipFile, name: str) -> pd.DataFrame:
    return pd.read_csv(archive.open(name), dtype=str, keep_default_na=False)


def test_pack_members_and_row_counts(case, pack):
    data, seg, _, _ = case
    contents, archive = pack
    names = archive.namelist()
    assert names == list(contents.names)
    assert names[:4] == [README, REPORT, LABELLED, PROFILES]
    assert names[-1] == SAVED and UNASSIGNED in names
    assert archive.testzip() is None
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    assert len(read_csv(archive, LABELLED)) == len(data.frame) == 60
    for member in contents.members:
        if member.name.endswith(".csv"):
            assert len(read_csv(archive, member.name)) == member.rows, member.name
    readme = archive.read(README).decode()
    for name in names:
        assert name in readme
    assert archive.read(REPORT).decode() == case[3]


def test_pack_every_customer_in_exactly_one_list(case, pack):
    data, seg, _, _ = case
    contents, archive = pack
    lists = [m.name for m in contents.members if m.name.startswith("segments/")]
    seen = pd.concat([read_csv(archive, n).assign(file=n) for n in lists])
    assert seen["customer_id"].is_unique
    assert sorted(seen["customer_id"]) == sorted(data.raw["customer_id"])
    for s in range(1, 4):
        expected = data.raw["customer_id"][seg.labels == s - 1]
        got = read_csv(archive, segment_file_name(s, NAMES[s - 1], 3))
        assert list(got["customer_id"]) == list(expected)
        assert set(got["segment"]) == {str(s)}
    unassigned = read_csv(archive, UNASSIGNED)
    assert list(unassigned["customer_id"]) == ["C007"]
    assert unassigned["unassigned_reason"].item() == "missing income"


def test_pack_cells_as_written_and_neutralised(pack):
    _, archive = pack
    labelled = read_csv(archive, LABELLED).set_index("customer_id")
    assert labelled.loc["C004", "note"] == "'=HYPERLINK(1)"
    assert labelled.loc["C005", "note"] == "a,b"
    assert labelled.loc["C010", "revenue"] == "210"


def test_pack_profiles_have_value_columns(case, pack):
    _, seg, value, _ = case
    _, archive = pack
    profiles = read_csv(archive, PROFILES)
    assert {"value_share", "value_per_customer", "value_index"} <= set(profiles.columns)
    shares = profiles["value_share"].astype(float).to_numpy()
    assert np.allclose(shares, value.value_share.to_numpy(), atol=1e-4)


def test_pack_file_names_are_safe(pack):
    _, archive = pack
    for name in archive.namelist():
        base = name.rsplit("/", 1)[-1]
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", base), name
        assert base.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
        assert len(base) <= 64
    assert "segments/2_script_alert_1_script.csv" in archive.namelist()


@pytest.mark.parametrize(
    "hostile",
    ["CON", "nul", "COM1", "a/b\\c", "..", "x" * 300, "\x00\x1f", "日本語", "a:b*c?d\"e<f>g|h"],
)
def test_safe_name_part_never_unsafe(hostile):
    part = safe_name_part(hostile)
    assert re.fullmatch(r"[A-Za-z0-9_-]*", part)
    assert len(part) <= 49
    assert part.upper() not in {"CON", "NUL", "COM1"}
    assert not part.startswith(("-", "_"))


def test_pack_quoted_cells_take_the_slow_path_with_the_same_rows():
    # a cell with a line break inside quotes: a line is no longer one customer
    upload = b'id,x,memo\n1,1,"two\nlines"\n2,2,b\n3,10,c\n4,11,d\n'
    data = read_customers(upload, name="q.csv")
    seg = fit_segments(data.frame, ["x"], 2)
    sink = io.BytesIO()
    write_pack(sink, data, seg, ["low", "high"], profiles=profile_segments(data.frame, seg))
    archive = zipfile.ZipFile(sink)
    low = read_csv(archive, "segments/1_low.csv")
    high = read_csv(archive, "segments/2_high.csv")
    assert sorted(list(low["id"]) + list(high["id"])) == ["1", "2", "3", "4"]
    assert "two\nlines" in set(low["memo"]) | set(high["memo"])


def test_pack_lists_cut_from_a_plain_file_equal_the_segment_downloads():
    # no quote, no formula: the lists are cut from the labelled file's lines
    from segmentation.export import labelled_csv_bytes, segment_customers, to_csv_bytes
    from segmentation.pack import _line_table

    lines = ["id,x,y,city"] + [f"{i},{i % 4 * 10 + i % 3},{i % 5},Zürich" for i in range(40)]
    data = read_customers(("\n".join(lines) + "\n").encode(), name="plain.csv")
    seg = fit_segments(data.frame, ["x", "y"], 3)
    names = ["a", "b", "c"]
    assert _line_table(labelled_csv_bytes(data, seg, names)) is not None  # the fast path
    sink = io.BytesIO()
    write_pack(sink, data, seg, names)
    archive = zipfile.ZipFile(sink)
    for s in range(1, 4):
        expected = to_csv_bytes(segment_customers(data, seg, names, s))
        got = archive.read(segment_file_name(s, names[s - 1], 3))
        assert pd.read_csv(io.BytesIO(got), dtype=str).equals(
            pd.read_csv(io.BytesIO(expected), dtype=str)
        )


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
