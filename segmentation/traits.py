"""What sets a segment apart, in plain words: "spends 2.4x the average", "visits half as
often", "younger".

Words come from two numbers per feature: the ratio of the segment's mean to the average
customer's (when both are positive, so a ratio means something) and the effect size (the
difference in standard deviations, always defined). A ratio reads better ("2.4x"); the
effect size speaks where a ratio cannot (negative values, a mean near zero, a birth year
where 1968 vs 1970 is a 0.1% ratio but a real difference).

The phrases are general: `ratio_words`, `often_words` and `describe` work for any feature
and can name traits anywhere a number would be jargon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from segmentation.profile import DISTINCTIVE_THRESHOLD, Profiles, feature_words

#: Traits shown per segment.
N_TRAITS = 3
#: The trait of a segment where no feature stands out.
AVERAGE_TRAIT = "close to the average customer on every feature"
#: Ratios closer to 1 than this are not worth saying as a ratio ("2% above the average");
#: the effect size then speaks ("slightly higher").
RATIO_MIN_GAP = 0.05

#: Words in a column name that tell what kind of quantity it is, so the trait can use a
#: verb: money spent, how often, how recently, age, income, how long a customer.
_SPEND = frozenset("spend spent spending monetary revenue sales mnt amount clv ltv".split())
_OFTEN = frozenset("frequency visits orders transactions trips sessions logins".split())
#: Words that may stand beside a "how often" word without changing what is counted.
_OFTEN_CONTEXT = frozenset("num number purchase purchases per month year week avg average".split())
_RECENCY = frozenset("recency recent since last".split())
_AGE = frozenset({"age"})
_BIRTH = frozenset({"birth", "born"})
_INCOME = frozenset("income salary earnings".split())
_TENURE = frozenset("tenure seniority membership".split())
_NOT_MONEY = frozenset("score rank rate ratio index".split())


@dataclass(frozen=True)
class Trait:
    """One thing that sets a segment apart.

    Attributes
    ----------
    feature : str
        The column.
    effect : float
        Segment mean minus the average, in standard deviations.
    ratio : float or None
        Segment mean / average, when both are positive; else None.
    text : str
        The trait in words, e.g. "spends 2.4x the average".
    """

    feature: str
    effect: float
    ratio: float | None
    text: str


def _tokens(column: str) -> list[str]:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(column))
    return [w.lower() for w in re.split(r"[\W_]+", text) if w]


def _fraction(ratio: float) -> str | None:
    """ "half", "a third", "a quarter" for ratios near them, else None."""
    for value, word in ((0.5, "half"), (1 / 3, "a third"), (0.25, "a quarter")):
        if abs(ratio - value) <= 0.03:
            return word
    return None


def ratio_words(ratio: float, *, more: str = "above", less: str = "below") -> str:
    """A ratio to the average in words.

    Examples
    --------
    >>> ratio_words(2.43), ratio_words(0.5), ratio_words(1.3), ratio_words(0.7)
    ('2.4x the average', 'half the average', '30% above the average', '30% below the average')
    >>> ratio_words(1.3, more="more than"), ratio_words(0.08), ratio_words(1.02)
    ('30% more than the average', '8% of the average', 'about the average')
    """
    if ratio >= 1.5:
        return f"{ratio:.1f}x the average"
    if abs(ratio - 1) < RATIO_MIN_GAP:
        return "about the average"
    if ratio > 1:
        return f"{(ratio - 1) * 100:.0f}% {more} the average"
    fraction = _fraction(ratio)
    if fraction:
        return f"{fraction} the average" if fraction == "half" else f"{fraction} of the average"
    if ratio < 0.2:
        return f"{ratio * 100:.0f}% of the average"
    return f"{(1 - ratio) * 100:.0f}% {less} the average"


def often_words(ratio: float) -> str:
    """How often, against the average, in words.

    Examples
    --------
    >>> often_words(2.43), often_words(0.5), often_words(1.25), often_words(0.6)
    ('2.4x as often', 'half as often', '25% more often', '40% less often')
    """
    if ratio >= 1.5:
        return f"{ratio:.1f}x as often"
    if abs(ratio - 1) < RATIO_MIN_GAP:
        return "about as often as average"
    if ratio > 1:
        return f"{(ratio - 1) * 100:.0f}% more often"
    fraction = _fraction(ratio)
    if fraction:
        return f"{fraction} as often"
    return f"{(1 - ratio) * 100:.0f}% less often"


def level_words(effect: float) -> str:
    """An effect size (standard deviations) as "much higher", "higher", "slightly lower"...

    Examples
    --------
    >>> level_words(1.8), level_words(0.7), level_words(-0.3), level_words(0.05)
    ('much higher', 'higher', 'slightly lower', 'about average')
    """
    size = abs(effect)
    if size < DISTINCTIVE_THRESHOLD / 2:
        return "about average"
    direction = "higher" if effect > 0 else "lower"
    if size >= 1.5:
        return f"much {direction}"
    if size >= 0.5:
        return direction
    return f"slightly {direction}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")


def _kind(tokens: list[str]) -> str:
    words = set(tokens)
    if words & _AGE:
        return "age"
    if words & _BIRTH:
        return "birth"
    if words & _RECENCY or ("days" in words and "since" in words):
        return "recency"
    if words & _TENURE:
        return "tenure"
    if words & _INCOME:
        return "income"
    if words & _SPEND and not words & _NOT_MONEY:
        return "spend"
    if words & _OFTEN and words <= _OFTEN | _OFTEN_CONTEXT:
        return "often"
    return "other"


def describe(
    feature: str,
    *,
    effect: float,
    ratio: float | None = None,
    mean: float | None = None,
    average: float | None = None,
    word: str | None = None,
) -> str:
    """One trait in plain words.

    Parameters
    ----------
    feature : str
        The column name; its words choose the phrasing (spend, how often, recency, age,
        birth year, income, tenure, or any other quantity).
    effect : float
        Segment mean minus the average, in standard deviations (the sign is the direction).
    ratio : float, optional
        Segment mean / average when both are positive; said as "2.4x", "half"...
    mean, average : float, optional
        The segment's mean and the average, shown for age and birth year.
    word : str, optional
        How to call the feature in a generic phrase (default: the column's own words).

    Examples
    --------
    >>> describe("monetary", effect=1.9, ratio=2.43)
    'spends 2.4x the average'
    >>> describe("visits_per_month", effect=-0.9, ratio=0.5)
    'visits half as often'
    >>> describe("Age", effect=-1.1, mean=27.4, average=38.9)
    'younger (27 on average, against 39)'
    >>> describe("MntWines", effect=1.2, ratio=3.1, word="wines")
    'spends 3.1x the average on wines'
    >>> describe("avg_order_value", effect=0.8, ratio=1.4, word="order value")
    'order value 40% above the average'
    >>> describe("profit", effect=-0.7)
    'lower profit'
    """
    tokens = _tokens(feature)
    kind = _kind(tokens)
    word = word or " ".join(tokens) or str(feature)
    if "score" in tokens and "score" not in word:
        word += " score"  # a score is not the quantity itself: "spending score", not "spending"
    usable = ratio is not None and np.isfinite(ratio) and abs(ratio - 1) >= RATIO_MIN_GAP
    up = effect > 0
    if kind in ("age", "birth"):
        older = up if kind == "age" else not up
        text = "older" if older else "younger"
        if mean is not None and average is not None and np.isfinite([mean, average]).all():
            label = "born " if kind == "birth" else ""
            text += f" ({label}{mean:.0f} on average, against {average:.0f})"
        return text
    if kind == "recency":
        head = "last bought longer ago" if up else "bought more recently"
        return f"{head} ({ratio_words(ratio) if usable else level_words(effect)} {word})"
    if kind == "tenure":
        head = "customer for longer" if up else "newer customer"
        return f"{head} ({ratio_words(ratio)} {word})" if usable else head
    if not usable:
        return f"{level_words(effect)} {word}"
    if kind == "spend":
        extra = [t for t in tokens if t not in _SPEND and t not in ("total", "amount", "of")]
        target = f" on {word}" if extra else ""
        return f"spends {ratio_words(ratio, more='more than', less='less than')}{target}"
    if kind == "income":
        return f"earns {ratio_words(ratio, more='more than', less='less than')}"
    if kind == "often":
        verb = "visits" if "visits" in tokens else "buys"
        return f"{verb} {often_words(ratio)}"
    return f"{word} {ratio_words(ratio)}"


def segment_traits(profiles: Profiles, segment: int, *, n: int = N_TRAITS) -> tuple[Trait, ...]:
    """The `n` traits that most set segment number `segment` (1..k) apart, in words.

    Features are ranked by the size of their effect; those under the "small effect" bar
    (`profile.DISTINCTIVE_THRESHOLD`) are left out. When none reaches it, the one trait
    says the segment is close to the average (`AVERAGE_TRAIT`).

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers, profile_segments
    >>> customers = make_sample_customers(300)
    >>> features = ["annual_income", "purchase_frequency"]
    >>> prof = profile_segments(customers, fit_segments(customers, features, 3))
    >>> [t.text for t in segment_traits(prof, 2)]
    ['buys 2.4x as often', 'earns 34% more than the average']
    """
    # The clustered features: profiles also describe the file's other numeric columns.
    effects = profiles.effect.loc[segment, list(profiles.features)]
    order = np.argsort(-np.nan_to_num(np.abs(effects.to_numpy(float)), nan=-1.0), kind="stable")
    ranked = [effects.index[i] for i in order]
    chosen = [f for f in ranked if abs(effects[f]) >= DISTINCTIVE_THRESHOLD][:n]
    if not chosen:  # nothing stands out: say so rather than dress up a tiny difference
        top = ranked[0]
        return (Trait(top, float(effects[top]), None, AVERAGE_TRAIT),)
    words = feature_words(profiles.features)
    traits = []
    for feature in chosen:
        mean = float(profiles.means.loc[segment, feature])
        average = (
            float(profiles.overall_means[feature]) if profiles.overall_means is not None else None
        )
        ratio = None
        if average is not None and average > 0 and mean >= 0:
            ratio = mean / average
        effect = float(effects[feature])
        text = describe(
            feature, effect=effect, ratio=ratio, mean=mean, average=average, word=words[feature]
        )
        traits.append(Trait(feature, effect, ratio, text))
    return tuple(traits)
