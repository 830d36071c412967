"""The charts a k step redraws (the scatter, the Sankey) keep their identity across k, so the
browser draws them again in place; a scatter selection counts only on the figure it was
made on."""

from __future__ import annotations

from apptools import (
    SCATTER_KEY,
    SEGMENTS,
    goto,
    live_chart_elements,
    live_charts,
    live_figure,
    ok,
    select_on_scatter,
    texts,
)


def segments_drawn(at) -> int:
    return sum(t["name"] != "Segment centres" for t in live_figure(at, SCATTER_KEY)["data"])


def element_ids(at) -> dict[str, str]:
    return {key: e.proto.id for key, e in live_chart_elements(at).items()}


def test_a_k_step_sends_the_new_figures_to_the_same_charts(app):
    goto(app, SEGMENTS)
    k = app.slider(key="w.k").value
    ids, before = element_ids(app), live_charts(app)
    assert segments_drawn(app) == k
    ok(app.slider(key="w.k").set_value(k + 1).run())
    assert element_ids(app) == ids  # same identity: the browser redraws, does not remount
    assert segments_drawn(app) == k + 1
    after = live_charts(app)
    for key in (SCATTER_KEY, "sankey"):
        assert after[key]["revision"] != before[key]["revision"]


def test_a_selection_lists_customers_only_while_its_figure_is_drawn(app):
    goto(app, SEGMENTS)
    select_on_scatter(app, [{"customdata": [3.0]}, {"customdata": [5.0]}])
    assert "2 selected customers" in texts(app)
    k = app.slider(key="w.k").value
    ok(app.slider(key="w.k").set_value(k + 1).run())
    assert "selected customers" not in texts(app)  # made on the k before: not what is drawn


def test_a_selection_from_an_earlier_figure_is_not_listed(app):
    goto(app, SEGMENTS)
    select_on_scatter(app, [{"customdata": [3.0]}], revision="an earlier figure")
    assert "selected customers" not in texts(app)


def test_the_sankey_is_not_selectable_and_no_chart_offers_to_share_itself(app):
    goto(app, SEGMENTS)
    charts = live_charts(app)
    assert charts["sankey"]["selectable"] is False
    assert charts[SCATTER_KEY]["selectable"] is True
    for chart in charts.values():
        assert "sendChartToCloud" in chart["config"]["modeBarButtonsToRemove"]
        assert chart["config"]["displaylogo"] is False
        assert chart["plotly"].startswith("component/") and chart["plotly"].endswith(
            "/plotly.min.js"
        )
