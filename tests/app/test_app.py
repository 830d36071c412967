"""The dashboard through AppTest: what a marketer sees on each page, and what they download."""

from __future__ import annotations

import io
import re

import pytest
from apptools import (
    DATA,
    EXPORT,
    PAGES,
    PROFILES,
    SAMPLE_NOTICE,
    SCATTER_KEY,
    SEGMENTS,
    csv_text,
    download,
    goto,
    live_charts,
    live_figure,
    metric,
    ok,
    select_on_scatter,
    texts,
    upload,
)

import segmentation

MALL_FEATURES = ["Annual Income (k$)", "Spending Score (1-100)"]


def choose_features(at, features):
    ok(at.multiselect(key="w.features").set_value(list(features)).run())


def set_k(at, k):
    ok(at.slider(key="w.k").set_value(k).run())


def shown(value: str) -> str:
    """An alert as the user reads it: Markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", str(value))


def sizes_table(at):
    """The segment sizes table on the Segments page (segment, name, customers, share)."""
    for frame in at.dataframe:
        value = frame.value
        if list(value.columns[:4]) == ["colour", "segment", "name", "customers"]:
            return value
    raise AssertionError("no segment sizes table on the page")


def scores_table(at):
    """The scores per k on the Segments page (k, then the scores)."""
    for frame in at.dataframe:
        value = frame.value
        if list(value.columns[:2]) == ["k", "silhouette"]:
            return value
    raise AssertionError("no scores table on the page")


# --- every page, first visit -------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_sample(app, page):
    goto(app, page)
    assert SAMPLE_NOTICE in texts(app)
    assert not app.error


def test_first_visit_shows_the_samples_segments(app):
    goto(app, SEGMENTS)
    k = int(metric(app, "Segments"))
    assert app.slider(key="w.k").value == k
    assert len(sizes_table(app)) == k
    assert metric(app, "Customers segmented") == "1,000"
    assert len(app.get("plotly_chart")) == 1  # the elbow
    assert set(live_charts(app)) == {SCATTER_KEY, "sankey"}  # drawn in place on a k step


def test_the_scatter_draws_webgl_at_one_canvas_pixel_per_screen_pixel(app):
    """Plotly's default draws WebGL at twice the screen's pixels each way: four times the
    work of every redraw on a machine without a GPU."""
    goto(app, SEGMENTS)
    assert live_charts(app)[SCATTER_KEY]["config"]["plotGlPixelRatio"] == 1


def test_tables_show_segment_colours_and_the_chosen_k(app):
    """The sizes table has one row per segment of the chosen k, each with its colour; the
    scores per k sit above the slider, one row per k swept."""
    from segmentation import charts

    goto(app, SEGMENTS)
    set_k(app, 5)
    sizes = sizes_table(app)
    # Each row's swatch is its segment's colour in every chart ('#' written %23 in the URL).
    for swatch, segment in zip(sizes["colour"], sizes["segment"]):
        assert swatch.startswith("data:image/svg+xml")
        assert f"fill='{charts.segment_colour(segment).replace('#', '%23')}'" in swatch
    assert list(sizes["segment"]) == [1, 2, 3, 4, 5]
    scores = scores_table(app)
    assert 5 in list(scores["k"]) and scores["k"].is_monotonic_increasing


def test_sidebar_summarises_the_current_segmentation(app):
    goto(app, SEGMENTS)
    k = metric(app, "Segments")
    # k moves without rerunning the sidebar there: the Segments page shows k, not the sidebar.
    assert [m.value for m in app.sidebar.metric if m.label == "Segments"] == []
    goto(app, PROFILES)
    assert [m.value for m in app.sidebar.metric if m.label == "Segments"] == [k]


# --- upload --------------------------------------------------------------------------------


def test_upload_replaces_the_sample(app, dataset):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    assert metric(app, "Customers (rows)") == "200"
    assert SAMPLE_NOTICE not in texts(app)
    assert app.selectbox(key="w.id_column").value == "CustomerID"
    goto(app, SEGMENTS)
    assert metric(app, "Customers segmented") == "200"
    assert "CustomerID" not in app.multiselect(key="w.features").options


def test_bad_upload_shows_an_error_and_keeps_the_data(app, dataset):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    upload(app, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    assert app.error, "a file that is not a table must show an error"
    assert "photo" in app.error[0].value
    assert metric(app, "Customers (rows)") == "200"
    goto(app, SEGMENTS)
    assert metric(app, "Customers segmented") == "200"


def test_empty_upload_shows_an_error(app):
    upload(app, "empty.csv", b"")
    assert app.error
    assert SAMPLE_NOTICE in texts(app)


def test_new_upload_resets_the_choices_of_the_old_one(app, dataset):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    choose_features(app, MALL_FEATURES)
    set_k(app, 3)
    upload(app, "wholesale_customers.csv", dataset("wholesale_customers.csv"))
    goto(app, SEGMENTS)
    features = app.multiselect(key="w.features").value
    assert features and not set(features) & set(MALL_FEATURES)
    assert metric(app, "Customers segmented") == "440"


def test_column_names_are_shown_literally(app):
    data = (
        "id,**bold**,<img src=x onerror=alert(1)>,spend\n"
        + "".join(f"c{i},{i % 7},{(i * 3) % 11},{i * 1.5}\n" for i in range(40))
    ).encode()
    upload(app, "hostile.csv", data)
    assert not app.error
    preview = app.dataframe[-1].value
    assert "**bold**" in preview.columns
    assert "<img src=x onerror=alert(1)>" in preview.columns
    shown = texts(app)
    assert "**bold**" not in shown  # only ever escaped in markdown
    assert "<img" not in shown
    goto(app, SEGMENTS)
    assert "**bold**" in app.multiselect(key="w.features").options
    goto(app, PROFILES)
    goto(app, EXPORT)


def test_changing_the_id_column_keeps_it_out_of_the_features(app, downloads):
    rows = "".join(f"C{i:04d},{100000 + i * 7},{i % 13 * 1.5},{(i * 7) % 31}\n" for i in range(60))
    upload(app, "two_ids.csv", ("customer_id,member_no,spend,visits\n" + rows).encode())
    id_box = app.selectbox(key="w.id_column")
    assert id_box.value == "customer_id"
    assert "member_no" in id_box.options
    goto(app, SEGMENTS)
    # Offered, marked as a code (options are shown with their mark).
    assert "member_no (code)" in app.multiselect(key="w.features").options
    goto(app, DATA)
    ok(app.selectbox(key="w.id_column").set_value("member_no").run())
    assert app.selectbox(key="w.id_column").value == "member_no"
    goto(app, SEGMENTS)
    assert not any(o.startswith("member_no") for o in app.multiselect(key="w.features").options)
    goto(app, EXPORT)
    labelled = csv_text(downloads(download(app, "Download labelled customers")).content)
    assert list(labelled["member_no"]) == [str(100000 + i * 7) for i in range(60)]


def test_an_upload_is_swept_once_ahead_of_the_segments_page(app, dataset, monkeypatch):
    import streamlit as st

    st.cache_resource.clear()  # another test may have swept this file in this process
    sweeps = []
    real = segmentation.evaluate_prepared
    monkeypatch.setattr(
        segmentation, "evaluate_prepared", lambda *a, **kw: sweeps.append(1) or real(*a, **kw)
    )
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    # The sidebar is drawn before the sweep: it names the file and points on.
    sidebar = [c.value for c in app.sidebar.caption]
    assert any(r"mall\_customers\.csv · 200 customers" in c for c in sidebar)  # markdown
    assert any("Open **Segments**" in c for c in sidebar)
    assert not [m for m in app.sidebar.metric if m.label == "Segments"]
    assert sweeps == [1]  # swept after the Data page was drawn, ready for Segments
    goto(app, SEGMENTS)
    k = metric(app, "Segments")
    assert len(sweeps) == 1  # Segments found the sweep done
    goto(app, DATA)  # now built: the sidebar summarises it on every page, from the cache
    assert [m.value for m in app.sidebar.metric if m.label == "Segments"] == [k]
    assert len(sweeps) == 1


def test_a_sweep_ahead_that_fails_leaves_the_data_page_whole(app, dataset, monkeypatch):
    import streamlit as st

    st.cache_resource.clear()

    def fail(*args, **kwargs):
        raise segmentation.SettingsError("k=9 must be between 2 and 3 for 4 customers.")

    monkeypatch.setattr(segmentation, "evaluate_prepared", fail)
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    assert not app.error and not app.exception
    assert any("200 customers" in c.value for c in app.sidebar.caption)
    goto(app, SEGMENTS)  # the page that needs the sweep says what went wrong
    assert any(r"k\=9 must be between 2 and 3" in e.value for e in app.error)  # markdown


def test_sidebar_stays_when_a_page_cannot_segment(app):
    goto(app, SEGMENTS)
    choose_features(app, [])
    assert any("Choose at least one feature" in w.value for w in app.warning)
    assert "Current segmentation" in [h.value for h in app.sidebar.subheader]
    goto(app, PROFILES)
    assert app.error  # says what to fix instead of a traceback


# --- choices change what is shown ----------------------------------------------------------


def test_k_changes_sizes_and_names(app, dataset):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    choose_features(app, MALL_FEATURES)
    set_k(app, 5)
    assert metric(app, "Segments") == "5"
    table = sizes_table(app)
    assert sorted(table["customers"], reverse=True) == [81, 39, 35, 23, 22]
    assert table["name"].is_unique
    set_k(app, 3)
    assert metric(app, "Segments") == "3"
    assert len(sizes_table(app)) == 3
    assert sizes_table(app)["customers"].sum() == 200


def test_features_change_the_scores(app, dataset):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    # The defaults are income and spending (age is about the person): add age, then take it out.
    assert app.multiselect(key="w.features").value == MALL_FEATURES
    choose_features(app, ["Age", *MALL_FEATURES])
    before = metric(app, "Separation")
    choose_features(app, MALL_FEATURES)
    set_k(app, 5)
    after = metric(app, "Separation")
    assert after != before
    assert after == "0.55"


def test_choices_survive_moving_between_pages(app, dataset):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    choose_features(app, MALL_FEATURES)
    set_k(app, 4)
    goto(app, PROFILES)
    goto(app, EXPORT)
    goto(app, SEGMENTS)
    assert app.multiselect(key="w.features").value == MALL_FEATURES
    assert app.slider(key="w.k").value == 4
    assert metric(app, "Segments") == "4"


def test_moving_k_does_not_rerun_the_sweep(app, monkeypatch):
    import streamlit as st

    calls = []
    real = segmentation.evaluate_prepared  # what ui/cached.py's sweep calls

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(segmentation, "evaluate_prepared", counting)
    goto(app, SEGMENTS)
    st.cache_resource.clear()  # another test may have swept these features in this process
    choose_features(app, ["annual_income", "spending_score"])
    assert len(calls) == 1  # the new choice is swept once
    set_k(app, 3)
    set_k(app, 6)
    assert len(calls) == 1
    assert metric(app, "Segments") == "6"


def test_log_transform_and_scaler_choices_apply(app):
    goto(app, SEGMENTS)
    assert app.multiselect(key="w.log_features").value, "the sample has log suggestions"
    standard = scores_table(app)
    ok(app.selectbox(key="w.scaler").set_value("minmax").run())
    assert app.selectbox(key="w.scaler").value == "minmax"
    minmax = scores_table(app)
    # Min-max units (0..1) spread customers far less than standard units (sd 1).
    assert (minmax["inertia"] < standard["inertia"]).all()
    ok(app.multiselect(key="w.log_features").set_value([]).run())
    assert app.multiselect(key="w.log_features").value == []
    without_logs = scores_table(app)
    assert not without_logs["silhouette"].equals(minmax["silhouette"])


def test_no_features_asks_for_one(app):
    goto(app, SEGMENTS)
    choose_features(app, [])
    assert any("Choose at least one feature" in w.value for w in app.warning)


def test_five_identical_customers_say_why_nothing_can_be_segmented(app):
    rows = "".join(f"C{i},34,52.5,61\n" for i in range(5))
    upload(app, "same.csv", ("customer_id,age,income,spend\n" + rows).encode())
    assert metric(app, "Customers (rows)") == "5"
    goto(app, SEGMENTS)
    errors = [shown(e.value) for e in app.error]
    assert errors == [
        "Every column of numbers has a single value for all 5 customers ('age', 'income', "
        "'spend'): they are identical, so nothing can be segmented. Upload a file in which "
        "customers differ in at least one number, such as spend or visits."
    ]
    assert not any("Choose at least one feature" in w.value for w in app.warning)
    assert not app.get("plotly_chart")


def test_selection_lists_the_selected_customers(app, dataset):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    # The browser sends customdata as {"0": row} or [row]: both are accepted.
    select_on_scatter(app, [{"customdata": [3.0, 1.0]}, {"customdata": {"0": 7, "1": 2.0}}])
    assert "2 selected customers" in texts(app)
    picked = app.dataframe[-1].value
    assert list(picked["CustomerID"]) == ["4", "8"]
    assert {"segment", "segment_name"} <= set(picked.columns)


# --- names and downloads -------------------------------------------------------------------


def test_labelled_download_keeps_every_customer(app, dataset, downloads):
    raw = dataset("mall_customers.csv")
    upload(app, "mall_customers.csv", raw)
    goto(app, SEGMENTS)
    choose_features(app, MALL_FEATURES)
    set_k(app, 5)
    goto(app, EXPORT)
    stored = downloads(download(app, "Download labelled customers"))
    assert stored.filename == "mall_customers_k5_labelled.csv"
    got = csv_text(stored.content)
    original = csv_text(raw)
    assert len(got) == len(original) == 200
    assert list(got["CustomerID"]) == list(original["CustomerID"])
    extra = [c for c in got.columns if c not in original.columns]
    assert list(got.columns[: len(original.columns)]) == list(original.columns)
    assert extra[:2] == ["segment", "segment_name"]
    assert set(extra) <= {
        "segment",
        "segment_name",
        "unassigned_reason",
        "runner_up_segment",
        "margin",
    }
    assert set(got["segment"]) == {"1", "2", "3", "4", "5"}
    assert got.groupby("segment")["segment_name"].nunique().eq(1).all()
    assert got[original.columns.tolist()].equals(original)


def test_rename_shows_on_every_page_and_in_every_download(app, dataset, downloads):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    choose_features(app, MALL_FEATURES)
    set_k(app, 5)
    goto(app, PROFILES)
    box = next(t for t in app.text_input if t.label == "Segment 2 name")
    ok(box.input("Careful savers").run())
    assert not app.error
    assert "Careful savers" in list(app.dataframe[0].value["name"])
    goto(app, SEGMENTS)
    assert "Careful savers" in list(sizes_table(app)["name"])
    goto(app, EXPORT)
    labelled = csv_text(downloads(download(app, "Download labelled customers")).content)
    assert (labelled["segment_name"] == "Careful savers").sum() == 39
    assert set(labelled.loc[labelled["segment_name"] == "Careful savers", "segment"]) == {"2"}
    profiles = csv_text(downloads(download(app, "Download the profile table")).content)
    assert profiles.loc[1, "name"] == "Careful savers"
    ok(app.selectbox(key="w.export_segment").set_value(2).run())
    members = downloads(download(app, "Download this segment's customers"))
    assert members.filename == "mall_customers_k5_segment2.csv"
    members = csv_text(members.content)
    assert len(members) == 39 and set(members["segment_name"]) == {"Careful savers"}


def test_duplicate_name_is_refused_and_the_old_one_stays(app):
    goto(app, PROFILES)
    first = next(t for t in app.text_input if t.label == "Segment 1 name").value
    second = next(t for t in app.text_input if t.label == "Segment 2 name")
    old = second.value
    ok(second.input(first).run())
    assert app.error
    assert next(t for t in app.text_input if t.label == "Segment 2 name").value == old


def test_download_does_not_lose_the_page(app, downloads):
    goto(app, EXPORT)
    button = download(app, "Download labelled customers")
    ok(button.click().run())
    assert download(app, "Download labelled customers")
    assert download(app, "Download the profile table")


def test_data_page_shows_health_findings(app, dataset):
    upload(app, "marketing_campaign.csv", dataset("marketing_campaign.csv"))
    assert metric(app, "Customers (rows)") == "2,240"
    assert app.warning, "the campaign file has missing incomes and constant columns"
    assert any("What to do" in w.value for w in app.warning)


@pytest.mark.parametrize(
    "name",
    ["mall_customers.csv", "wholesale_customers.csv", "marketing_campaign.csv", "cc_general.csv"],
)
def test_each_shared_dataset_goes_through_every_page(app, dataset, downloads, name):
    raw = dataset(name)
    upload(app, name, raw)
    assert not app.error
    for page in (SEGMENTS, PROFILES, EXPORT):
        goto(app, page)
        assert not app.error, [e.value for e in app.error]
    got = csv_text(downloads(download(app, "Download labelled customers")).content)
    assert len(got) == len(csv_text(raw))
    assigned = got["segment"] != ""
    assert (got.loc[~assigned, "unassigned_reason"] != "").all()


def scatter_spec(at) -> dict:
    """The scatter's figure as sent to the browser (the chart with the segment centres)."""
    spec = live_figure(at, SCATTER_KEY)
    assert any(t.get("name") == "Segment centres" for t in spec["data"])
    return spec


