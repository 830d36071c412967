"""Saved segmentations: round trip, schema checks, drift, who moved, applying files."""

from __future__ import annotations

import functools
import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import (
    DataError,
    SegmentationError,
    fit_segments,
    make_sample_customers,
    read_customers,
)
from segmentation.apply import apply_saved, assign, saved_margins
from segmentation.apply_file import apply_file
from segmentation.drift import PSI_SHIFTED, feature_drift
from segmentation.errors import SavedFileError
from segmentation.movement import labelled_bytes, movement
from segmentation.saved import (
    SCHEMA_VERSION,
    digest_of,
    from_json,
    save_segmentation,
    to_json,
    with_notes,
)

FEATURES = ["annual_income", "spending_score", "recency_days"]


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    frame = make_sample_customers(2000)
    frame.loc[::23, "annual_income"] = np.nan
    return frame


def _saved(frame, **options):
    seg = fit_segments(frame, FEATURES, 4, **options)
    names = [f"Segment {s}" for s in range(1, 5)]
    return seg, save_segmentation(frame, seg, names, id_column="customer_id", file_name="c.csv")


SETTINGS = [
    {},
    {"missing": "median"},
    {"log_features": ["recency_days"], "clip": (1.0, 99.0)},
    {"scaler": "minmax", "missing": "median", "log_features": ["annual_income"]},
    {"scaler": "robust"},
    {"scaler": "none"},
]


@pytest.mark.parametrize("options", SETTINGS)
def test_round_trip_gives_the_fits_labels(customers, options):
    seg, saved = _saved(customers, **options)
    loaded = from_json(to_json(saved))
    assert loaded == saved
    applied = apply_saved(loaded, customers)
    assert np.array_equal(applied.labels, seg.labels)
    assert list(applied.reasons) == list(seg.reasons)


def test_round_trip_survives_a_row_shuffle_and_extra_reordered_columns(customers):
    seg, saved = _saved(customers, log_features=["recency_days"])
    order = np.random.default_rng(7).permutation(len(customers))
    shuffled = customers.iloc[order].reset_index(drop=True)
    shuffled = shuffled[list(reversed(shuffled.columns))].assign(extra=1.0, note="x")
    applied = apply_saved(from_json(to_json(saved)), shuffled)
    assert np.array_equal(applied.labels, seg.labels[order])


def test_missing_feature_is_named(customers):
    _, saved = _saved(customers)
    with pytest.raises(DataError, match="no column 'spending_score'"):
        apply_saved(saved, customers.drop(columns="spending_score"))


def test_text_in_a_feature_is_refused(customers):
    _, saved = _saved(customers)
    with pytest.raises(DataError, match="'recency_days' holds text"):
        apply_saved(saved, customers.assign(recency_days="soon"))


def test_gaps_are_unassigned_with_the_fits_reason_or_filled_by_the_median(customers):
    _, dropping = _saved(customers)
    new = customers.head(5).assign(annual_income=[np.nan, 1.0, 2.0, 3.0, 4.0])
    result = assign(dropping, [new[f].to_numpy(float) for f in FEATURES])
    assert result.labels[0] == -1 and result.reasons[0] == "missing annual_income"
    assert (result.labels[1:] >= 0).all()
    _, filling = _saved(customers, missing="median")
    filled = assign(filling, [new[f].to_numpy(float) for f in FEATURES])
    median = filling.fill_values[0]
    by_median = assign(
        filling, [new.assign(annual_income=median)[f].to_numpy(float) for f in FEATURES]
    )
    assert filled.labels[0] == by_median.labels[0] >= 0


def test_negative_value_of_a_log_feature_is_unassigned_with_a_reason(customers):
    _, saved = _saved(customers, log_features=["recency_days"])
    new = customers.iloc[1:4].assign(recency_days=[-5.0, 0.0, 3.0])
    result = assign(saved, [new[f].to_numpy(float) for f in FEATURES])
    assert result.labels[0] == -1
    assert result.reasons[0] == "negative recency_days (log transform)"
    assert (result.labels[1:] >= 0).all()


@functools.cache
def _small_saved():
    frame = make_sample_customers(300)
    seg = fit_segments(frame, ["annual_income", "spending_score"], 3)
    return save_segmentation(frame, seg, ["A", "B", "C"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6) | st.just(float("nan")), min_size=1, max_size=30))
