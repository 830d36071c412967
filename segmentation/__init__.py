"""Customer segmentation core: read, prepare, fit, choose k, profile, name, export, chart.

Pure Python on pandas and scikit-learn; it never imports Streamlit.
"""

from segmentation.choose_k import KChoice, KScore, evaluate_k, evaluate_prepared
from segmentation.errors import DataError, SegmentationError, SettingsError
from segmentation.export import (
    labelled_csv_bytes,
    labelled_customers,
    segment_customers,
    to_csv_bytes,
)
from segmentation.health import Finding, HealthReport
from segmentation.io import MIN_CUSTOMERS, CustomerData, read_customers
from segmentation.margins import Margins, segment_margins
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
from segmentation.profile import Profiles, apply_names, profile_segments, profile_table
from segmentation.sample import make_sample_customers
from segmentation.stability import Stability, segment_stability
from segmentation.transitions import Transition, segment_transitions

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
    "Margins",
    "Preparation",
    "PreparedFeatures",
    "Profiles",
    "Segmentation",
    "SegmentationError",
    "SettingsError",
    "Stability",
    "Transition",
    "apply_names",
    "default_features",
    "evaluate_k",
    "evaluate_prepared",
    "fit_prepared",
    "fit_segments",
    "labelled_csv_bytes",
    "labelled_customers",
    "make_sample_customers",
    "prepare_features",
    "profile_segments",
    "profile_table",
    "read_customers",
    "segment_customers",
    "segment_margins",
    "segment_stability",
    "segment_transitions",
    "suggested_log_features",
    "to_csv_bytes",
]
