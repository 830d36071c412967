"""Which columns to offer as features, which to choose by default, and why.

An analyst segments on behaviour: amounts, counts, recency. So the default features are
the numeric columns that measure behaviour, and the others are offered with a mark saying
what they are:

* never offered: the id, a column with one value for everyone, an empty column;
* offered, marked, not chosen: 0/1 flags (a campaign answer, a complaint), codes (region,
  channel), columns about the person rather than their buying (kids at home, education,
  age), a year of birth (offered as an age instead), a mostly empty column;
* derived and offered: the age from a year of birth, the days since a date, counted up to
  the newest date in the file (`add_derived_columns`).

The core never imports Streamlit; the app shows `FeatureSuggestion.reason` under the
features box and the marks beside each option.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A column the health report calls mostly missing is not a default feature.
from segmentation.health import MOSTLY_MISSING
from segmentation.io import CustomerData

#: Name words of columns about the person rather than their behaviour.
PERSON_WORDS = frozenset(
    "age birth born yob kid kids kidhome teenhome child children teen teens household "
    "family dependents dependants gender sex married marital education".split()
)
#: Name words of a year of birth ("Year_Birth", "birth_year", "YearOfBirth", "yob").
BIRTH_WORDS = frozenset({"birth", "born", "yob"})
#: Oldest year taken for a year of birth (files hold typos like 1893 among real years).
EARLIEST_BIRTH_YEAR = 1850

FLAG = "0/1 flag"
CODE = "code"
PERSON = "about the person"
BIRTH_YEAR = "year of birth: see the age"
MOSTLY_EMPTY = "mostly empty"
FROM_DATE = "days from a date"


@dataclass(frozen=True)
class FeatureSuggestion:
    """The features offered, the ones chosen by default, and why.

    Attributes
    ----------
    options : tuple of str
        Numeric columns a user can segment on, in file order (derived ones last).
    defaults : tuple of str
        The behaviour columns chosen by default (a subset of `options`).
    marks : dict of str -> str
        For options left out of the defaults: what they are ("0/1 flag", "code", ...).
    not_offered : dict of str -> str
        Numeric columns not offered at all, and why ("the same for every customer").
    reason : str
        One line saying why the defaults were chosen.
    """

    options: tuple[str, ...]
    defaults: tuple[str, ...]
    marks: dict[str, str]
    not_offered: dict[str, str]
    reason: str

    def label(self, column: str) -> str:
        """The option as shown in a features box: "Complain (0/1 flag)".

        Examples
        --------
        >>> FeatureSuggestion(("a", "b"), ("a",), {"b": "code"}, {}, "").label("b")
        'b (code)'
        """
        mark = self.marks.get(column)
        return f"{column} ({mark})" if mark else str(column)


def _words(name: str) -> list[str]:
    return [t.lower() for t in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", str(name))]


def _values(data: CustomerData, column: str) -> np.ndarray:
    return data.frame[column].to_numpy(dtype=float, na_value=np.nan)


def _is_flag(values: np.ndarray) -> bool:
    """Only 0 and 1 (and gaps): a yes/no answer, not an amount."""
    present = values[~np.isnan(values)]
    return present.size > 0 and bool(np.all((present == 0) | (present == 1)))


def birth_year_columns(data: CustomerData, *, today: dt.date | None = None) -> tuple[str, ...]:
    """Numeric columns holding a year of birth: named so, whole years 1850..this year.

    >>> from segmentation import read_customers
    >>> csv = "id,Year_Birth,year_joined,spend\\n" + "".join(
    ...     f"c{i},{1950 + i},{2010 + i},{i}\\n" for i in range(12))
    >>> birth_year_columns(read_customers(csv.encode()))  # joining is not being born
    ('Year_Birth',)
    """
    year = (today or dt.date.today()).year
    found = []
    for column in data.report.numeric_columns:
        if column == data.id_column or not BIRTH_WORDS & set(_words(column)):
            continue
        values = _values(data, column)
        present = values[~np.isnan(values)]
        if present.size and np.all(present == np.floor(present)):
            if present.min() >= EARLIEST_BIRTH_YEAR and present.max() <= year:
                found.append(column)
    return tuple(found)


def age_column(birth_column: str) -> str:
    """The name of the age derived from a year of birth.

    >>> age_column("Year_Birth")
    'Age (from Year_Birth)'
    """
    return f"Age (from {birth_column})"


def add_derived_columns(data: CustomerData, *, today: dt.date | None = None) -> CustomerData:
    """`data` with an age column for each year-of-birth column and a days column for each
    date column, offered as features.

    Days are counted up to the newest date of the column, the file's own "today", so an
    export analysed a year later reads the same. A date on which people became customers
    (Dt_Customer, signup_date) gives "Days as customer"; any other "Days since <column>".
    The age is this year minus the year of birth. Moving the reference year shifts every
    age by the same amount, which no scaling option and no k-means fit can see: the
    segments stay the same from one year to the next. Downloads keep the file's own cells
    (`CustomerData.raw`); the derived column is for segmenting and profiling.

    Examples
    --------
    >>> import pandas as pd
    >>> from segmentation import read_customers
    >>> csv = "id,Year_Birth,spend\\n" + "".join(f"c{i},{1950 + i},{i}\\n" for i in range(12))
    >>> data = add_derived_columns(read_customers(csv.encode()), today=dt.date(2026, 1, 1))
    >>> data.frame["Age (from Year_Birth)"].tolist()[:3]
    [76.0, 75.0, 74.0]
    """
    year = (today or dt.date.today()).year
    births = [c for c in birth_year_columns(data, today=today) if age_column(c) not in data.frame]
    dates = [
        c
        for c in data.report.date_columns
        if c != data.id_column and days_column(c) not in data.frame
    ]
    if not births and not dates:
        return data
    frame = data.frame.copy(deep=False)
    derived = []
    for column in births:
        frame[age_column(column)] = float(year) - _values(data, column)
        derived.append(age_column(column))
    for column in dates:
        days = _days_since(data, column)
        if np.isfinite(days).any():
            frame[days_column(column)] = days
            derived.append(days_column(column))
    # The report stays the file's: `derived_columns` finds these again by name.
    return dataclasses.replace(data, frame=frame)


def derived_columns(data: CustomerData) -> tuple[str, ...]:
    """The columns `add_derived_columns` added to ``data.frame`` (none if it was not called).

    >>> from segmentation import read_customers
    >>> csv = "id,Year_Birth,spend\\n" + "".join(f"c{i},{1950 + i},{i}\\n" for i in range(12))
    >>> data = read_customers(csv.encode())
    >>> derived_columns(data), derived_columns(add_derived_columns(data))
    ((), ('Age (from Year_Birth)',))
    """
    names = [age_column(c) for c in birth_year_columns(data)]
    names += [days_column(c) for c in data.report.date_columns if c != data.id_column]
    return tuple(n for n in names if n in data.frame.columns)


#: Name words of a date on which someone became a customer: its days read as tenure.
JOINED_WORDS = frozenset(
    "customer signup sign joined join registration registered enrolled enrollment member "
    "membership first created opened since start".split()
)


def days_column(date_column: str) -> str:
    """The name of the days derived from a date column.

    Examples
    --------
    >>> days_column("Dt_Customer"), days_column("last_order_date"), days_column("birthday")
    ('Days as customer (from Dt_Customer)', 'Days since last_order_date', 'Days since birthday')
    """
    words = set(_words(date_column))
    if "last" not in words and words & JOINED_WORDS:
        return f"Days as customer (from {date_column})"
    return f"Days since {date_column}"


def _days_since(data: CustomerData, column: str) -> np.ndarray:
    """Days from each date to the newest date of the column (the file's own "today")."""
    import pandas as pd

    from segmentation.dates import parse_dates

    when = parse_dates(pd.Series(data.frame[column], copy=False)).values
    newest = when.max()
    return ((newest - when).dt.total_seconds() / 86_400.0).to_numpy(dtype=float, na_value=np.nan)


def _marks(data: CustomerData, options: Sequence[str], births: Sequence[str]) -> dict[str, str]:
    report = data.report
    derived_days = {days_column(c) for c in report.date_columns}
    marks: dict[str, str] = {}
    for column in options:
        if column in births:
            marks[column] = BIRTH_YEAR
        elif column in derived_days:
            marks[column] = FROM_DATE
        elif column in report.code_like_columns:
            marks[column] = CODE
        elif _is_flag(_values(data, column)):
            marks[column] = FLAG
        elif PERSON_WORDS & set(_words(column)):
            marks[column] = PERSON
        elif report.missing.get(column, 0) > MOSTLY_MISSING * max(report.n_rows, 1):
            marks[column] = MOSTLY_EMPTY
    return marks


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _reason(defaults: Sequence[str], marks: dict[str, str], not_offered: dict[str, str]) -> str:
    kinds: dict[str, int] = {}
    for why in not_offered.values():
        if why.startswith("offered as"):
            kinds[BIRTH_YEAR] = kinds.get(BIRTH_YEAR, 0) + 1
    for mark in marks.values():
        kinds[mark] = kinds.get(mark, 0) + 1
    words = {
        FLAG: ("flag (0/1)", "flags (0/1)"),
        CODE: ("code", "codes"),
        PERSON: ("column about the person", "columns about the person"),
        BIRTH_YEAR: ("year of birth (offered as age)", "years of birth (offered as age)"),
        MOSTLY_EMPTY: ("mostly empty column", "mostly empty columns"),
        FROM_DATE: ("date (offered as days)", "dates (offered as days)"),
    }
    text = f"Chosen: {_plural(len(defaults), 'behaviour column', 'behaviour columns')}"
    text += " (amounts, counts, recency)."
    if kinds:
        listed = ", ".join(_plural(n, *words[k]) for k, n in kinds.items())
        text += f" Offered but not chosen: {listed}."
    constants = sum(why == "the same for every customer" for why in not_offered.values())
    if constants:
        text += f" Not offered: {_plural(constants, 'column', 'columns')} "
        text += "with one value for everyone."
    return text


def suggest_features(data: CustomerData) -> FeatureSuggestion:
    """The features to offer and to choose by default for `data`, and why.

    Call `add_derived_columns` first for an age to be offered in place of a year of birth.

    Examples
    --------
    >>> from segmentation import read_customers
    >>> rows = "".join(f"c{i},{i % 2},{10 * i},3\\n" for i in range(12))
    >>> data = read_customers(("id,Complain,spend,Z_Cost\\n" + rows).encode())
    >>> s = suggest_features(data)
    >>> s.options, s.defaults, s.label("Complain")
    (('Complain', 'spend'), ('spend',), 'Complain (0/1 flag)')
    """
    report = data.report
    numeric = [c for c in report.numeric_columns if c != data.id_column]
    numeric += [c for c in derived_columns(data) if c not in numeric]
    not_offered = {
        c: "the same for every customer" for c in numeric if c in report.constant_columns
    }
    not_offered.update({c: "empty" for c in numeric if c in report.empty_columns})
    births = birth_year_columns(data)
    # A year of birth with its age beside it is offered as the age only.
    not_offered.update(
        {c: f"offered as {age_column(c)}" for c in births if age_column(c) in data.frame}
    )
    options = tuple(c for c in numeric if c not in not_offered)
    marks = _marks(data, options, births)
    defaults = tuple(c for c in options if c not in marks)
    if not defaults:  # nothing looks like behaviour: rather any non-code column than none
        defaults = tuple(c for c in options if marks.get(c) not in (CODE, FLAG)) or options
        marks = {c: m for c, m in marks.items() if c not in defaults}
    return FeatureSuggestion(
        options, defaults, marks, not_offered, _reason(defaults, marks, not_offered)
    )
