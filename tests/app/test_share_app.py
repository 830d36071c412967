"""AppTest: the value column, the segment cards with campaign notes, and the report and
campaign pack buttons (built when clicked: the test runs the button's deferred callable)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from apptools import (
    DATA,
    EXPORT,
    PROFILES,
    ROOT,
    SEGMENTS,
    csv_text,
    download,
    goto,
    ok,
    run_entry_script_like_the_server,
    texts,
    upload,
)
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from ui import persist, state

VALUE_KEY = "w.value_column"
REPORT_LABEL = "Download report"
PACK_LABEL = "Download campaign pack"
SHOP = (
    "customer_id,income,visits,revenue\n"
    + "".join(
        f"C{i:03d},{20 + 40 * (i % 3) + i % 5},{2 + 6 * (i % 3) + i % 4},{50 + 100 * (i % 3)}\n"
        for i in range(90)
    )
).encode()


@pytest.fixture
def deferred(monkeypatch):
    """`read(button) -> bytes`: runs a download button's deferred callable, as a click does
    (Streamlit keeps it in the run's MediaFileManager; this fixture records those)."""
    managers: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)

    def read(button) -> bytes:
        file_id = button.proto.deferred_file_id
        assert file_id, f"{button.proto.label!r} is not built on click"
        for manager in reversed(managers):
            try:
                url = manager.execute_deferred(file_id)
            except Exception:  # noqa: S112 - another run's manager: try the next one
                continue
            return manager._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content
        raise AssertionError(f"no deferred file for {button.proto.label!r}")

    return read


def value_chart(at):
    charts = [c for c in at.get("plotly_chart") if "Share of customers" in c.proto.spec]
    return json.loads(charts[0].proto.spec) if charts else None


def test_value_column_defaults_to_money_and_draws_paired_bars(app):
    at = goto(upload(app, "shop.csv", SHOP), PROFILES)
    box = at.selectbox(key=VALUE_KEY)
    assert box.value == "revenue"
    assert box.options[0] == "(none)"
    spec = value_chart(at)
    assert spec is not None
    assert [t["name"] for t in spec["data"]] == ["Share of customers", "Share of revenue"]
    # choosing (none) removes the chart and says what a value column is for
    at = ok(box.select("(none)").run())
    assert value_chart(at) is None
    assert "Choose a column of amounts" in texts(at)


def test_cards_one_per_segment_with_notes_kept(app):
    at = goto(app, PROFILES)  # the sample: no money-like column
    assert at.selectbox(key=VALUE_KEY).value == "(none)"
    notes = [t for t in at.text_area if t.label == "Campaign note"]
    k = len([t for t in at.text_input if t.label.endswith(" name")])
    assert len(notes) == k >= 2
    at = ok(notes[1].input("Send the <b>spring</b> catalogue").run())
    at = goto(at, EXPORT)
    at = goto(at, PROFILES)  # the note survives leaving the page
    again = [t for t in at.text_area if t.label == "Campaign note"]
    assert again[1].value == "Send the <b>spring</b> catalogue"
    assert again[0].value == ""


def test_export_report_and_pack_carry_names_notes_and_value(app, deferred, downloads):
    at = goto(upload(app, "shop.csv", SHOP), PROFILES)
    notes = [t for t in at.text_area if t.label == "Campaign note"]
    at = ok(notes[0].input("Call <them> first").run())
    at = goto(at, EXPORT)
    page = deferred(download(at, REPORT_LABEL)).decode()
    assert "Call &lt;them&gt; first" in page and "Call <them>" not in page
    assert "Share of revenue" in page
    assert "shop.csv" in page

    pack = zipfile.ZipFile(io.BytesIO(deferred(download(at, PACK_LABEL))))
    names = pack.namelist()
    assert names[:4] == ["README.txt", "report.html", "customers_labelled.csv", "profiles.csv"]
    assert names[-1] == "segmentation.json"  # the Download segmentation file, with the notes
    saved = json.loads(pack.read("segmentation.json"))
    assert [s["note"] for s in saved["segments"]][:2] == ["Call <them> first", ""]
    assert "Campaign note: Call <them> first" in pack.read("README.txt").decode()
    saved_file = downloads(download(at, "Download segmentation")).content
    assert pack.read("segmentation.json") == saved_file
    assert "Stability: " in page  # measured on Profiles and Export, shown on the cards
    lists = [n for n in names if n.startswith("segments/")]
    ids = [i for n in lists for i in csv_text(pack.read(n))["customer_id"]]
    assert sorted(ids) == [f"C{i:03d}" for i in range(90)]
    profiles = csv_text(pack.read("profiles.csv"))
    assert {"value_share", "value_per_customer"} <= set(profiles.columns)


def test_profile_download_has_value_columns(app, downloads):
    at = goto(upload(app, "shop.csv", SHOP), PROFILES)
    at = goto(at, EXPORT)
    table = csv_text(downloads(download(at, "Download the profile table")).content)
    assert abs(sum(map(float, table["value_share"])) - 1) < 1e-3
    assert all(float(v) > 0 for v in table["value_per_customer"])


def notes_of(at) -> list[str]:
    return [t.value for t in at.text_area if t.label == "Campaign note"]


def test_notes_and_the_value_column_come_back_after_a_reload(app, monkeypatch):
    at = goto(upload(app, "shop.csv", SHOP), PROFILES)
    at = ok(at.selectbox(key=VALUE_KEY).select("income").run())
    at = ok(next(t for t in at.text_area if t.label == "Campaign note").input("VIP event").run())
    token = at.session_state[state.PERSIST_TOKEN]
    run_entry_script_like_the_server(monkeypatch)
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)  # a reload
    again.query_params[persist.PARAM] = token
    again = goto(ok(again.run()), PROFILES)
    assert notes_of(again)[0] == "VIP event"
    assert again.selectbox(key=VALUE_KEY).value == "income"


def test_a_saved_segmentation_brings_its_notes_back(app, monkeypatch, downloads, deferred):
    at = goto(upload(app, "shop.csv", SHOP), PROFILES)
    boxes = [t for t in at.text_area if t.label == "Campaign note"]
    at = ok(boxes[1].input("Double points week").run())
    at = ok([t for t in at.text_area if t.label == "Campaign note"][0].input("Call first").run())
    at = goto(at, EXPORT)
    saved = downloads(download(at, "Download segmentation")).content
    assert [s["note"] for s in json.loads(saved)["segments"]][:2] == [
        "Call first",
        "Double points week",
    ]

    # another session, next month: the same customers, the saved file applied
    run_entry_script_like_the_server(monkeypatch)
    fresh = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run())
    fresh = goto(upload(fresh, "shop_june.csv", SHOP), DATA)
    fresh = ok(
        fresh.file_uploader(key="w.saved_upload")
        .set_value(("segments.json", saved, "application/json"))
        .run()
    )
    fresh = goto(fresh, SEGMENTS)
    listed = " ".join(h.proto.body for h in fresh.get("html"))  # the applied segments
    assert "Campaign note: Double points week" in listed
    fresh = goto(fresh, PROFILES)
    assert notes_of(fresh)[:2] == ["Call first", "Double points week"]
    # clearing a note the file brought keeps it cleared, in the report and the next file
    fresh = ok([t for t in fresh.text_area if t.label == "Campaign note"][0].input("").run())
    fresh = goto(fresh, EXPORT)
    page = deferred(download(fresh, REPORT_LABEL)).decode()
    assert "Double points week" in page and "Call first" not in page
    again = downloads(download(fresh, "Download segmentation")).content
    assert [s["note"] for s in json.loads(again)["segments"]][:2] == ["", "Double points week"]
