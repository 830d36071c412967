"""Profiles: what each segment looks like, how big it is, and its name."""

from __future__ import annotations

import streamlit as st

from segmentation import SettingsError, charts
from segmentation import profile as core_profile
from ui import orders as order_widgets
from ui import share, state, trust, widgets


def name_key(seg_key: str, segment: int) -> str:
    return f"{state.W_NAME_PREFIX}{seg_key}.{segment}"


def rename(seg_key: str, segment: int, default_names: tuple[str, ...]) -> None:
    """Take the edited name of `segment`; refuse (and say why) an empty or duplicate name."""
    typed = str(st.session_state[name_key(seg_key, segment)]).strip()
    renames = dict(state.renames_for(seg_key))
    if typed == default_names[segment - 1]:
        renames.pop(segment, None)
    else:
        renames[segment] = typed
    try:
        core_profile.apply_names(default_names, renames)
    except SettingsError as exc:
        state.put(state.NAMES_ERROR, str(exc))
        return
    state.put(state.NAMES_ERROR, None)
    state.set_renames(seg_key, renames)


def reset_names(seg_key: str) -> None:
    state.set_renames(seg_key, {})
    state.put(state.NAMES_ERROR, None)


def render() -> None:
    """Draw the page; return early (instead of st.stop) so the sidebar is still drawn."""
    st.title("Segment profiles")
    cur = widgets.current_segmentation("see the profiles")
    if cur is None:
        return
    names_section(cur)
    share.cards(cur, share.value_section(cur))
    profile_table_section(cur)
    trust.profiles_section(cur)
    charts_section(cur)
    order_widgets.rfm_profiles(cur)
    categories_section(cur.profiles, cur.names)


def names_section(cur) -> None:
    """A name box per segment (size and share below it), and the way back to the suggested."""
    prof, names, k = cur.profiles, cur.names, cur.k
    st.subheader("Names")
    st.caption(
        "Each segment gets a name from what sets it apart. Give it your own: the name is used on "
        "every page and in every download."
    )
    if state.get(state.NAMES_ERROR):
        widgets.error(state.get(state.NAMES_ERROR))
    per_row = min(k, 4)
    for start in range(0, k, per_row):
        cols = st.columns(per_row)
        for col, segment in zip(cols, range(start + 1, min(start + per_row, k) + 1)):
            with col:
                key = name_key(cur.key, segment)
                state.seed(key, names[segment - 1])
                st.text_input(
                    f"Segment {segment} name",
                    key=key,
                    on_change=rename,
                    args=(cur.key, segment, tuple(prof.names)),
                    max_chars=80,
                )
                st.caption(
                    f"{widgets.count(prof.sizes[segment])} customers · "
                    f"{widgets.percent(prof.shares[segment])}"
                )
    if state.renames_for(cur.key):
        st.button("Restore the suggested names", on_click=reset_names, args=(cur.key,))


def profile_table_section(cur) -> None:
    st.subheader("Profile table")
    widgets.readable_table(core_profile.readable_table(cur.profiles, cur.names))
    st.caption(
        "● the segments were built on these columns; the others describe the same customers. "
        "Means and medians are in the data's own units; index = segment mean against the "
        "average customer × 100 (100 = average)."
    )


def charts_section(cur) -> None:
    left, _ = st.columns([3, 2])
    with left:
        st.plotly_chart(charts.sizes_figure(cur.profiles, cur.names), key="sizes")
    st.plotly_chart(charts.profile_heatmap(cur.profiles, cur.names), key="heatmap")


def categories_section(prof, names) -> None:
    if not prof.category_shares:
        return
    st.subheader("Categories within each segment")
    for column, shares in prof.category_shares.items():
        st.text(column)
        # Categories are the user's values: keep them as columns, segments as the index.
        frame = shares * 100
        frame.index = [widgets.segment_label(int(s), names) for s in shares.index]
        st.dataframe(frame.style.format("{:.1f}%", na_rep=""))


render()
