"""Can the segments be trusted: stability, borderline customers and the Sankey, in the app."""

from __future__ import annotations

from apptools import (
    EXPORT,
    PROFILES,
    SCATTER_KEY,
    SEGMENTS,
    csv_text,
    download,
    goto,
    live_figure,
    ok,
    texts,
)

MALL_FEATURES = ["Annual Income (k$)", "Spending Score (1-100)"]
WORDS = {"highly stable", "stable", "doubtful", "unstable"}


def trust_table(at):
    for frame in at.dataframe:
        if "verdict" in frame.value.columns:
            return frame.value
    raise AssertionError("no stability table on the page")


def sidebar_html(at) -> str:
    return "\n".join(str(e.proto.body) for e in at.sidebar.get("html"))


def test_profiles_show_stability_with_its_meaning_and_the_sidebar_follows(app):
    goto(app, SEGMENTS)
    assert "stability" not in sidebar_html(app)  # not measured until a page shows it
    goto(app, PROFILES)
    table = trust_table(app)
    k = len(table)
    assert table["stability"].between(0, 1).all()
    for value, word in zip(table["stability"], table["verdict"]):
        assert word in WORDS
        assert (word == "highly stable") == (value >= 0.85)
    assert table["borderline"].between(0, 100).all()
    shown = texts(app)
    assert "Stability" in shown and "resampled 50 times" in shown
    assert "Borderline" in shown and "margin below 0.2" in shown
    legend = sidebar_html(app)
    assert legend.count("stability 0.") + legend.count("stability 1.") == k


def test_segments_show_the_sankey_around_k_and_it_follows_k(app):
    goto(app, SEGMENTS)
    k = app.slider(key="w.k").value
    spec = live_figure(app, "sankey")
    headings = [a["text"] for a in spec["layout"]["annotations"]]
    assert headings[1] == f"<b>k = {k}</b> (chosen)"
    assert spec["data"][0]["type"] == "sankey"
    ok(app.slider(key="w.k").set_value(k + 1).run())
    headings = [a["text"] for a in live_figure(app, "sankey")["layout"]["annotations"]]
    assert f"<b>k = {k + 1}</b> (chosen)" in headings
    assert any(c.value.startswith("From ") and " segments" in c.value for c in app.caption)


def test_borderline_checkbox_outlines_customers_on_the_scatter(app):
    goto(app, SEGMENTS)
    names = [t["name"] for t in live_figure(app, SCATTER_KEY)["data"]]
    assert not any(n.startswith("Borderline") for n in names)
    box = next(c for c in app.checkbox if c.label == "Outline borderline customers")
    ok(box.check().run())
    names = [t["name"] for t in live_figure(app, SCATTER_KEY)["data"]]
    assert names[-1] == "Borderline customers (margin below 0.2)"
    goto(app, PROFILES)
    goto(app, SEGMENTS)  # the choice is kept across pages
    assert next(c for c in app.checkbox if c.label == "Outline borderline customers").value


def test_downloads_carry_margins_and_stability(app, dataset, downloads):
    from apptools import upload

    upload(app, "mall_customers.csv", dataset("mall_customers.csv"))
    goto(app, SEGMENTS)
    ok(app.multiselect(key="w.features").set_value(MALL_FEATURES).run())
    ok(app.slider(key="w.k").set_value(5).run())
    goto(app, EXPORT)
    labelled = csv_text(downloads(download(app, "Download labelled customers")).content)
    assert len(labelled) == 200
    assert (labelled["runner_up_segment"] != labelled["segment"]).all()
    assert labelled["margin"].astype(float).between(0, 1).all()
    one = csv_text(downloads(download(app, "Download this segment's customers")).content)
    assert {"runner_up_segment", "margin"} <= set(one.columns)
    profiles = csv_text(downloads(download(app, "Download the profile table")).content)
    assert len(profiles) == 5
    assert profiles["stability"].astype(float).between(0, 1).all()
    assert set(profiles["stability_word"]) <= WORDS
    assert {"borderline_share", "borderline_lean_to"} <= set(profiles.columns)
