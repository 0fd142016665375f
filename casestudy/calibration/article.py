"""The case article's sigmoid map, kept exactly as published for comparison.

The article applies

.. math:: \\tilde{y} = \\sigma(\\alpha \\hat{y}) \\, (1 - \\beta) + \\beta

to the model's probability :math:`\\hat{y} \\in [0, 1]`, with :math:`\\sigma` the logistic
function and :math:`\\alpha, \\beta` fitted by minimising cross-entropy. Because the input
is a probability and not a logit, :math:`\\sigma(\\alpha \\hat{y})` only covers
:math:`[0.5, \\sigma(\\alpha)]` for :math:`\\alpha > 0` and :math:`[\\sigma(\\alpha), 0.5]` for
:math:`\\alpha < 0` before the shift by :math:`\\beta`; :func:`article_output_range` returns
that range so the book can plot it.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from casestudy.calibration._base import LBFGS_OPTIONS, BinaryCalibrator, CalibrationWarning

logger = logging.getLogger(__name__)

# Starting values of alpha for the multi-start fit: the loss is not convex in (alpha, beta).
_ALPHA_STARTS = (-4.0, 1.0, 4.0)
_LOGIT_BETA_BOUND = 50.0
_EPS = 1e-15


def _check_finite_number(value, name: str) -> float:
    """Return ``value`` as a float, or raise ValueError naming it unless it is a finite real number."""
    is_number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not is_number or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    return float(value)


def article_output_range(alpha: float, beta: float = 0.0) -> tuple[float, float]:
    """Return the interval of outputs the article's map reaches for inputs in [0, 1].

    For :math:`\\hat{y} \\in [0, 1]`, :math:`\\sigma(\\alpha \\hat{y})` runs from 0.5 (at
    :math:`\\hat{y} = 0`) to :math:`\\sigma(\\alpha)` (at :math:`\\hat{y} = 1`). The map
    :math:`s \\mapsto s (1 - \\beta) + \\beta` is increasing for :math:`\\beta < 1`, so the
    ends of the output interval are the images of those two values.

    Parameters
    ----------
    alpha : float
        Slope applied to the probability.
    beta : float, default=0.0
        Shift; ``beta=0`` gives the range of :math:`\\sigma(\\alpha \\hat{y})` before the shift.

    Returns
    -------
    (low, high) : tuple of float
        Smallest and largest reachable output.

    Examples
    --------
    >>> low, high = article_output_range(2.0)
    >>> print(round(low, 4), round(high, 4))
    0.5 0.8808
    >>> low, high = article_output_range(-2.0, beta=-0.1)
    >>> print(round(low, 4), round(high, 4))
    0.0311 0.45
    """
    alpha = _check_finite_number(alpha, "alpha")
    beta = _check_finite_number(beta, "beta")
    if beta >= 1.0:
        raise ValueError(f"beta must be below 1 for the map to be increasing in sigma; got beta={beta!r}")
    ends = np.array([0.5, expit(alpha)]) * (1.0 - beta) + beta
    return float(ends.min()), float(ends.max())


def article_beta_lower_bound(alpha: float) -> float:
    """Return the smallest beta (exclusive) that keeps every output above 0 for inputs in [0, 1].

    The smallest output is :math:`\\beta + (1 - \\beta) s_{min}` with
    :math:`s_{min} = \\min(0.5, \\sigma(\\alpha))`. It is positive exactly when
    :math:`\\beta > -s_{min} / (1 - s_{min}) = -\\exp(\\min(\\alpha, 0))`.

    Parameters
    ----------
    alpha : float
        Slope applied to the probability.

    Returns
    -------
    float
        ``-exp(min(alpha, 0))``: -1 for alpha >= 0, and closer to 0 for negative alpha.

    Examples
    --------
    >>> article_beta_lower_bound(3.0)
    -1.0
    """
    alpha = _check_finite_number(alpha, "alpha")
    return -float(np.exp(min(alpha, 0.0)))


class ArticleSigmoidCalibrator(BinaryCalibrator):
    """The article's sigmoid map on probabilities, fitted by minimising cross-entropy.

    The map is :math:`\\tilde{y} = \\sigma(\\alpha \\hat{y})(1 - \\beta) + \\beta` exactly as the
    case article writes it. It takes **probabilities** in [0, 1] because that is what the
    article feeds it, and it is kept for comparison: a logit-based map such as
    :class:`PlattCalibrator` is the standard choice.

    The admissible shifts are :math:`-\\exp(\\min(\\alpha, 0)) < \\beta < 1`, the widest range
    that keeps every output strictly inside (0, 1) for inputs in [0, 1] (see
    :func:`article_beta_lower_bound`). Restricting :math:`\\beta` to [0, 1) instead would
    forbid outputs below 0.5 whenever :math:`\\alpha > 0`, which would hide the map's real
    behaviour behind a constraint of our own. The fit optimises :math:`\\alpha` and an
    unconstrained :math:`b` with :math:`\\beta = 1 - (1 + \\exp(\\min(\\alpha, 0)))\\,\\sigma(b)`,
    which maps the real line onto that open interval, with L-BFGS-B and an analytic gradient.
    The loss is not convex, so the fit starts from several values of :math:`\\alpha` and keeps
    the best.

    Parameters
    ----------
    max_abs_alpha : float, default=100.0
        Bound on :math:`|\\alpha|`. A warning is issued when the optimum reaches it, which
        happens when the labels are separable by the probability.

    Attributes
    ----------
    alpha_ : float
        Fitted slope.
    beta_ : float
        Fitted shift, in :math:`(-\\exp(\\min(\\alpha, 0)), 1)`.
    loss_ : float
        Weighted mean cross-entropy on the fitting data at the optimum.
    n_features_in_ : int
        Always 1.

    Examples
    --------
    >>> import numpy as np
    >>> y_prob = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9, 0.4, 0.8])
    >>> y = np.array([0, 0, 1, 0, 1, 1, 0, 1])
    >>> calibrator = ArticleSigmoidCalibrator().fit(y_prob, y)
    >>> bool(calibrator.beta_ < 1.0)
    True
    """

    _score_domain = "probability"
    _fitted_attributes = ("alpha_", "beta_", "loss_")

    def __init__(self, max_abs_alpha: float = 100.0):
        self.max_abs_alpha = max_abs_alpha

    def _fit(self, scores, y, sample_weight):
        max_abs_alpha = float(self.max_abs_alpha)
        if not np.isfinite(max_abs_alpha) or max_abs_alpha <= 0:
            raise ValueError(f"max_abs_alpha must be a positive finite number; got {self.max_abs_alpha!r}")
        weights = sample_weight / sample_weight.sum()

        def loss_and_gradient(params):
            return _article_loss(params, scores, y, weights)

        bounds = [(-max_abs_alpha, max_abs_alpha), (-_LOGIT_BETA_BOUND, _LOGIT_BETA_BOUND)]
        best = None
        for alpha_start in _ALPHA_STARTS:
            # b = -min(alpha, 0) gives beta = 0 at the start.
            start = np.array([alpha_start, -min(alpha_start, 0.0)])
            result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", bounds=bounds, options=LBFGS_OPTIONS)
            logger.debug("article sigmoid start alpha=%s: loss %.6f at %s", alpha_start, result.fun, result.x)
            if best is None or result.fun < best.fun:
                best = result

        alpha, logit_b = best.x
        self.alpha_ = float(alpha)
        self.beta_ = float(_beta_from_params(alpha, logit_b))
        self.loss_ = float(best.fun)
        if abs(self.alpha_) >= max_abs_alpha * (1 - 1e-9):
            warnings.warn(
                f"ArticleSigmoidCalibrator: alpha reached the bound {self.alpha_:+g} (max_abs_alpha="
                f"{max_abs_alpha:g}); the labels look separable by the probability, so the optimum is "
                "at infinity. Raise max_abs_alpha or use a smoother calibrator.",
                CalibrationWarning,
                stacklevel=3,
            )

    def _predict_proba(self, scores):
        return expit(self.alpha_ * scores) * (1.0 - self.beta_) + self.beta_

    def output_range(self) -> tuple[float, float]:
        """Return the interval of outputs reachable with the fitted alpha and beta.

        Returns
        -------
        (low, high) : tuple of float
            See :func:`article_output_range`.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return article_output_range(self.alpha_, self.beta_)


