"""Dates written as text: every common layout read, day/month order decided from the values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.dates import looks_like_dates, parse_dates
from segmentation.errors import SettingsError


def _iso_days(parsed) -> list[str | None]:
    return [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in parsed.values]


@pytest.mark.parametrize(
    ("cells", "expected", "order"),
    [
        (["2024-12-31", "2025-01-02"], ["2024-12-31", "2025-01-02"], "year-first"),
        (["31.12.2024", "1.2.2025"], ["2024-12-31", "2025-02-01"], "day-first"),
        (["31/12/2024", "02/01/2025"], ["2024-12-31", "2025-01-02"], "day-first"),
        (["12/31/2024", "01/02/2025"], ["2024-12-31", "2025-01-02"], "month-first"),
        (["31-12-2024", "04-09-2012"], ["2024-12-31", "2012-09-04"], "day-first"),
        (["31.12.24", "01.01.25"], ["2024-12-31", "2025-01-01"], "day-first"),
    ],
)
def test_parse_dates_reads_each_layout_in_the_order_its_values_prove(cells, expected, order):
    parsed = parse_dates(pd.Series(cells))
    assert _iso_days(parsed) == expected
    assert parsed.order == order
    assert not parsed.ambiguous


def test_parse_dates_keeps_times_and_drops_zones_keeping_the_written_date():
    cells = pd.Series(
        ["2024-12-31T23:30:00-05:00", "2024-06-01 10:15:30.250Z", "2024-01-05T08:00:00+01:00"]
    )
    parsed = parse_dates(cells)
    assert [str(v) for v in parsed.values] == [
        "2024-12-31 23:30:00",
        "2024-06-01 10:15:30.250000",
        "2024-01-05 08:00:00",
    ]


def test_parse_dates_reads_am_pm_times():
    parsed = parse_dates(pd.Series(["12/31/2024 6:30 PM", "12/30/2024 12:05 AM"]))
    assert [str(v) for v in parsed.values] == ["2024-12-31 18:30:00", "2024-12-30 00:05:00"]
    assert parsed.format == "%m/%d/%Y %I:%M %p"


def test_parse_dates_reads_month_names():
    parsed = parse_dates(pd.Series(["31 Dec 2024", "Jan 5, 2025", "5-Feb-24"]))
    assert _iso_days(parsed) == ["2024-12-31", "2025-01-05", "2024-02-05"]


def test_parse_dates_reports_a_column_that_reads_both_ways_as_ambiguous():
    parsed = parse_dates(pd.Series(["04/09/2012", "05/10/2012", "04/09/2012"]))
    assert parsed.ambiguous
    assert parsed.decided_by is None
    asked = parse_dates(pd.Series(["04/09/2012", "05/10/2012"]), order="month-first")
    assert _iso_days(asked) == ["2012-04-09", "2012-05-10"]
    assert not asked.ambiguous


def test_parse_dates_same_day_and_month_everywhere_is_not_ambiguous():
    parsed = parse_dates(pd.Series(["04/04/2012", "11/11/2012"]))
    assert not parsed.ambiguous
    assert _iso_days(parsed) == ["2012-04-04", "2012-11-11"]


def test_parse_dates_one_late_value_decides_for_the_whole_column():
    cells = [f"0{d}/0{m}/2024" for d in range(1, 10) for m in range(1, 10)]
    parsed = parse_dates(pd.Series([*cells, "25/03/2024"]))
    assert parsed.order == "day-first"
    assert parsed.decided_by == "25/03/2024"
    assert parsed.values.iloc[1] == pd.Timestamp("2024-02-01")


def test_parse_dates_counts_blank_and_unreadable_cells_separately():
    cells = pd.Series(["2024-02-29", "2023-02-29", "", None, "  ", "soon", "2024-13-01"])
    parsed = parse_dates(cells)
    assert (parsed.n_read, parsed.n_blank, parsed.n_unreadable) == (1, 3, 3)
    assert parsed.values.isna().tolist() == [False] + [True] * 6


def test_parse_dates_impossible_day_is_unreadable_not_next_month():
    parsed = parse_dates(pd.Series(["30.02.2024", "31.04.2024", "15.04.2024"]))
    assert _iso_days(parsed) == [None, None, "2024-04-15"]


def test_parse_dates_keeps_the_index_and_name():
    cells = pd.Series(["2024-01-01", "2024-01-02"], index=[10, 20], name="order_date")
    parsed = parse_dates(cells)
    assert parsed.values.index.tolist() == [10, 20]
    assert parsed.values.name == "order_date"


def test_parse_dates_accepts_a_datetime_column_as_it_is():
    stamps = pd.Series(pd.to_datetime(["2024-01-01 10:00", None]))
    parsed = parse_dates(stamps)
    assert parsed.n_read == 1 and parsed.n_blank == 1
    assert parsed.values.iloc[0] == pd.Timestamp("2024-01-01 10:00")


def test_parse_dates_rejects_an_unknown_order():
    with pytest.raises(SettingsError, match="'backwards' is not a date order"):
        parse_dates(pd.Series(["2024-01-01"]), order="backwards")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["2024-01-01", "31/12/2024", ""], True),
        (["C1001", "C1002"], False),
        (["12", "2024"], False),
        (["1.5", "2.25"], False),
        (["2024-01-01", "x", "y"], False),
    ],
)
def test_looks_like_dates(cells, expected):
    assert looks_like_dates(pd.Series(cells)) is expected


_CELL = st.sampled_from(
    [
        "2024-12-31",
        "31/12/2024",
        "13.01.2024 18:30",
        "Dec 31, 2024",
        "31-December-2024",
        "20241231",
        "C1001",
        "alice@example.com",
        "12",
        "Mayfair 3",
        "",
        "  ",
        "1/2/3",
    ]
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_CELL, max_size=30), st.sampled_from([0.75, 0.9, 1.0]))
def test_looks_like_dates_is_the_share_read(cells, min_share):
    """The one test of a date column: the share of filled cells parse_dates reads,
    the same for a list of cells (the upload's sample) as for a column."""
    filled = [c for c in cells if c.strip()]
    parsed = parse_dates(pd.Series(filled, dtype=object))
    expected = parsed.n_read > 0 and parsed.n_read >= min_share * len(filled)
    assert looks_like_dates(cells, min_share=min_share) is expected
    assert looks_like_dates(pd.Series(cells, dtype=object), min_share=min_share) is expected


def test_an_upload_never_takes_a_column_of_unique_dates_as_the_id():
    from segmentation.io import read_customers

    rows = ["joined,code,spend"] + [
        f"{d:%d-%B-%Y},X{i:03d},{i * 3}"
        for i, d in enumerate(pd.date_range("2024-01-01", periods=12))
    ]
    data = read_customers("\n".join(rows).encode(), name="c.csv")
    assert data.id_column == "code"
    assert data.report.date_columns == ("joined",)


def test_looks_like_dates_number_columns_are_not_dates():
    assert looks_like_dates(pd.Series([1500.0, 20240102.0])) is False
    assert looks_like_dates(pd.Series([12345678.0, 20240102.0])) is False


def test_compact_dates_written_as_numbers_are_dates():
    """20241231 is how many tills and old systems write a date (a code to the reader)."""
    numbers = pd.Series([20241231.0, 20250102.0, float("nan")])
    assert looks_like_dates(numbers)
    parsed = parse_dates(numbers)
    assert _iso_days(parsed) == ["2024-12-31", "2025-01-02", None]
    assert parsed.format == "%Y%m%d" and parsed.n_blank == 1
    assert _iso_days(parse_dates(pd.Series(["19970101", "19970230"]))) == ["1997-01-01", None]


# --------------------------------------------------------------------------------------
# Properties: whatever the layout, the dates written are the dates read.

LAYOUTS = [
    ("%Y-%m-%d", "year-first"),
    ("%Y-%m-%dT%H:%M:%S", "year-first"),
    ("%d.%m.%Y", "day-first"),
    ("%d/%m/%Y %H:%M", "day-first"),
    ("%m/%d/%Y", "month-first"),
    ("%m/%d/%Y %I:%M %p", "month-first"),
    ("%d-%m-%Y", "day-first"),
]

stamps = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2035, 12, 31))