def test_every_customer_gets_one_segment_or_a_reason(values):
    saved = _small_saved()
    x = np.asarray(values)
    result = assign(saved, [x, np.full(len(x), 50.0)])
    assert set(result.labels) <= {-1, 0, 1, 2}
    assert ((result.labels >= 0) == (result.reasons == "")).all()


# --------------------------------------------------------------------------- schema


def _document(saved) -> dict:
    return json.loads(to_json(saved))


def _with_digest(document: dict) -> str:
    document["digest"] = digest_of(document)
    return json.dumps(document)


@pytest.fixture(scope="module")
def saved(customers):
    return _saved(customers, clip=(1.0, 99.0))[1]


def test_broken_or_truncated_json_is_refused(saved):
    text = to_json(saved)
    with pytest.raises(SavedFileError, match="not valid JSON"):
        from_json(text[: len(text) // 2])
    with pytest.raises(SavedFileError, match="not a text file"):
        from_json(b"\xff\xfe\x00garbage")


def test_tampered_file_is_refused(saved):
    document = _document(saved)
    document["segments"][0]["centre_scaled"][0] += 1.0
    with pytest.raises(SavedFileError, match="changed after it was saved"):
        from_json(json.dumps(document))


def test_newer_version_is_refused(saved):
    document = _document(saved)
    document["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(SavedFileError, match=f"newer version \\(schema {SCHEMA_VERSION + 1}"):
        from_json(_with_digest(document))


def test_other_json_is_not_a_saved_segmentation():
    with pytest.raises(SavedFileError, match="not a saved segmentation"):
        from_json('{"hello": 1}')


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["preparation"]["centre"].pop(), "scaler centre has 2 values for 3 features"),
        (lambda d: d["segments"].pop(), "centres has 3 values for 4 segments"),
        (lambda d: d.update(k=1), "k is 1"),
        (lambda d: d.update(k=500), "k is 500"),
        (lambda d: d["preparation"].update(scale=[1.0, 0.0, 1.0]), "not positive"),
        (lambda d: d["segments"][1].update(colour="red"), "not a #rrggbb colour"),
        (lambda d: d["segments"][1].update(segment=7), "numbered 7"),
        (lambda d: d["preparation"].update(scaler="magic"), "'magic', not one of"),
        (lambda d: d.pop("features"), "field 'features' is missing"),
        (lambda d: d["segments"][0].update(name=3), "must be text"),
        (lambda d: d["training"].reverse(), "one per feature"),
        (lambda d: d["preparation"].update(clip_lower=None), "percentiles without bounds"),
    ],
)
def test_inconsistent_files_are_refused_naming_the_problem(saved, edit, message):
    document = _document(saved)
    edit(document)
    with pytest.raises(SavedFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_json(_with_digest(document))


def test_non_finite_numbers_are_refused(saved):
    text = _with_digest(_document(saved)).replace('"centre": [', '"centre": [NaN, ', 1)
    with pytest.raises(SavedFileError, match="finite"):
        from_json(text)


def test_notes_are_kept_and_part_of_the_digest(saved):
    noted = from_json(to_json(with_notes(saved, "June mailing: 10% off")))
    assert noted.notes == "June mailing: 10% off"
    document = _document(noted)
    document["notes"] = "edited by hand"
    with pytest.raises(SavedFileError, match="changed after"):
        from_json(json.dumps(document))


# --------------------------------------------------------------------------- drift


def test_drift_flags_the_planted_shift_and_only_it(customers):
    _, saved = _saved(customers)
    same = feature_drift(saved, make_sample_customers(2000, random_state=5))
    assert same.shifted == ()
    assert all(d.psi < 0.1 for d in same.features)
    shifted = customers.assign(spending_score=customers["spending_score"] + 40)
    drift = feature_drift(saved, shifted)
    assert drift.shifted == ("spending_score",)
    spend = drift.features[1]
    assert spend.psi > PSI_SHIFTED
    expected_outside = float(np.mean(shifted["spending_score"] > customers["spending_score"].max()))
    assert spend.outside_share == pytest.approx(expected_outside)
    assert drift.features[0].missing_share == pytest.approx(
        customers["annual_income"].isna().mean()
    )


# --------------------------------------------------------------------------- who moved


def _labelled_file(customers, saved, seg) -> bytes:
    data = read_customers(customers.to_csv(index=False).encode(), name="c.csv")
    return labelled_bytes(data, apply_saved(saved, data.frame), saved.names)


def test_movement_counts_who_moved(customers):
    seg, saved = _saved(customers)
    labelled = _labelled_file(customers, saved, seg)
    # Next month: 100 customers of segment 1 spend like segment 2's centre.
    nxt = read_customers(labelled, name="next.csv")
    frame = nxt.frame
    movers = np.flatnonzero(seg.labels == 0)[:100]
    centre = saved.centres[1]
    changed = frame.copy()
    for j, f in enumerate(FEATURES):
        changed.loc[movers, f] = centre[j]
    applied = apply_saved(saved, changed)
    moved = movement(nxt, applied, saved.names)
    before, after = "1 · Segment 1", "2 · Segment 2"
    assert moved.counts.loc[before, after] == 100
    assert moved.moved == 100
    assert set(moved.cell(before, after)) == set(movers)
    assert moved.counts.to_numpy().sum() == len(customers)
    assert moved.shares.loc[before].sum() == pytest.approx(1.0)


def test_labelled_download_keeps_the_previous_assignment(customers):
    seg, saved = _saved(customers)
    labelled = _labelled_file(customers, saved, seg)
    again = read_customers(labelled, name="again.csv")
    out = pd.read_csv(
        io.BytesIO(labelled_bytes(again, apply_saved(saved, again.frame), saved.names)),
        dtype=str,
        keep_default_na=False,
    )
    assert list(out.columns[-6:]) == [
        "previous_segment",
        "previous_segment_name",
        "previous_unassigned_reason",
        "segment",
        "segment_name",
        "unassigned_reason",
    ]
    assert (out["previous_segment"] == out["segment"]).all()


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize(("quoted", "bom"), [(False, False), (True, False), (False, True)])
def test_apply_file_in_blocks_gives_the_apps_bytes(customers, tmp_path, quoted, bom):
    seg, saved = _saved(customers, log_features=["recency_days"])
    frame = customers.assign(note="plain")
    if quoted:
        frame.loc[::7, "note"] = 'said "hi",\nthen left'
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig" if bom else "utf-8")
    data = read_customers(path)
    applied = apply_saved(saved, data.frame)
    margins = saved_margins(saved, data.frame, applied.labels)
    app_bytes = labelled_bytes(data, applied, saved.names, margins=margins)
    whole, blocks = io.BytesIO(), io.BytesIO()
    apply_file(saved, path, whole)
    result = apply_file(saved, path, blocks, block_bytes=20_000, whole_file_bytes=0)
    assert result.blocks > 3
    assert whole.getvalue() == app_bytes
    assert blocks.getvalue() == app_bytes
    assert result.rows == len(frame) and sum(result.sizes) + result.unassigned == len(frame)


def test_apply_file_reads_parquet_in_blocks(customers, tmp_path, monkeypatch):
    import segmentation.apply_file as apply_module

    _, saved = _saved(customers)
    path = tmp_path / "c.parquet"
    customers.to_parquet(path, index=False)
    whole, blocks = io.BytesIO(), io.BytesIO()
    apply_file(saved, path, whole)
    monkeypatch.setattr(apply_module, "PARQUET_ROWS", 300)
    result = apply_file(saved, path, blocks, whole_file_bytes=0)
    assert result.blocks == 7
    assert blocks.getvalue() == whole.getvalue()


def test_errors_are_segmentation_errors(customers, tmp_path):
    _, saved = _saved(customers)
    path = tmp_path / "c.csv"
    customers.drop(columns="recency_days").to_csv(path, index=False)
    with pytest.raises(SegmentationError, match="recency_days"):
        apply_file(saved, path, io.BytesIO())


def test_a_broken_large_parquet_file_is_a_data_error(customers, tmp_path):
    _, saved = _saved(customers)
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 5000)
    with pytest.raises(DataError, match="could not be read as Parquet"):
        apply_file(saved, path, io.BytesIO(), whole_file_bytes=0)
