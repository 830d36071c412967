"""Plain-language segment names that agree with the index numbers shown beside them.

A name is built from a segment's traits: a clustered feature whose index (segment mean
against the average customer x 100, the number the profile table and heatmap show) is
clearly above or below 100. The level word comes from that index, so a name never says
"Average" or "High" where the table beside it shows 49:

==========  =====================
level       index
==========  =====================
Very high   200 or more (2x)
High        125 to 200
(average)   above 80, below 125: not named
Low         50 to 80
Very low    50 or less (half)
==========  =====================

The thresholds are symmetric as ratios (x1.25 and x2 either way). Traits are listed most
distinctive first (largest standardised difference), two per name, more only to tell two
segments apart. A segment with no trait is "Typical". Some kinds of column read better in
their own words: time since the last order reads "Recent" / "Lapsed", frequencies
"Frequent" / "Infrequent", age "Younger" / "Older", tenure "New" / "Long-standing".
Where no index can be shown (a column with negative values, or averaging zero) the level
follows the standardised difference instead (0.5 and 1.5 standard deviations).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Index at or above which a segment is "High" on a feature (x1.25 the average).
HIGH_INDEX = 125.0
#: Index at or above which it is "Very high" (twice the average).
VERY_HIGH_INDEX = 200.0
#: Index at or below which it is "Low" (the average / 1.25).
LOW_INDEX = 80.0
#: Index at or below which it is "Very low" (half the average).
VERY_LOW_INDEX = 50.0
#: Without an index: effect size (standard deviations) for "High" / "Low" ...
LEVEL_THRESHOLD = 0.5
#: ... and for "Very high" / "Very low".
VERY_THRESHOLD = 1.5
#: Traits named per segment before collisions force more.
NAME_FEATURES = 2
#: Separator between the traits of a segment name.
NAME_SEPARATOR = " · "
#: The name of a segment that is close to the average on every clustered feature.
TYPICAL = "Typical"

#: Words that say how a quantity was measured rather than what it is; dropped from feature
#: words so "Annual Income (k$)" reads "income" (unless nothing else would remain).
FILLER_WORDS = frozenset(
    "annual score avg average total amount amt num number mnt of the count cnt per customer "
    "month monthly".split()
)
#: Units dropped from a feature's words ("recency_days" reads "recency").
UNIT_WORDS = frozenset("days months weeks years hours usd eur gbp".split())
#: Abbreviations and words written out ("cash_advance_trx" reads "cash advance transactions").
WORD_MAP = {
    "trx": "transactions",
    "txn": "transactions",
    "txns": "transactions",
    "prods": "products",
    "qty": "quantity",
    "oneoff": "one-off",
    "freq": "frequency",
    "cmp": "campaign",
    "spent": "spending",
    "spend": "spending",
    "prc": "share",
    "pct": "share",
    "percent": "share",
    "kidhome": "kids at home",
    "teenhome": "teens at home",
}
#: Nouns that head a phrase: "purchases installment" reads "installment purchases".
HEAD_NOUNS = ("purchases", "orders", "transactions", "visits", "payments", "share")
#: Plural modifiers written singular before a head noun ("deals purchases" -> "deal purchases").
SINGULAR = {
    "purchases": "purchase",
    "installments": "installment",
    "deals": "deal",
    "orders": "order",
    "payments": "payment",
}
#: Singular nouns made plural after "Frequent" ("cash advance frequency" -> "cash advances").
PLURAL = {
    "advance": "advances",
    "advances": "advances",
    "purchases": "purchases",
    "purchase": "purchases",
    "order": "orders",
    "visit": "visits",
    "transaction": "transactions",
    "payment": "payments",
}

# Level words per kind of column, for levels -2, -1, +1, +2.
_KIND_WORDS = {
    "plain": ("Very low", "Low", "High", "Very high"),
    "since": ("Very recent", "Recent", "Lapsed", "Long lapsed"),
    "frequency": ("Very infrequent", "Infrequent", "Frequent", "Very frequent"),
    "age": ("Much younger", "Younger", "Older", "Much older"),
    "tenure": ("Very new", "New", "Long-standing", "Very long-standing"),
}
_SINCE = re.compile(r"recency|days? since|since (the )?last|days? (since )?last|lapsed|inactive")


@dataclass(frozen=True)
class Trait:
    """One part of a segment name: a feature, its level (-2..2) and the words shown."""

    feature: str
    level: int
    text: str


def _raw_words(column: str) -> list[str]:
    """Lowercase words of a column name: parentheticals dropped, snake/camel case split."""
    text = re.sub(r"\([^)]*\)", " ", str(column))
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)  # camelCase -> camel Case
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)  # HTMLParser -> HTML Parser
    return [w.lower() for w in re.split(r"[\W_]+", text) if w]


def column_kind(column: str) -> str:
    """What a column measures, for its level words: "since" (time since the last order),
    "frequency", "age", "tenure" or "plain".

    Examples
    --------
    >>> [column_kind(c) for c in ("Recency", "days_since_last_order", "purchases_frequency")]
    ['since', 'since', 'frequency']
    >>> [column_kind(c) for c in ("Age", "tenure_months", "Days as customer (from Dt)", "Income")]
    ['age', 'tenure', 'tenure', 'plain']
    """
    words = _raw_words(column)
    text = " ".join(words)
    if _SINCE.search(text):
        return "since"
    if words and words[-1] in ("frequency", "freq"):
        return "frequency"
    if "age" in words:
        return "age"
    if "tenure" in words or "membership" in words or {"as", "customer"} <= set(words):
        return "tenure"
    return "plain"


def feature_word(column: str) -> str:
    """The plain words for a feature in a segment name.

    Fillers and units are dropped, abbreviations written out, and the head noun put last,
    so a column reads as a marketer would say it.

    Examples
    --------
    >>> feature_word("Annual Income (k$)"), feature_word("MntWines")
    ('income', 'wines')
    >>> feature_word("purchases_installment_frequency"), feature_word("cash_advance_trx")
    ('installment purchase frequency', 'cash advance transactions')
    """
    words = _raw_words(column)
    kept = [WORD_MAP.get(w, w) for w in words if w not in FILLER_WORDS and w not in UNIT_WORDS]
    if not kept:
        return " ".join(words) or str(column).strip() or str(column)
    tail = ["frequency"] if kept[-1] == "frequency" and len(kept) > 1 else []
    body = kept[: len(kept) - len(tail)]
    heads = [w for w in body if w in HEAD_NOUNS]
    if heads and body[-1] not in HEAD_NOUNS:
        head = heads[0]
        body = [w for w in body if w != head] + [head]
    body = [SINGULAR.get(w, w) if i < len(body) - 1 else w for i, w in enumerate(body)]
    if tail:  # "purchases frequency" reads "purchase frequency"
        body[-1] = SINGULAR.get(body[-1], body[-1])
    return " ".join(body + tail)


def feature_words(features: Sequence[str]) -> dict[str, str]:
    """`feature_word` per feature, made unique: two features that would read the same
    ("Income", "total_income") fall back to all their words, then to the column name.

    Examples
    --------
    >>> feature_words(["Income", "total_income"])
    {'Income': 'income', 'total_income': 'total income'}
    """
    words = {f: feature_word(f) for f in features}
    for fallback in (lambda f: " ".join(_raw_words(f)) or str(f), str):
        seen: dict[str, int] = {}
        for word in words.values():
            seen[word] = seen.get(word, 0) + 1
        words = {f: fallback(f) if seen[w] > 1 else w for f, w in words.items()}
    return words


def index_level(index: float) -> int | None:
    """The level (-2 very low .. 2 very high, 0 average) of an index; None for NaN.

    Examples
    --------
    >>> [index_level(v) for v in (49.4, 69.2, 100.0, 148.0, 243.3)]
    [-2, -1, 0, 1, 2]
    """
    if not np.isfinite(index):
        return None
    if index >= VERY_HIGH_INDEX:
        return 2
    if index >= HIGH_INDEX:
        return 1
    if index <= VERY_LOW_INDEX:
        return -2
    if index <= LOW_INDEX:
        return -1
    return 0


def effect_level(effect: float) -> int:
    """The level of a standardised difference, for columns without an index.

    Above `VERY_THRESHOLD` standard deviations is "very" (2), above `LEVEL_THRESHOLD` a
    level (1), below that average (0); the sign says which way.

    >>> [effect_level(e) for e in (-2.0, -0.6, 0.3, 0.8, 1.6, float("nan"))]
    [-2, -1, 0, 1, 2, 0]
    """
    if not np.isfinite(effect):
        return 0
    if abs(effect) > VERY_THRESHOLD:
        return 2 if effect > 0 else -2
    if abs(effect) > LEVEL_THRESHOLD:
        return 1 if effect > 0 else -1
    return 0


def level_word(level: int, kind: str = "plain") -> str:
    """The word for a level of a kind of column ("High", "Recent", "Infrequent"...).

    Examples
    --------
    >>> level_word(-2, "since"), level_word(1), level_word(0)
    ('Very recent', 'High', 'Average')
    """
    if level == 0:
        return "Average"
    return _KIND_WORDS[kind][{-2: 0, -1: 1, 1: 2, 2: 3}[level]]


def trait_text(feature: str, level: int, word: str, *, alone: bool = True) -> str:
    """The words of one trait: "High income", "Recent", "Frequent installment purchases".

    `alone` says whether `feature` is the only column of its kind among the features:
    a lone time-since column reads "Recent" / "Lapsed", and age "Younger" / "Older",
    without the column's words.

    Examples
    --------
    >>> trait_text("Recency", -2, "recency"), trait_text("Age", 1, "age")
    ('Very recent', 'Older')
    >>> trait_text("cash_advance_frequency", -1, "cash advance frequency")
    'Infrequent cash advances'
    >>> trait_text("tenure_months", 1, "tenure"), trait_text("Income", -1, "income")
    ('Long-standing', 'Low income')
    """
    kind = column_kind(feature)
    words = level_word(level, kind)
    if kind in ("since", "age", "tenure") and alone:
        return words
    if kind == "frequency":
        parts = word.split()
        # Only events can be frequent: "Frequent cash advances", but "High balance frequency".
        if len(parts) > 1 and parts[-1] == "frequency" and parts[-2] in PLURAL:
            parts = parts[:-2] + [PLURAL[parts[-2]]]
            return f"{words} {' '.join(parts)}"
        return f"{level_word(level)} {word}"
    if kind == "tenure":  # two tenure columns: say which
        return f"{level_word(level)} {word}"
    return f"{words} {word}"


def segment_traits(index: pd.DataFrame, effect: pd.DataFrame) -> tuple[tuple[Trait, ...], ...]:
    """Per segment, every trait (feature not at the average), most distinctive first.

    Parameters
    ----------
    index, effect : pandas.DataFrame
        Segments x clustered features: the index shown (100 = average; NaN where none can
        be shown) and the standardised difference that ranks the traits.

    Examples
    --------
    >>> index = pd.DataFrame({"income": [150.0, 60.0], "Recency": [45.0, 110.0]})
    >>> effect = pd.DataFrame({"income": [1.2, -0.9], "Recency": [-1.4, 0.2]})
    >>> [[t.text for t in ts] for ts in segment_traits(index, effect)]
    [['Very recent', 'High income'], ['Low income']]
    """
    features = list(effect.columns)
    words = feature_words(features)
    kinds = [column_kind(f) for f in features]
    alone = {f: kinds.count(kind) == 1 for f, kind in zip(features, kinds)}
    result = []
    for i in range(len(effect)):
        found = []
        for f in features:
            value = float(index.iloc[i][f]) if f in index.columns else np.nan
            level = index_level(value)
            size = float(effect.iloc[i][f])
            if level is None:
                level = effect_level(size)
            if level != 0:
                magnitude = abs(size) if np.isfinite(size) else 0.0
                found.append((magnitude, f, level))
        found.sort(key=lambda item: -item[0])  # stable: ties keep feature order
        result.append(
            tuple(Trait(f, lv, trait_text(f, lv, words[f], alone=alone[f])) for _, f, lv in found)
        )
    return tuple(result)


def default_names(index: pd.DataFrame, effect: pd.DataFrame) -> tuple[str, ...]:
    """Unique, deterministic names from the index and effect tables (segments x features).

    Each segment is named by its `NAME_FEATURES` most distinctive traits, most distinctive
    first, e.g. "Very recent · Low order value". Segments whose names collide get their
    next trait added until they differ or run out of traits; names still equal are
    numbered " (2)", " (3)"... in segment order. A segment without traits is "Typical".

    Examples
    --------
    >>> index = pd.DataFrame({"income": [150.0, 98.0, 60.0], "spend": [40.0, 103.0, 62.0]})
    >>> effect = pd.DataFrame({"income": [1.2, 0.0, -0.9], "spend": [-1.4, 0.1, -0.8]})
    >>> default_names(index, effect)
    ('Very low spending · High income', 'Typical', 'Low income · Low spending')
    """
    traits = segment_traits(index, effect)
    used = [min(NAME_FEATURES, len(t)) for t in traits]

    def name(i: int) -> str:
        chosen = traits[i][: used[i]]
        return NAME_SEPARATOR.join(t.text for t in chosen) if chosen else TYPICAL

    names = [name(i) for i in range(len(traits))]
    while True:
        grow = [i for i, n in enumerate(names) if names.count(n) > 1 and used[i] < len(traits[i])]
        if not grow:
            break
        for i in grow:
            used[i] += 1
            names[i] = name(i)
    taken: set[str] = set()
    for i, base in enumerate(names):
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base} ({number})"
        taken.add(candidate)
        names[i] = candidate
    return tuple(names)


def ratio_text(index: float) -> str:
    """An index as a marketer reads it: "2.4x the average", "half the average".

    Examples
    --------
    >>> ratio_text(243.3), ratio_text(49.4), ratio_text(103.0), ratio_text(float("nan"))
    ('2.4x the average', '0.49x the average', 'about average', '')
    """
    if not np.isfinite(index):
        return ""
    ratio = index / 100.0
    if abs(ratio - 1.0) < 0.05:
        return "about average"
    return f"{ratio:.1f}x the average" if ratio >= 1 else f"{ratio:.2g}x the average"


def apart_words(
    effects: pd.Series,
    index: pd.Series,
    distinctive: Sequence[str],
    words: Mapping[str, str],
) -> str:
    """What sets a segment apart, as a marketer says it: "income 1.8x the average, spending
    0.49x the average"; in standard deviations where no index can be shown.

    Examples
    --------
    >>> apart_words(pd.Series({"income": 1.6, "x": -0.9}), pd.Series({"income": 180.0,
    ...             "x": float("nan")}), ["income", "x"], {"income": "income", "x": "x"})
    'income 1.8x the average, x ↓ 0.9 sd'
    """
    parts = []
    for f in distinctive:
        ratio = ratio_text(float(index[f])) if f in index.index else ""
        parts.append(f"{words[f]} {ratio}" if ratio else apart_text(effects, [f], words))
    return ", ".join(parts)


def apart_text(effects: pd.Series, distinctive: Sequence[str], words: Mapping[str, str]) -> str:
    """What sets a segment apart, in standard deviations: "income ↑ 1.6 sd, spending ↓ 1.2 sd".

    Examples
    --------
    >>> apart_text(pd.Series({"income": 1.62}), ["income"], {"income": "income"})
    'income ↑ 1.6 sd'
    """
    parts = []
    for f in distinctive:
        e = float(effects[f])
        arrow = "↑" if e > 0 else "↓" if e < 0 else "="
        parts.append(f"{words[f]} {arrow} {abs(e):.1f} sd")
    return ", ".join(parts)
