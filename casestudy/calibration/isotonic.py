"""Isotonic regression calibrators: the standard step map and a centred variant that keeps order."""

from __future__ import annotations

import logging

import numpy as np
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression, isotonic_regression

from casestudy.calibration._base import BinaryCalibrator

logger = logging.getLogger(__name__)


class IsotonicCalibrator(BinaryCalibrator):
    """Isotonic regression of the labels on the scores, fitted by scikit-learn.

    It takes **any finite real scores**, logits or probabilities: the fitted steps depend
    only on the order of the scores, so both give the same calibrated values at the
    training points. Between the ends of two steps the map is linear, and outside the
    training range it is constant (``out_of_bounds="clip"``), as in scikit-learn.

    The fit is :class:`sklearn.isotonic.IsotonicRegression` with ``y_min=0``, ``y_max=1``.
    Prediction re-implements its ``predict`` with :func:`numpy.interp` on the stored
    thresholds because that gives the same values and is faster on large batches (see
    ``benchmarks/bench_calibration.py``). Tied scores are pooled into one point whose
    weight is the sum of their weights.

    Attributes
    ----------
    X_thresholds_ : ndarray of shape (n_thresholds,)
        Increasing scores at which the map changes slope.
    y_thresholds_ : ndarray of shape (n_thresholds,)
        Calibrated probabilities at ``X_thresholds_``.
    n_features_in_ : int
        Always 1.

    References
    ----------
    .. [1] B. Zadrozny and C. Elkan, "Transforming classifier scores into accurate
       multiclass probability estimates", KDD 2002.

    Examples
    --------
    >>> calibrator = IsotonicCalibrator().fit([0, 1, 1, 2, 3], [0, 0, 1, 0, 1])
    >>> print(calibrator.predict_proba([0, 1, 2, 3]).round(4))
    [0.     0.3333 0.3333 1.    ]
    """

    _score_domain = "real"
    _fitted_attributes = ("X_thresholds_", "y_thresholds_")

    def __init__(self):
        pass

    def _fit(self, scores, y, sample_weight):
        regression = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
        regression.fit(scores, y, sample_weight=sample_weight)
        self.X_thresholds_ = np.asarray(regression.X_thresholds_, dtype=np.float64)
        self.y_thresholds_ = np.asarray(regression.y_thresholds_, dtype=np.float64)

    def _predict_proba(self, scores):
        return np.interp(scores, self.X_thresholds_, self.y_thresholds_)


class CentredIsotonicCalibrator(BinaryCalibrator):
    """Centred isotonic regression: a strictly increasing map that keeps distinct scores distinct.

    Plain isotonic regression maps every score inside a pooled block to the same value, so
    two products of one query with different scores can end up tied and the ranking
    changes. This variant fits the same pooled blocks (pool-adjacent-violators with tied
    scores merged), places one knot per block at the block's weighted mean score with the
    block's mean label as value, and interpolates linearly between knots. Adjacent blocks
    have strictly increasing values, so the map is strictly increasing between the first
    and the last knot.

    Outside the knots, and wherever a block value is exactly 0 or 1, the piecewise-linear
    part is flat. To keep the order there too, the output mixes in a small strictly
    increasing logistic term: :math:`(1 - \\epsilon)\\,g(s) + \\epsilon\\,\\sigma((s - m)/d)`,
    with :math:`g` the interpolated map, :math:`m` and :math:`d` the weighted mean and
    standard deviation of the training scores, and :math:`\\epsilon` = ``tie_break``. This
    moves every probability by at most :math:`\\epsilon`.

    It takes **any finite real scores**, logits or probabilities, like
    :class:`IsotonicCalibrator`; the interpolation is linear in whatever scale is passed.

    Parameters
    ----------
    tie_break : float, default=1e-6
        Weight :math:`\\epsilon` of the logistic term, in [0, 1). 0 gives the plain centred
        map, which is flat outside the knots.

    Attributes
    ----------
    knots_x_ : ndarray of shape (n_blocks,)
        Weighted mean score of each pooled block, increasing.
    knots_y_ : ndarray of shape (n_blocks,)
        Mean label of each block, strictly increasing.
    tie_break_center_ : float
        Weighted mean of the training scores (:math:`m`).
    tie_break_scale_ : float
        Weighted standard deviation of the training scores (:math:`d`), or 1 if it is 0.
    n_features_in_ : int
        Always 1.

    Notes
    -----
    NOTE: distinct scores stay distinct only up to float64 resolution. Far in the tails
    (more than about 30 standard deviations from the mean score) the logistic term
    saturates and outputs can tie again.

    References
    ----------
    .. [1] A. P. Oron and N. Flournoy, "Centered isotonic regression: point and interval
       estimation for dose-response studies", Statistics in Biopharmaceutical Research, 2017.

    Examples
    --------
    >>> calibrator = CentredIsotonicCalibrator(tie_break=0.0).fit([0, 1, 2, 3], [0, 1, 0, 1])
    >>> print(calibrator.knots_x_, calibrator.knots_y_)
    [0.  1.5 3. ] [0.  0.5 1. ]
    >>> print(calibrator.predict_proba([1.0, 2.0]).round(4))
    [0.3333 0.6667]
    """

    _score_domain = "real"
    _fitted_attributes = ("knots_x_", "knots_y_", "tie_break_center_", "tie_break_scale_")

    def __init__(self, tie_break: float = 1e-6):
        self.tie_break = tie_break

    def _fit(self, scores, y, sample_weight):
        tie_break = float(self.tie_break)
        if not 0.0 <= tie_break < 1.0:
            raise ValueError(f"tie_break must be in [0, 1); got {self.tie_break!r}")

        # Pool tied scores: one point per distinct score, weight = summed weight.
        unique_scores, inverse = np.unique(scores, return_inverse=True)
        pooled_weight = np.bincount(inverse, weights=sample_weight)
        pooled_label = np.bincount(inverse, weights=sample_weight * y) / pooled_weight

        fitted = isotonic_regression(pooled_label, sample_weight=pooled_weight, y_min=0.0, y_max=1.0)

        # Runs of equal fitted values are the blocks of pool-adjacent-violators.
        block_starts = np.flatnonzero(np.r_[True, np.diff(fitted) != 0])
        block_weight = np.add.reduceat(pooled_weight, block_starts)
        self.knots_x_ = np.add.reduceat(pooled_weight * unique_scores, block_starts) / block_weight
        self.knots_y_ = fitted[block_starts].astype(np.float64)

        weights = sample_weight / sample_weight.sum()
        center = float(np.sum(weights * scores))
        scale = float(np.sqrt(np.sum(weights * (scores - center) ** 2)))
        self.tie_break_center_ = center
        self.tie_break_scale_ = scale if scale > 0 else 1.0
        logger.debug("centred isotonic: %d blocks from %d distinct scores", self.knots_x_.size, unique_scores.size)

    def _predict_proba(self, scores):
        interpolated = np.interp(scores, self.knots_x_, self.knots_y_)
        tie_break = float(self.tie_break)
        if tie_break == 0.0:
            return interpolated
        logistic = expit((scores - self.tie_break_center_) / self.tie_break_scale_)
        return (1.0 - tie_break) * interpolated + tie_break * logistic
