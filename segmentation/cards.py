"""Segment cards: each segment in a few lines, for a meeting or a campaign brief.

A card holds the segment's name and colour, its size and share, its share of value (when a
value column is chosen), the three traits that most set it apart in words, its stability
(when it was measured) and the marketer's campaign note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from segmentation.charts import segment_colour
from segmentation.errors import SettingsError
from segmentation.profile import Profiles
from segmentation.stability import UNSTABLE, shown, stability_word
from segmentation.traits import segment_traits
from segmentation.value import SegmentValue

#: Longest campaign note kept (characters): a brief, not a document. Ten notes this long,
#: with their segment names, fit in a saved segmentation's notes (`saved.MAX_NOTES`).
MAX_NOTE = 1_500


@dataclass(frozen=True)
class SegmentCard:
    """One segment in a few lines.

    Attributes
    ----------
    segment : int
        Segment number, 1..k.
    name : str
    colour : str
        Hex colour, as in every chart.
    customers : int
    share : float
        Share of the segmented customers, 0..1.
    value_share : float or None
        Share of the value (0..1), when a value column was given and shares are defined.
    value_per_customer : float or None
    value_index : float or None
        Value per customer against the average x 100.
    value_column : str or None
    traits : tuple of str
        Up to three traits in words, most distinctive first.
    stability : float or None
        0..1 when measured; None otherwise.
    note : str
        The marketer's campaign note ("" when none).
    """

    segment: int
    name: str
    colour: str
    customers: int
    share: float
    value_share: float | None
    value_per_customer: float | None
    value_index: float | None
    value_column: str | None
    traits: tuple[str, ...]
    stability: float | None
    note: str

    @property
    def stability_text(self) -> str | None:
        """The stability in words, or None when not measured."""
        return None if self.stability is None else stability_words(self.stability)


def stability_words(stability: float) -> str:
    """A stability score (0..1) in the words of `segmentation.stability`, the number cut
    (not rounded) so it never disagrees with its word.

    Examples
    --------
    >>> stability_words(0.93), stability_words(0.849), stability_words(0.4)
    ('highly stable (0.93)', 'stable (0.84)', 'unstable (0.40): check before acting on it')
    """
    word = stability_word(stability)
    text = f"{word} ({shown(stability):.2f})"
    return text + ": check before acting on it" if word == UNSTABLE else text


def clean_note(note: object) -> str:
    """A campaign note as kept: text, surrounding blanks removed, at most `MAX_NOTE` chars.

    Examples
    --------
    >>> clean_note("  Send the spring catalogue.  "), clean_note(None)
    ('Send the spring catalogue.', '')
    """
    return "" if note is None else str(note).strip()[:MAX_NOTE]


def campaign_notes_text(names: Sequence[str], notes: Mapping[int, str]) -> str:
    """The campaign notes as one text, a line per segment that has one (for a saved
    segmentation's free-text notes).

    Examples
    --------
    >>> campaign_notes_text(["Loyal", "New"], {2: "Welcome offer", 1: " "})
    'Segment 2 · New: Welcome offer'
    """
    lines = []
    for segment in sorted(notes):
        note = clean_note(notes[segment])
        if note and 1 <= segment <= len(names):
            lines.append(f"Segment {segment} · {names[segment - 1]}: {note}")
    return "\n".join(lines)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def segment_cards(
    profiles: Profiles,
    names: Sequence[str],
    *,
    value: SegmentValue | None = None,
    stability: Mapping[int, float] | None = None,
    notes: Mapping[int, str] | None = None,
) -> tuple[SegmentCard, ...]:
    """One card per segment, segment 1 first.

    Parameters
    ----------
    profiles : Profiles
    names : sequence of str
        Final names, one per segment.
    value : SegmentValue, optional
        Value per segment (`segment_value`) for the value share.
    stability : mapping of int -> float, optional
        Stability per segment number (0..1), where it was measured.
    notes : mapping of int -> str, optional
        Campaign notes per segment number.

    Raises
    ------
    SettingsError
        `names` or `value` do not match the segments.

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers, profile_segments
    >>> customers = make_sample_customers(300)
    >>> prof = profile_segments(customers, fit_segments(customers, ["annual_income"], 2))
    >>> card = segment_cards(prof, ["Modest", "Affluent"], notes={2: "Premium offer"})[1]
    >>> card.name, card.customers, card.traits, card.note
    ('Affluent', 92, ('earns 1.6x the average',), 'Premium offer')
    """
    k = profiles.k
    if len(names) != k:
        raise SettingsError(f"{len(names)} names given for {k} segments: give one per segment.")
    if value is not None and value.k != k:
        raise SettingsError(
            f"The value table has {value.k} segments, the profiles {k}: use one segmentation."
        )
    stability, notes = dict(stability or {}), dict(notes or {})
    cards = []
    for segment in range(1, k + 1):
        has_value = value is not None
        cards.append(
            SegmentCard(
                segment=segment,
                name=str(names[segment - 1]),
                colour=segment_colour(segment),
                customers=int(profiles.sizes[segment]),
                share=float(profiles.shares[segment]),
                value_share=_finite(value.value_share[segment]) if has_value else None,
                value_per_customer=_finite(value.per_customer[segment]) if has_value else None,
                value_index=_finite(value.index[segment]) if has_value else None,
                value_column=value.column if has_value else None,
                traits=tuple(t.text for t in segment_traits(profiles, segment)),
                stability=_finite(stability.get(segment)),
                note=clean_note(notes.get(segment)),
            )
        )
    return tuple(cards)