def test_scatter_axes_and_pca_view(app):
    goto(app, SEGMENTS)
    ok(app.selectbox(key="w.scatter_x").set_value("recency_days").run())
    ok(app.selectbox(key="w.scatter_y").set_value("tenure_months").run())
    layout = scatter_spec(app)["layout"]
    assert layout["xaxis"]["title"]["text"] == "recency_days"
    assert layout["yaxis"]["title"]["text"] == "tenure_months"
    ok(app.radio(key="w.scatter_view").set_value("pca").run())
    assert "PCA" in scatter_spec(app)["layout"]["xaxis"]["title"]["text"]
    goto(app, PROFILES)
    goto(app, SEGMENTS)
    assert app.radio(key="w.scatter_view").value == "pca"
    ok(app.radio(key="w.scatter_view").set_value("features").run())
    assert app.selectbox(key="w.scatter_x").value == "recency_days"


def test_names_belong_to_their_segmentation(app, dataset):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    choose_features(app, MALL_FEATURES)
    set_k(app, 5)
    goto(app, PROFILES)
    box = next(t for t in app.text_input if t.label == "Segment 1 name")
    ok(box.input("Everyday shoppers").run())
    goto(app, SEGMENTS)
    set_k(app, 4)
    assert "Everyday shoppers" not in list(sizes_table(app)["name"])
    set_k(app, 5)
    assert list(sizes_table(app)["name"])[0] == "Everyday shoppers"