@settings(max_examples=25, deadline=None)
@given(values=st.lists(stamps, min_size=1, max_size=40), layout=st.sampled_from(LAYOUTS))
def test_parse_dates_round_trips_every_layout(values, layout):
    fmt, order = layout
    written = [v.strftime(fmt) for v in values]
    parsed = parse_dates(pd.Series(written))
    expected = [dt.datetime.strptime(w, fmt) for w in written]
    proves = any(
        dt.datetime.strptime(w, fmt).day > 12 and dt.datetime.strptime(w, fmt).day != v.month
        for w, v in zip(written, values)
    )
    if order == "year-first" or proves:
        assert list(parsed.values) == [pd.Timestamp(e) for e in expected]
        assert parsed.order == order
        assert not parsed.ambiguous
    else:
        # nothing above 12: both readings valid; asked for the layout's order, it is exact
        asked = parse_dates(pd.Series(written), order=order)
        assert list(asked.values) == [pd.Timestamp(e) for e in expected]
    assert parsed.n_read == len(values)


@settings(max_examples=25, deadline=None)
@given(
    days=st.lists(
        st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1990, 2030)),
        min_size=1,
        max_size=30,
    )
)
def test_parse_dates_ambiguous_exactly_when_both_readings_differ(days):
    written = [f"{d:02d}/{m:02d}/{y}" for d, m, y in days]
    parsed = parse_dates(pd.Series(written))
    assert parsed.ambiguous == any(d != m for d, m, _ in days)
    assert parsed.n_read == len(days)


@settings(max_examples=25, deadline=None)
@given(
    cells=st.lists(
        st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["2024-01-01", "31.12.2024"])),
        max_size=30,
    )
)
def test_parse_dates_every_cell_is_read_blank_or_unreadable(cells):
    parsed = parse_dates(pd.Series(cells, dtype=object))
    assert parsed.n_read + parsed.n_blank + parsed.n_unreadable == len(cells)
    assert int(parsed.values.notna().sum()) == parsed.n_read
    assert len(parsed.values) == len(cells)


def test_parse_dates_large_column_with_few_distinct_values():
    days = pd.date_range("2020-01-01", periods=500).strftime("%d.%m.%Y").to_numpy()
    cells = pd.Series(days[np.arange(200_000) % 500], dtype="str")
    parsed = parse_dates(cells)
    assert parsed.n_read == 200_000 and parsed.order == "day-first"
    assert parsed.values.iloc[499] == pd.Timestamp("2021-05-14")
