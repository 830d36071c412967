"""The data-health report: what was read and what to watch out for.

- ``finding``     `Finding` and `HealthReport`
- ``reading``     findings made while reading a file (dropped columns, padded rows, encoding)
- ``measure``     the table measured once: missing, constant, codes, skew, correlated pairs
- ``checks``      one function per kind of finding; `CHECKS` runs them in order
- ``report``      `build_report`: measure, then every check
- ``thresholds``  the numbers that decide a finding, each defined once
"""

from segmentation.health.checks import CHECKS
from segmentation.health.finding import Finding, HealthReport
from segmentation.health.measure import count_repeats
from segmentation.health.report import build_report
from segmentation.health.thresholds import (
    CODE_TOKENS,
    CORRELATION_COLUMNS,
    CORRELATION_THRESHOLD,
    MAX_PAIR_FINDINGS,
    MOSTLY_MISSING,
    SKEW_THRESHOLD,
)

__all__ = [
    "CHECKS",
    "CODE_TOKENS",
    "CORRELATION_COLUMNS",
    "CORRELATION_THRESHOLD",
    "MAX_PAIR_FINDINGS",
    "MOSTLY_MISSING",
    "SKEW_THRESHOLD",
    "Finding",
    "HealthReport",
    "build_report",
    "count_repeats",
]
