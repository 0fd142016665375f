"""Calibrators that map a relevance model's scores to calibrated probabilities.

Every binary calibrator follows the scikit-learn estimator contract: ``fit(scores, y)``
returns ``self`` and ``predict_proba(scores)`` returns a 1-D array of P(y = 1). Each class
documents whether it takes logits or probabilities.

- :class:`ArticleSigmoidCalibrator`: the case article's map on probabilities, kept for comparison.
- :class:`PlattCalibrator`: logistic regression on the logit, with optional smoothed targets.
- :class:`TemperatureCalibrator`: one positive temperature on the logit.
- :class:`IsotonicCalibrator`: isotonic regression (scikit-learn underneath).
- :class:`CentredIsotonicCalibrator`: isotonic regression that keeps distinct scores distinct.
"""

from casestudy.calibration._base import BinaryCalibrator, CalibrationWarning
from casestudy.calibration.article import (
    ArticleSigmoidCalibrator,
    article_beta_lower_bound,
    article_output_range,
)
from casestudy.calibration.isotonic import CentredIsotonicCalibrator, IsotonicCalibrator
from casestudy.calibration.platt import PlattCalibrator, platt_targets
from casestudy.calibration.temperature import TemperatureCalibrator

__all__ = [
    "ArticleSigmoidCalibrator",
    "BinaryCalibrator",
    "CalibrationWarning",
    "CentredIsotonicCalibrator",
    "IsotonicCalibrator",
    "PlattCalibrator",
    "TemperatureCalibrator",
    "article_beta_lower_bound",
    "article_output_range",
    "platt_targets",
]
