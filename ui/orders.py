"""The Data page's order-log section: is each row a customer or an order, which column is
which, the snapshot date, and the customer table built from the orders.

The widgets only write the user's choices into `ui.state`; `ui.cached.current_orders`
builds the table from them, so every page works on the same customer table.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from segmentation import CustomerData, SegmentationError
from segmentation.orders import AmbiguousDates, CustomerTable, rfm_features
from ui import cached, state, widgets

MODES = {"customers": "a customer", "orders": "an order (or order line)"}
EACH_ROW_AN_ORDER = "(each row is one order)"
DATE_ORDERS = {
    "day-first": "Day first (04/09/2012 is 4 September 2012)",
    "month-first": "Month first (04/09/2012 is April 9, 2012)",
}
MEASURES = {"recency_days": "R (recency)", "frequency": "F (frequency)", "monetary": "M (monetary)"}


def on_mode() -> None:
    choice = st.session_state[state.W_ORDERS_MODE]
    state.put(state.ORDERS_MODE, next(k for k, v in MODES.items() if v == choice))
    state.put(state.FEATURES, None)
    state.put(state.LOG_FEATURES, None)
    state.put(state.K, None)


def on_role(role: str) -> None:
    value = st.session_state[state.W_ORDER_ROLE_PREFIX + role]
    chosen = dict(state.get(state.ORDER_COLUMNS) or {})
    chosen[role] = None if value == EACH_ROW_AN_ORDER else value
    state.put(state.ORDER_COLUMNS, chosen)


def on_snapshot() -> None:
    state.put(state.SNAPSHOT, st.session_state[state.W_SNAPSHOT])


def on_date_order() -> None:
    label = st.session_state[state.W_DATE_ORDER]
    state.put(state.DATE_ORDER, next(k for k, v in DATE_ORDERS.items() if v == label))


def order_section(data: CustomerData) -> CustomerData | None:
    """Draw the order-log choices for the file `data`; the customer table built from it,
    or None when each row is read as a customer (or the table cannot be built yet)."""
    source = cached.current_source()
    if source.is_sample:
        return None
    guess = cached.order_guess(source.file_digest, data)
    is_orders = cached.is_order_log(data)
    table, built, problem = _build(data) if is_orders else (None, None, None)
    if guess.looks_like_orders:
        st.info(found_words(guess, table), icon=":material/receipt_long:")
    state.seed(state.W_ORDERS_MODE, MODES["orders" if is_orders else "customers"])
    st.radio(
        "Each row of this file is",
        list(MODES.values()),
        key=state.W_ORDERS_MODE,
        on_change=on_mode,
        horizontal=True,
        help="An order export (one line per order or order line) is turned into one row "
        "per customer: recency, frequency, monetary value and RFM scores.",
    )
    if not is_orders:
        return None
    st.subheader("From orders to customers")
    _role_boxes(data, guess)
    _snapshot_box(table)
    if isinstance(problem, AmbiguousDates) or state.get(state.DATE_ORDER) != "auto":
        _date_order_box()
    if problem is not None:
        widgets.error(problem)
        return None
    _summary(table)
    return built


def found_words(guess, table: CustomerTable | None) -> str:
    """What the order log holds: the guess's words, or the whole file's counts when the
    guess saw only the head of a big file."""
    if table is None or table.n_lines == guess.n_lines:
        return guess.reason
    return (
        f"This looks like an order log: {table.n_lines:,} order lines from "
        f"{len(table.frame):,} customers"
    )


def _build(data: CustomerData):
    try:
        table, built = cached.current_orders(data)
    except SegmentationError as problem:
        return None, None, problem
    return table, built, None


def _role_boxes(data: CustomerData, guess) -> None:
    try:
        current = cached.order_columns(data)
    except SegmentationError:
        current = None
    names = [str(c) for c in data.frame.columns]
    options = {
        "customer": list(dict.fromkeys([*guess.customer_options, *names])),
        "date": list(dict.fromkeys([*guess.date_options, *names])),
        "amount": list(dict.fromkeys([*guess.amount_options, *names])),
        "order": [EACH_ROW_AN_ORDER, *dict.fromkeys([*guess.order_options, *names])],
    }
    helps = {
        "customer": "One row per distinct value in the customer table; kept as text.",
        "date": "Recency and tenure count whole days from these dates.",
        "amount": "Summed per customer; returns (negative amounts) are netted.",
        "order": "Lines with the same order id count as one order (frequency); without "
        "one, every row is an order.",
    }
    cols = st.columns(4)
    for col, (role, label) in zip(cols, cached.ORDER_ROLES.items()):
        value = getattr(current, role) if current else None
        if role == "order" and value is None:
            value = EACH_ROW_AN_ORDER
        state.seed(state.W_ORDER_ROLE_PREFIX + role, value)
        col.selectbox(
            label,
            options[role],
            key=state.W_ORDER_ROLE_PREFIX + role,
            on_change=on_role,
            args=(role,),
            placeholder="Choose a column",
            help=helps[role],
        )


def _snapshot_box(table: CustomerTable | None) -> None:
    chosen = state.get(state.SNAPSHOT)
    value = chosen or (table.snapshot if table else dt.date.today())
    state.seed(state.W_SNAPSHOT, value)
    left, right = st.columns([1, 3])
    left.date_input(
        "Snapshot date",
        key=state.W_SNAPSHOT,
        on_change=on_snapshot,
        format="YYYY-MM-DD",
        help="Recency is counted in days up to this date; orders after it are left out. "
        "By default the day after the last order.",
    )
    if chosen is None:
        right.caption("The day after the last order (change it to look back in time).")


def _date_order_box() -> None:
    order = state.get(state.DATE_ORDER)
    state.seed(state.W_DATE_ORDER, DATE_ORDERS.get(order))
    st.radio(
        "Dates like 04/09/2012 in this file are",
        list(DATE_ORDERS.values()),
        key=state.W_DATE_ORDER,
        on_change=on_date_order,
        help="Every date in the file reads both ways, so the file cannot tell.",
    )


def _summary(table: CustomerTable) -> None:
    """What was built: counts, lines left out, how the scores were cut, the RFM segments."""
    cols = st.columns(4)
    cols[0].metric("Customers", widgets.count(len(table.frame)))
    cols[1].metric("Orders", widgets.count(table.n_orders))
    cols[2].metric("Order lines used", widgets.count(table.n_used))
    cols[3].metric("Snapshot", table.snapshot.isoformat())
    reading = table.dates
    proof = (
        f" ({widgets.md(reading.decided_by)} shows which comes first)" if reading.decided_by else ""
    )
    st.caption(
        f"Dates read as {widgets.md(layout_words(reading.format))}{proof}"
        f" · first order {widgets.md(table.frame['first_order_date'].min())}"
        f" · last order {widgets.md(table.frame['last_order_date'].max())}"
    )
    for message in table.messages:
        st.warning(widgets.md(message), icon=":material/warning:")
    with st.expander("How the RFM scores were cut", expanded=False):
        st.caption(
            "Each score is 1 to 5 by fifths of the customers, 5 the best (most recent, most "
            "orders, most value). Customers with the same value always get the same score, "
            "so when most customers ordered once, the F scores jump (1, then 4 or 5)."
        )
        st.dataframe(score_cuts_shown(table.cuts), hide_index=True)
    counts = table.frame["rfm_segment"].value_counts()
    st.caption(
        "RFM segments: "
        + " · ".join(f"{widgets.md(name)} {widgets.count(n)}" for name, n in counts.items())
    )


_LAYOUT_WORDS = {
    "%Y": "YYYY",
    "%y": "YY",
    "%m": "MM",
    "%d": "DD",
    "%b": "Mon",
    "%B": "Month",
    "%a": "Day",
    "%H": "hh",
    "%I": "hh",
    "%M": "mm",
    "%S": "ss",
    "%p": "AM/PM",
}


def layout_words(fmt: str | None) -> str:
    """A date layout as people write it: ``%d.%m.%Y`` -> ``DD.MM.YYYY``."""
    if not fmt:
        return "dates"
    for code, words in _LAYOUT_WORDS.items():
        fmt = fmt.replace(code, words)
    return fmt


def score_cuts_shown(cuts: pd.DataFrame) -> pd.DataFrame:
    """The cuts as a marketer reads them: score, measure, the range of values, customers."""
    shown = cuts.copy()
    shown["measure"] = shown["measure"].map(MEASURES).fillna(shown["measure"])
    shown["values"] = [_range(low, high) for low, high in zip(shown["lowest"], shown["highest"])]
    shown["share"] = (shown["share"] * 100).round(1).astype(str) + "%"
    return shown[["measure", "score", "values", "customers", "share"]]


def _range(low: float, high: float) -> str:
    def number(v: float) -> str:
        return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.2f}"

    return number(low) if low == high else f"{number(low)} to {number(high)}"


def rfm_profiles(cur: cached.Current) -> None:
    """On the Profiles page, for a customer table built from orders: the RFM grid and each
    segment's mix of RFM segments."""
    if not rfm_features(cur.data):
        return
    st.subheader("RFM segments")
    st.caption(
        "The classic grid of recency and frequency scores (see the Data page for how they "
        "were cut), and how the segments found here spread over it."
    )
    digest = cur.source.digest
    st.plotly_chart(cached.rfm_grid(digest, cur.data), key="rfm_grid")
    mix = cached.rfm_mix(digest, cur.choices, cur.k, tuple(cur.names), cur.data, cur.seg)
    st.plotly_chart(mix, key="rfm_mix")
