"""Calibrators that map a relevance model's scores to calibrated probabilities.

Every calibrator follows the scikit-learn estimator contract: ``fit(scores, y)`` returns
``self`` and ``predict_proba(scores)`` returns calibrated probabilities (a 1-D array of
P(y = 1) for the binary ones). Each class documents whether it takes logits or
probabilities.

Binary:

- :class:`ArticleSigmoidCalibrator`: the case article's map on probabilities, kept for comparison.
- :class:`PlattCalibrator`: logistic regression on the logit, with optional smoothed targets.
- :class:`TemperatureCalibrator`: one positive temperature on the logit.
- :class:`IsotonicCalibrator`: isotonic regression (scikit-learn underneath).
- :class:`CentredIsotonicCalibrator`: isotonic regression that keeps distinct scores distinct.
- :class:`HistogramBinningCalibrator`: equal-mass histogram binning.
- :class:`ScalingBinningCalibrator`: Platt scaling followed by binning (Kumar et al. 2019).
- :class:`BetaCalibrator`: three-parameter beta calibration on probabilities.
- :class:`VennAbersCalibrator`: inductive Venn-Abers, with a probability interval.

Multiclass: :class:`MulticlassTemperatureCalibrator`, :class:`VectorScalingCalibrator`,
:class:`MatrixScalingCalibrator`, :class:`DirichletCalibrator`.

Selection: :class:`GroupedCrossValidatedCalibrator` (query-grouped k-fold fit) and
:class:`CalibratorSearchCV` (hyperparameters by cross-validated log loss).

Export: :func:`to_json`, :func:`from_json`, :func:`save_json`, :func:`load_json`.
"""

from casestudy.calibration._base import BinaryCalibrator, CalibrationWarning
from casestudy.calibration.article import (
    ArticleSigmoidCalibrator,
    article_beta_lower_bound,
    article_output_range,
)
from casestudy.calibration.beta import BetaCalibrator
from casestudy.calibration.binning import (
    HistogramBinningCalibrator,
    ScalingBinningCalibrator,
    equal_mass_edges,
)
from casestudy.calibration.isotonic import CentredIsotonicCalibrator, IsotonicCalibrator
from casestudy.calibration.multiclass import (
    DirichletCalibrator,
    MatrixScalingCalibrator,
    MulticlassCalibrator,
    MulticlassTemperatureCalibrator,
    VectorScalingCalibrator,
)
from casestudy.calibration.platt import PlattCalibrator, platt_targets
from casestudy.calibration.selection import (
    CalibratorSearchCV,
    GroupedCrossValidatedCalibrator,
    pooled_log_loss,
)
from casestudy.calibration.serialization import (
    SCHEMA_VERSION,
    from_json,
    load_json,
    save_json,
    to_json,
)
from casestudy.calibration.temperature import TemperatureCalibrator
from casestudy.calibration.venn_abers import VennAbersCalibrator

__all__ = [
    "SCHEMA_VERSION",
    "ArticleSigmoidCalibrator",
    "BetaCalibrator",
    "BinaryCalibrator",
    "CalibrationWarning",
    "CalibratorSearchCV",
    "CentredIsotonicCalibrator",
    "DirichletCalibrator",
    "GroupedCrossValidatedCalibrator",
    "HistogramBinningCalibrator",
    "IsotonicCalibrator",
    "MatrixScalingCalibrator",
    "MulticlassCalibrator",
    "MulticlassTemperatureCalibrator",
    "PlattCalibrator",
    "ScalingBinningCalibrator",
    "TemperatureCalibrator",
    "VectorScalingCalibrator",
    "VennAbersCalibrator",
    "article_beta_lower_bound",
    "article_output_range",
    "equal_mass_edges",
    "from_json",
    "load_json",
    "platt_targets",
    "pooled_log_loss",
    "save_json",
    "to_json",
]
