"""A saved segmentation in the app: saved on Export, applied in a fresh session, drift,
who moved, a missing feature, and dropping it to segment afresh."""

from __future__ import annotations

import io
import json

import pandas as pd
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
)
from streamlit.testing.v1 import AppTest

from segmentation.saved import from_json

SAVED_KEY = "w.saved_upload"


def _fresh(monkeypatch) -> AppTest:
    """Another browser session: the app from its entry script, nothing in its state."""
    run_entry_script_like_the_server(monkeypatch)
    return ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run())


def shown(at: AppTest) -> str:
    """What the user reads (Markdown escapes removed)."""
    return texts(at).replace("\\", "")


def _apply(at: AppTest, saved: bytes, name: str = "segments.json") -> AppTest:
    goto(at, DATA)
    return ok(at.file_uploader(key=SAVED_KEY).set_value((name, saved, "application/json")).run())


@pytest.fixture
def saved_session(app, downloads):
    """Session one, on the sample: segment 2 renamed, then the segmentation and the
    labelled customers downloaded from Export."""
    goto(app, SEGMENTS)
    goto(app, PROFILES)
    box = next(t for t in app.text_input if t.label == "Segment 2 name")
    ok(box.input("Weekend shoppers").run())
    goto(app, EXPORT)
    button = download(app, "Download segmentation")
    saved = downloads(button)
    labelled = downloads(download(app, "Download labelled customers")).content
    return saved, labelled


def test_saved_on_export_keeps_names_and_settings(saved_session):
    saved, _ = saved_session
    assert saved.filename.endswith("_segmentation.json")
    loaded = from_json(saved.content)
    assert loaded.names[1] == "Weekend shoppers"
    assert loaded.source.rows == 1000 and loaded.id_column == "customer_id"


def test_applied_in_a_fresh_session_gives_the_same_labelled_download(
    saved_session, monkeypatch, downloads
):
    saved, labelled = saved_session
    at = _fresh(monkeypatch)
    _apply(at, saved.content)
    assert "Applying segments.json" in shown(at)
    goto(at, SEGMENTS)
    page = shown(at)
    assert "These customers are assigned to the segments of segments.json" in page
    assert not [s for s in at.slider if s.key == "w.k"]  # nothing to choose: no k slider
    assert "No feature moved past the threshold" in page
    goto(at, PROFILES)
    assert next(t for t in at.text_input if t.label == "Segment 2 name").value == (
        "Weekend shoppers"
    )
    goto(at, EXPORT)
    again = downloads(download(at, "Download labelled customers")).content
    assert again == labelled


def test_drift_warns_and_who_moved_is_counted(saved_session, monkeypatch, downloads):
    saved, labelled = saved_session
    frame = csv_text(labelled)
    # Next month: the first 50 customers of segment 1 now spend twice as much.
    frame["spending_score"] = pd.to_numeric(frame["spending_score"])
    frame["annual_income"] = pd.to_numeric(frame["annual_income"]) * 2.5
    at = _fresh(monkeypatch)
    goto(at, DATA)
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False)
    ok(
        at.file_uploader(key="w.upload")
        .set_value(("june.csv", buffer.getvalue(), "text/csv"))
        .run()
    )
    _apply(at, saved.content)
    goto(at, SEGMENTS)
    warnings = " ".join(str(w.value) for w in at.warning).replace("\\", "")
    assert "annual_income" in warnings
    assert "Who moved" in shown(at)
    matrix = at.dataframe[-1].value
    assert matrix.shape[0] >= 2
    cell = downloads(download(at, "Download these customers")).content
    moved = csv_text(cell)
    assert {"previous_segment", "previous_segment_name", "segment"} <= set(moved.columns)
    goto(at, EXPORT)
    out = csv_text(downloads(download(at, "Download labelled customers")).content)
    added = ["segment", "segment_name", "unassigned_reason", "runner_up_segment", "margin"]
    assert list(out.columns[-5:]) == added
    assert {"previous_runner_up_segment", "previous_margin"} <= set(out.columns)
    assert (out["previous_segment_name"] == frame["segment_name"]).all()
    ok(at.selectbox(key="w.export_segment").set_value(2).run())
    members = csv_text(downloads(download(at, "Download this segment's customers")).content)
    assert list(members.columns) == list(out.columns)
    assert set(members["segment"]) == {"2"}


def test_missing_feature_is_named_and_dropping_segments_afresh(saved_session, monkeypatch):
    saved, labelled = saved_session
    features = json.loads(saved.content)["features"]
    frame = csv_text(labelled).drop(columns=[features[0], "segment", "segment_name"])
    at = _fresh(monkeypatch)
    goto(at, DATA)
    data = frame.to_csv(index=False).encode()
    ok(at.file_uploader(key="w.upload").set_value(("lacking.csv", data, "text/csv")).run())
    _apply(at, saved.content)
    goto(at, SEGMENTS)
    errors = " ".join(str(e.value) for e in at.error).replace("\\", "")
    assert "no column" in errors and features[0] in errors
    ok(at.button(key="drop_saved").click().run())
    assert [s for s in at.slider if s.key == "w.k"]  # segmenting afresh: k is chosen again
    assert not at.error


def test_a_broken_file_is_refused_and_nothing_is_applied(app):
    _apply(app, b'{"format": "customer-segmentation", "schema_version": 1', "broken.json")
    errors = " ".join(str(e.value) for e in app.error).replace("\\", "")
    assert "broken.json could not be used" in errors
    goto(app, SEGMENTS)
    assert "These customers are assigned" not in shown(app)
