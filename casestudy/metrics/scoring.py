"""Proper scoring rules, discrimination and calibration summaries for binary predictions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit
from sklearn.metrics import roc_auc_score

from casestudy._validation import (
    check_1d_array,
    check_binary_labels,
    check_n_bins,
    check_probabilities,
    check_same_length,
)
from casestudy.metrics.calibration_error import _assign_bins, _check_strategy

logger = logging.getLogger(__name__)

#: Probabilities are clipped to [LOG_LOSS_EPS, 1 - LOG_LOSS_EPS] before taking logarithms.
LOG_LOSS_EPS = float(np.finfo(np.float64).eps)


def _check_pair(y_true, y_prob, *, require_both: bool = False):
    y_true = check_binary_labels(y_true, "y_true", require_both=require_both)
    y_prob = check_probabilities(y_prob, "y_prob")
    check_same_length(y_true=y_true, y_prob=y_prob)
    return y_true, y_prob


def brier_score(y_true, y_prob) -> float:
    """Compute the Brier score, the mean squared difference between probability and label.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].

    Returns
    -------
    float
        ``mean((y_prob - y_true) ** 2)``, in [0, 1]; lower is better.

    References
    ----------
    Brier, "Verification of forecasts expressed in terms of probability", Monthly Weather
    Review, 1950.

    Examples
    --------
    >>> round(brier_score([1, 0], [0.9, 0.2]), 12)
    0.025
    """
    y_true, y_prob = _check_pair(y_true, y_prob)
    return float(np.mean((y_prob - y_true) ** 2))


def log_loss(y_true, y_prob) -> float:
    """Compute the mean negative log-likelihood (cross-entropy) of binary predictions, in nats.

    Clipping policy: the probability given to the observed label is clipped to
    ``[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]`` with ``LOG_LOSS_EPS = np.finfo(np.float64).eps``
    (about 2.2e-16), so a confident wrong prediction (probability 0 for a label that occurs)
    costs about 36.04 nats instead of infinity. This is the policy of scikit-learn's
    ``log_loss`` (version 1.9) for float64 input, and the two agree to rounding error.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].

    Returns
    -------
    float
        ``-mean(y log p + (1 - y) log(1 - p))`` after clipping; lower is better.

    Examples
    --------
    >>> round(log_loss([1, 0], [0.5, 0.5]), 6)
    0.693147
    """
    y_true, y_prob = _check_pair(y_true, y_prob)

    # Clip the probability of the observed label, computed as 1 - p for label 0, so that the
    # result matches scikit-learn, which clips the two columns [1 - p, p] separately.
    prob_of_label = np.where(y_true == 1.0, y_prob, 1.0 - y_prob)
    prob_of_label = np.clip(prob_of_label, LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)
    return float(-np.mean(np.log(prob_of_label)))


def roc_auc(y_true, y_score) -> float:
    """Compute the area under the ROC curve (scikit-learn's ``roc_auc_score`` underneath).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1; both classes must be present.
    y_score : array-like of shape (n_samples,)
        Scores of any scale (probabilities, logits); only their order matters. Ties count
        one half.

    Returns
    -------
    float
        The probability that a random positive is scored above a random negative.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y_true = check_binary_labels(y_true, "y_true", require_both=True)
    y_score = check_1d_array(y_score, "y_score")
    check_same_length(y_true=y_true, y_score=y_score)
    return float(roc_auc_score(y_true, y_score))


# --- Murphy decomposition of the Brier score ------------------------------------------------


@dataclass(frozen=True)
class BrierDecomposition:
    """Murphy decomposition of the Brier score, with the within-bin terms of a binned version.

    The terms satisfy ``brier_score == reliability - resolution + uncertainty
    + within_bin_variance - within_bin_covariance`` up to rounding. Grouped by distinct forecast
    values the two within-bin terms are exactly 0.

    Attributes
    ----------
    brier_score : float
        Mean squared difference between forecast and label.
    reliability : float
        ``sum_k n_k / n * (f_k - o_k) ** 2``, where ``f_k`` is the (mean) forecast of group ``k``
        and ``o_k`` its observed positive rate. Lower is better.
    resolution : float
        ``sum_k n_k / n * (o_k - o) ** 2``, where ``o`` is the overall positive rate. Higher is
        better.
    uncertainty : float
        ``o * (1 - o)``, which depends on the labels only.
    within_bin_variance : float
        ``mean((f_i - f_k) ** 2)``: spread of the forecasts inside their bin.
    within_bin_covariance : float
        ``2 * mean((f_i - f_k) * (y_i - o_k))``: twice the covariance of forecast and label
        inside their bin.
    n_groups : int
        Number of distinct forecast values, or of non-empty bins.
    grouping : str
        ``"distinct"``, ``"uniform"`` or ``"quantile"``.
    """

    brier_score: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float
    within_bin_covariance: float
    n_groups: int
    grouping: str

    @property
    def three_term_sum(self) -> float:
        """``reliability - resolution + uncertainty``: the Brier score when grouping is exact."""
        return self.reliability - self.resolution + self.uncertainty


def brier_decomposition(
    y_true, y_prob, *, n_bins: int | None = None, strategy: str = "uniform"
) -> BrierDecomposition:
    """Decompose the Brier score into reliability, resolution and uncertainty (Murphy, 1973).

    With ``n_bins=None`` the forecasts are grouped by distinct value, and
    ``reliability - resolution + uncertainty`` equals the Brier score. With ``n_bins`` the
    forecasts are binned as in :func:`~casestudy.metrics.reliability_table` and each bin uses its
    mean forecast. The three terms then no longer sum to the Brier score. The two within-bin
    terms of Stephenson, Coelho & Jolliffe close the gap, and they are reported separately.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].
    n_bins : int or None, default=None
        None groups by distinct forecast values (exact). An integer bins the forecasts.
    strategy : {"uniform", "quantile"}, default="uniform"
        Binning strategy when ``n_bins`` is given.

    Returns
    -------
    BrierDecomposition

    References
    ----------
    Murphy, "A new vector partition of the probability score", Journal of Applied Meteorology,
    1973. Stephenson, Coelho & Jolliffe, "Two extra components in the Brier score
    decomposition", Weather and Forecasting, 2008.

    Examples
    --------
    >>> parts = brier_decomposition([0, 1, 1, 1], [0.5, 0.5, 1.0, 1.0])
    >>> parts.reliability, parts.resolution, parts.uncertainty
    (0.0, 0.0625, 0.1875)
    """
    y_true, y_prob = _check_pair(y_true, y_prob)
    strategy = _check_strategy(strategy)

    if n_bins is None:
        grouping = "distinct"
        group_forecast, indices = np.unique(y_prob, return_inverse=True)
        n_groups = len(group_forecast)
    else:
        grouping = strategy
        indices, edges = _assign_bins(y_prob, check_n_bins(n_bins), strategy)
        n_groups = len(edges) - 1

    counts = np.bincount(indices, minlength=n_groups)
    non_empty = counts > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.bincount(indices, weights=y_true, minlength=n_groups) / counts
        if n_bins is not None:
            group_forecast = np.bincount(indices, weights=y_prob, minlength=n_groups) / counts

    n = len(y_true)
    base_rate = float(np.mean(y_true))
    weights = counts[non_empty] / n
    reliability = float(np.sum(weights * (group_forecast[non_empty] - observed[non_empty]) ** 2))
    resolution = float(np.sum(weights * (observed[non_empty] - base_rate) ** 2))

    # Per-sample deviations from the group means; both are exactly 0 for distinct grouping.
    forecast_deviation = y_prob - group_forecast[indices]
    label_deviation = y_true - observed[indices]

    return BrierDecomposition(
        brier_score=float(np.mean((y_prob - y_true) ** 2)),
        reliability=reliability,
        resolution=resolution,
        uncertainty=base_rate * (1.0 - base_rate),
        within_bin_variance=float(np.mean(forecast_deviation**2)),
        within_bin_covariance=float(2.0 * np.mean(forecast_deviation * label_deviation)),
        n_groups=int(non_empty.sum()),
        grouping=grouping,
    )


# --- Logistic recalibration -----------------------------------------------------------------

_NEWTON_MAX_ITER = 100
_NEWTON_TOLERANCE = 1e-10


def _clipped_logit(y_prob: np.ndarray) -> np.ndarray:
    """Logit of probabilities clipped to [LOG_LOSS_EPS, 1 - LOG_LOSS_EPS], so |logit| <= 36.04."""
    return logit(np.clip(y_prob, LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS))


def _negative_log_likelihood(linear: np.ndarray, y_true: np.ndarray) -> float:
    # log(1 + exp(z)) - y z, computed without overflow.
    return float(np.sum(np.logaddexp(0.0, linear) - y_true * linear))


def _fit_logistic(design: np.ndarray, y_true: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Fit an unpenalised logistic regression ``logit P(y=1) = design @ beta + offset``.

    Newton's method with step halving. Written here because scikit-learn's
    ``LogisticRegression`` (version 1.9) has no offset term, which calibration-in-the-large
    needs, and the two-parameter problem converges in a handful of steps.
    """
    beta = np.zeros(design.shape[1])
    loss = _negative_log_likelihood(design @ beta + offset, y_true)

    for _ in range(_NEWTON_MAX_ITER):
        prob = expit(design @ beta + offset)
        gradient = design.T @ (prob - y_true)
        hessian = (design * (prob * (1.0 - prob))[:, None]).T @ design
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]

        # Halve the step until the likelihood does not get worse.
        for _ in range(50):
            candidate = beta - step
            candidate_loss = _negative_log_likelihood(design @ candidate + offset, y_true)
            if candidate_loss <= loss:
                break
            step = step / 2.0

        beta, loss = candidate, candidate_loss
        if np.max(np.abs(step)) < _NEWTON_TOLERANCE * (1.0 + np.max(np.abs(beta))):
            return beta

    # NOTE: callers reject separable data first, so this point is not expected to be reached.
    # The last iterate is returned with a warning rather than an error.
    logger.warning(
        "logistic recalibration did not converge in %d Newton steps (coefficients %s); "
        "the returned coefficients are the last iterate",
        _NEWTON_MAX_ITER,
        beta,
    )
    return beta


@dataclass(frozen=True)
class CalibrationSlopeIntercept:
    """Coefficients of the logistic recalibration ``logit P(y=1) = intercept + slope * logit(p)``.

    Attributes
    ----------
    slope : float
        1 for a calibrated model; below 1 means the predictions are too extreme
        (overconfident), above 1 too moderate.
    intercept : float
        0 for a calibrated model (together with slope 1).
    """

    slope: float
    intercept: float


def calibration_slope_intercept(y_true, y_prob) -> CalibrationSlopeIntercept:
    """Fit the calibration slope and intercept by logistic regression of the label on the logit.

    The model is ``logit P(y=1) = intercept + slope * logit(p)``, fitted by unpenalised maximum
    likelihood. Probabilities are clipped to ``[LOG_LOSS_EPS, 1 - LOG_LOSS_EPS]`` before the
    logit, as in :func:`log_loss`. The intercept here is estimated jointly with the slope; the
    intercept with the slope fixed at 1 is :func:`calibration_in_the_large`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1; both classes must be present and must not be separated by a
        threshold on ``y_prob`` (the slope would be infinite).
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].

    Returns
    -------
    CalibrationSlopeIntercept

    References
    ----------
    Cox, "Two further applications of a model for binary regression", Biometrika, 1958.

    Examples
    --------
    >>> from scipy.special import expit
    >>> y_prob = expit([-2.0, -1.0, 0.0, 1.0, 2.0] * 2)
    >>> y_true = [0, 0, 1, 1, 1, 0, 1, 0, 0, 1]
    >>> round(calibration_slope_intercept(y_true, y_prob).slope, 4)
    1.012
    """
    y_true, y_prob = _check_pair(y_true, y_prob, require_both=True)
    logits = _clipped_logit(y_prob)

    if np.ptp(logits) == 0.0:
        raise ValueError(
            f"y_prob is constant ({y_prob[0]!r}), so the calibration slope is undefined; "
            "use calibration_in_the_large for a constant predictor"
        )

    # With one covariate, the maximum-likelihood slope is infinite exactly when a threshold on
    # the logit separates the classes, ties at the threshold included.
    positive, negative = logits[y_true == 1.0], logits[y_true == 0.0]
    if positive.min() >= negative.max() or negative.min() >= positive.max():
        raise ValueError(
            "y_prob separates the labels in y_true (every positive is scored at or above every "
            "negative, or the reverse), so the calibration slope is infinite; "
            "use calibration_in_the_large or a larger sample"
        )

    design = np.column_stack([np.ones_like(logits), logits])
    intercept, slope = _fit_logistic(design, y_true, np.zeros_like(logits))
    return CalibrationSlopeIntercept(slope=float(slope), intercept=float(intercept))


def calibration_in_the_large(y_true, y_prob) -> float:
    """Fit the calibration-in-the-large: the intercept with the logit as an offset.

    The model is ``logit P(y=1) = a + logit(p)`` (slope fixed at 1), fitted by maximum
    likelihood, which makes the recalibrated mean prediction equal the observed positive rate.
    ``a > 0`` means the model predicts too low on average, ``a < 0`` too high. Probabilities are
    clipped as in :func:`calibration_slope_intercept`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1; both classes must be present.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].

    Returns
    -------
    float
        The intercept ``a``, in logits.

    References
    ----------
    Steyerberg, "Clinical prediction models", Springer, 2009 (chapter on validation).

    Examples
    --------
    >>> round(calibration_in_the_large([0, 1, 1, 1], [0.5] * 4), 6)  # logit(0.75) - logit(0.5)
    1.098612
    """
    y_true, y_prob = _check_pair(y_true, y_prob, require_both=True)
    logits = _clipped_logit(y_prob)
    (intercept,) = _fit_logistic(np.ones((len(logits), 1)), y_true, logits)
    return float(intercept)


def calibration_ratio(y_true, y_prob) -> float:
    """Compute the calibration ratio: sum of predicted probabilities over number of positives.

    Also called the expected/observed (E/O) ratio. 1.0 is perfect; above 1 the model predicts
    more positives than occur, below 1 fewer.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1; at least one must be 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].

    Returns
    -------
    float
        ``sum(y_prob) / sum(y_true)``.

    Examples
    --------
    >>> calibration_ratio([0, 1, 1, 0], [0.5, 0.5, 0.75, 0.25])
    1.0
    """
    y_true, y_prob = _check_pair(y_true, y_prob)
    n_positive = y_true.sum()
    if n_positive == 0:
        raise ValueError(
            "y_true contains no positive label, so the calibration ratio "
            "sum(y_prob) / sum(y_true) is undefined; at least one label must be 1"
        )
    return float(y_prob.sum() / n_positive)
