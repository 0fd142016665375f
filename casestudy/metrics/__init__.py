"""Calibration, scoring and ranking metrics for the book's relevance models.

The functions take plain arrays, validate them (``ValueError`` naming the argument), and
return plain floats or small frozen result objects. Modules:

- ``calibration_error``: binning, reliability tables, binned ECE (L1, L2, max), debiased and
  smooth calibration error.
- ``scoring``: Brier score and its decomposition, log loss, ROC AUC, calibration slope,
  intercept and ratio.
- ``multiclass``: top-label and classwise ECE.
- ``ranking``: NDCG, precision and MRR over queries.
- ``bootstrap``: query-level bootstrap confidence intervals.
- ``grouped``: metrics per group with worst-group and weighted summaries.
"""

from casestudy.metrics.calibration_error import (
    BinAssignment,
    DebiasedCalibrationError,
    ReliabilityTable,
    SmoothECE,
    bin_indices,
    debiased_calibration_error,
    expected_calibration_error,
    maximum_calibration_error,
    reliability_table,
    smooth_ece,
)
from casestudy.metrics.multiclass import ClasswiseECE, classwise_ece, top_label_ece
from casestudy.metrics.scoring import (
    LOG_LOSS_EPS,
    BrierDecomposition,
    CalibrationSlopeIntercept,
    brier_decomposition,
    brier_score,
    calibration_in_the_large,
    calibration_ratio,
    calibration_slope_intercept,
    log_loss,
    roc_auc,
)

__all__ = [
    "BinAssignment",
    "BrierDecomposition",
    "CalibrationSlopeIntercept",
    "ClasswiseECE",
    "DebiasedCalibrationError",
    "LOG_LOSS_EPS",
    "ReliabilityTable",
    "SmoothECE",
    "bin_indices",
    "brier_decomposition",
    "brier_score",
    "calibration_in_the_large",
    "calibration_ratio",
    "calibration_slope_intercept",
    "classwise_ece",
    "debiased_calibration_error",
    "expected_calibration_error",
    "log_loss",
    "maximum_calibration_error",
    "reliability_table",
    "roc_auc",
    "smooth_ece",
    "top_label_ece",
]

# The ranking, bootstrap and grouped modules define ``__all__``; re-export all of it so that
# names they add later appear here too.
from casestudy.metrics import bootstrap, grouped, ranking  # noqa: E402
from casestudy.metrics.bootstrap import *  # noqa: E402,F401,F403
from casestudy.metrics.grouped import *  # noqa: E402,F401,F403
from casestudy.metrics.ranking import *  # noqa: E402,F401,F403

__all__ += bootstrap.__all__ + grouped.__all__ + ranking.__all__
