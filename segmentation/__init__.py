"""Customer segmentation core: read, prepare, fit, choose k, profile, name, export, chart.

Pure Python on pandas and scikit-learn; it never imports Streamlit.
"""

from segmentation.choose_k import KChoice, KScore, evaluate_k, evaluate_prepared
from segmentation.errors import DataError, SegmentationError, SettingsError
from segmentation.health import Finding, HealthReport
from segmentation.io import MIN_CUSTOMERS, CustomerData, read_customers
from segmentation.model import Segmentation, fit_prepared, fit_segments
from segmentation.prepare import (
    MISSING_POLICIES,
    SCALERS,
    Preparation,
    PreparedFeatures,
    default_features,
    prepare_features,
    suggested_log_features,
)

__all__ = [
    "MIN_CUSTOMERS",
    "MISSING_POLICIES",
    "SCALERS",
    "CustomerData",
    "DataError",
    "Finding",
    "HealthReport",
    "KChoice",
    "KScore",
    "Preparation",
    "PreparedFeatures",
    "SegmentationError",
    "Segmentation",
    "SettingsError",
    "default_features",
    "evaluate_k",
    "evaluate_prepared",
    "fit_prepared",
    "fit_segments",
    "prepare_features",
    "read_customers",
    "suggested_log_features",
]