@pytest.mark.parametrize("fmt", ["parquet", "xlsx", "tsv"])
def test_other_formats_upload(app, dataset, fmt):
    frame = csv_text(dataset("mall_customers.csv"))
    for column in frame.columns[2:]:
        frame[column] = frame[column].astype(int)
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.to_parquet(buffer, index=False)
    elif fmt == "xlsx":
        frame.to_excel(buffer, index=False)  # openpyxl is a requirement of the app
    else:
        buffer.write(frame.to_csv(sep="\t", index=False).encode())
    upload(app, f"mall_customers.{fmt}", buffer.getvalue(), "application/octet-stream")
    assert not app.error, [e.value for e in app.error]
    assert metric(app, "Customers (rows)") == "200"
    goto(app, SEGMENTS)
    assert metric(app, "Customers segmented") == "200"


def test_a_previous_export_can_be_uploaded_again(app, dataset, downloads):
    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, EXPORT)
    first = downloads(download(app, "Download labelled customers")).content
    upload(app, "mall_customers_k6_labelled.csv", first)
    assert not app.error, [e.value for e in app.error]
    goto(app, SEGMENTS)
    select_on_scatter(app, [{"customdata": [0.0]}])
    picked = app.dataframe[-1].value
    assert {"segment", "segment_new", "segment_name_new"} <= set(picked.columns)
    goto(app, PROFILES)
    goto(app, EXPORT)
    again = csv_text(downloads(download(app, "Download labelled customers")).content)
    before = csv_text(first)
    assert list(again.columns[: len(before.columns)]) == list(before.columns)
    assert {"segment_new", "segment_name_new"} <= set(again.columns)
    assert again[list(before.columns)].equals(before)
