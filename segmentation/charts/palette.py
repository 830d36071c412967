"""Segment colours: segment ``s`` looks the same in the scatter, the size bars and every table."""

from __future__ import annotations

#: Colour-blind-friendly qualitative palette: Okabe-Ito first, then Paul Tol's muted colours.
#: Segment s (1..k) gets SEGMENT_COLOURS[(s - 1) % len(SEGMENT_COLOURS)].
SEGMENT_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#332288",  # indigo
    "#999933",  # olive
    "#882255",  # wine
    "#44AA99",  # teal
    "#DDCC77",  # sand
    "#AA4499",  # purple
)
#: Customers without a segment (missing values with the "drop" policy).
UNASSIGNED_COLOUR = "#C8C8C8"


def segment_colour(segment: int) -> str:
    """The colour of segment number `segment` (1..k) in every chart and table.

    Parameters
    ----------
    segment : int
        Segment number as people see it, 1..k. Numbers below 1 (the internal label -1, or
        0) mean "no segment" and get `UNASSIGNED_COLOUR`.

    Returns
    -------
    str
        A hex colour such as "#0072B2". Beyond 12 segments the palette repeats.

    Examples
    --------
    >>> segment_colour(1), segment_colour(13), segment_colour(-1)
    ('#0072B2', '#0072B2', '#C8C8C8')
    """
    segment = int(segment)
    if segment < 1:
        return UNASSIGNED_COLOUR
    return SEGMENT_COLOURS[(segment - 1) % len(SEGMENT_COLOURS)]