def _beta_from_params(alpha, logit_b):
    return 1.0 - (1.0 + np.exp(min(alpha, 0.0))) * expit(logit_b)


def _article_loss(params, x, y, weights):
    """Return the weighted cross-entropy of the article's map and its gradient in (alpha, b)."""
    alpha, logit_b = params
    lower = np.exp(min(alpha, 0.0))
    sig_b = expit(logit_b)
    beta = 1.0 - (1.0 + lower) * sig_b

    s = expit(alpha * x)
    y_cal = np.clip(beta + (1.0 - beta) * s, _EPS, 1.0 - _EPS)
    loss = -np.sum(weights * (y * np.log(y_cal) + (1.0 - y) * np.log1p(-y_cal)))

    # Chain rule: loss -> y_cal -> (alpha, beta) -> (alpha, b).
    d_loss_d_ycal = weights * ((1.0 - y) / (1.0 - y_cal) - y / y_cal)
    d_ycal_d_alpha = (1.0 - beta) * s * (1.0 - s) * x
    d_ycal_d_beta = 1.0 - s
    d_beta_d_b = -(1.0 + lower) * sig_b * (1.0 - sig_b)
    d_beta_d_alpha = -sig_b * lower if alpha < 0 else 0.0

    grad_alpha = np.sum(d_loss_d_ycal * (d_ycal_d_alpha + d_ycal_d_beta * d_beta_d_alpha))
    grad_b = np.sum(d_loss_d_ycal * d_ycal_d_beta) * d_beta_d_b
    return float(loss), np.array([grad_alpha, grad_b])
