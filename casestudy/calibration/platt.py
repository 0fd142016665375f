"""Platt scaling: a logistic regression on the model's logit."""

from __future__ import annotations

import logging
import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logit

from casestudy._validation import check_1d_array, check_binary_labels, check_same_length
from casestudy.calibration._base import (
    LBFGS_OPTIONS,
    BinaryCalibrator,
    CalibrationWarning,
    check_sample_weight,
)

logger = logging.getLogger(__name__)


class PlattCalibrator(BinaryCalibrator):
    """Platt scaling: :math:`p = \\sigma(a z + b)` on the logit :math:`z`, fitted by maximum likelihood.

    It takes **logits** (any finite real number): the logistic form is exact when the two
    classes' logits are Gaussian with equal variance, and a logit keeps the resolution that
    a probability near 0 or 1 loses to rounding. Passing probabilities works but fits a
    different, usually worse, family.

    Written by hand instead of using :class:`sklearn.linear_model.LogisticRegression`
    because that estimator has no option for Platt's smoothed targets, applies an L2
    penalty by default, and raises on a single class instead of applying the rule below.

    Parameters
    ----------
    smooth_targets : bool, default=False
        Replace the labels by Platt's (1999) targets :math:`(N_+ + 1)/(N_+ + 2)` for
        positives and :math:`1/(N_- + 2)` for negatives, where :math:`N_\\pm` are the
        (weighted) class counts. This keeps the fit finite on separable data and on a
        single class.

    Attributes
    ----------
    coef_ : float
        Slope :math:`a`.
    intercept_ : float
        Intercept :math:`b`.
    n_features_in_ : int
        Always 1.

    Notes
    -----
    Single class. With ``smooth_targets=False`` a single class has no finite
    maximum-likelihood solution (the intercept runs to infinity), so ``fit`` raises
    ``ValueError``. With ``smooth_targets=True`` every target equals the same value
    :math:`t` (for example 0.8 for three positives), and the cross-entropy is minimised
    exactly by the constant map, so the fit sets :math:`a = 0` and :math:`b = \\mathrm{logit}(t)`
    in closed form. The same closed form is used when all logits are equal, because the
    slope is then not identifiable.

    Separable data. Without smoothing, when every positive has a larger (or every positive
    a smaller) logit than every negative, the likelihood keeps rising as :math:`|a|` grows.
    ``fit`` then warns and returns the solver's stopping point.

    References
    ----------
    .. [1] J. Platt, "Probabilistic outputs for support vector machines and comparisons to
       regularized likelihood methods", Advances in Large Margin Classifiers, 1999.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([-2.0, -1.0, 0.5, 1.0, 2.0, -0.5])
    >>> y = np.array([0, 1, 0, 1, 1, 1])
    >>> calibrator = PlattCalibrator().fit(z, y)
    >>> bool(calibrator.coef_ > 0)
    True
    >>> calibrator = PlattCalibrator(smooth_targets=True).fit([0.2, 0.6, 0.7], [1, 1, 1])
    >>> print(calibrator.coef_, round(calibrator.intercept_, 6))
    0.0 1.386294
    """

    _score_domain = "logit"
    _fitted_attributes = ("coef_", "intercept_")

    def __init__(self, smooth_targets: bool = False):
        self.smooth_targets = smooth_targets

    def _requires_both_classes(self) -> bool:
        return not bool(self.smooth_targets)

    def _fit(self, scores, y, sample_weight):
        targets = platt_targets(y, sample_weight) if self.smooth_targets else y
        weights = sample_weight / sample_weight.sum()

        if np.unique(y).size < 2 or np.ptp(scores) == 0:
            self.coef_ = 0.0
            self.intercept_ = float(logit(np.sum(weights * targets)))
            logger.info("Platt: constant map (single class or constant scores), intercept %.6f", self.intercept_)
            return

        if not self.smooth_targets and _is_separable(scores, y):
            warnings.warn(
                "PlattCalibrator: the logits separate the two classes perfectly, so the maximum-"
                "likelihood slope is infinite and the result is where the solver stopped. Use "
                "smooth_targets=True for a finite fit.",
                CalibrationWarning,
                stacklevel=3,
            )

        # Standardised logits make the problem well conditioned for L-BFGS-B.
        center = float(np.sum(weights * scores))
        scale = float(np.sqrt(np.sum(weights * (scores - center) ** 2)))
        standardized = (scores - center) / scale

        def loss_and_gradient(params):
            slope, intercept = params
            u = slope * standardized + intercept
            # Cross-entropy with soft targets: t * softplus(-u) + (1 - t) * softplus(u).
            loss = np.sum(weights * (targets * np.logaddexp(0.0, -u) + (1.0 - targets) * np.logaddexp(0.0, u)))
            residual = weights * (expit(u) - targets)
            return float(loss), np.array([np.sum(residual * standardized), np.sum(residual)])

        start = np.array([0.0, float(logit(np.clip(np.sum(weights * targets), 1e-6, 1 - 1e-6)))])
        result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", options=LBFGS_OPTIONS)
        if not result.success:
            logger.warning("Platt: L-BFGS-B stopped without convergence: %s", result.message)

        slope, intercept = result.x
        self.coef_ = float(slope / scale)
        self.intercept_ = float(intercept - slope * center / scale)

    def _predict_proba(self, scores):
        return expit(self.coef_ * scores + self.intercept_)


def platt_targets(y, sample_weight=None) -> np.ndarray:
    """Return Platt's smoothed targets: (N+ + 1)/(N+ + 2) for positives, 1/(N- + 2) for negatives.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; the class counts are weighted sums when given.

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> print(platt_targets(np.array([1.0, 1.0, 1.0, 0.0])))
    [0.8        0.8        0.8        0.33333333]
    """
    y = check_binary_labels(y, "y")
    if sample_weight is not None:
        sample_weight = check_1d_array(sample_weight, "sample_weight")
        check_same_length(y=y, sample_weight=sample_weight)
    weights = check_sample_weight(sample_weight, len(y))
    n_positive = float(np.sum(weights[y == 1]))
    n_negative = float(np.sum(weights[y == 0]))
    return np.where(y == 1, (n_positive + 1.0) / (n_positive + 2.0), 1.0 / (n_negative + 2.0))


def _is_separable(scores, y) -> bool:
    positives = scores[y == 1]
    negatives = scores[y == 0]
    return bool(positives.min() > negatives.max() or positives.max() < negatives.min())
