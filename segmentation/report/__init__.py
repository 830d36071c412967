"""The offline HTML report of a segmentation (template + builder)."""

from segmentation.report.builder import SCATTER_POINTS, build_report

__all__ = ["SCATTER_POINTS", "build_report"]
