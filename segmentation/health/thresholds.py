"""The numbers that decide a finding, each defined once (the feature defaults use them too)."""

#: Skewness above which a column is reported as skewed and a log transform suggested.
SKEW_THRESHOLD = 1.0
#: Absolute correlation at or above which a pair of columns is reported.
CORRELATION_THRESHOLD = 0.9
#: Correlated pairs spelled out in the findings (the strongest); the rest are counted.
MAX_PAIR_FINDINGS = 10
#: Share of missing values above which a column is better left out than filled.
MOSTLY_MISSING = 0.5
#: Name parts of numeric columns that hold codes, not amounts (Channel, Region, zip).
CODE_TOKENS = frozenset(
    {
        "id",
        "code",
        "zip",
        "zipcode",
        "postal",
        "postcode",
        "plz",
        "region",
        "channel",
        "area",
        "country",
        "state",
        "district",
        "branch",
        "store",
        "segment",
        "cluster",
        "type",
        "category",
        "class",
        "group",
        "key",
        "no",
        "nr",
        "number",
        "num",
    }
)
#: Columns compared for correlated pairs (the first ones in the file): the pairs grow with
#: the square of the columns, and a wide file's later columns are listed as not compared.
CORRELATION_COLUMNS = 50
#: Rows used to compute correlations on very long files: enough for r to two decimals.
CORRELATION_ROWS = 200_000
