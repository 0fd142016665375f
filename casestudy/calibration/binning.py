"""Binning calibrators: equal-mass histogram binning and scaling-binning."""

from __future__ import annotations

import logging

import numpy as np

from casestudy._validation import check_1d_array, check_n_bins, check_same_length
from casestudy.calibration._base import BinaryCalibrator, check_sample_weight
from casestudy.calibration.platt import PlattCalibrator

logger = logging.getLogger(__name__)


def equal_mass_edges(values: np.ndarray, n_bins: int, sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Return the inner edges of up to ``n_bins`` equal-mass bins, with empty bins removed.

    A value ``v`` falls in bin ``np.searchsorted(edges, v, side="left")``, so bin ``i``
    is the half-open interval ``(edges[i - 1], edges[i]]``. The first bin extends to
    -inf and the last to +inf. Edges are weighted quantiles by the inverted CDF, so each
    edge is one of the values and closes the bin below it. Tied values cannot be split, so heavy ties give fewer bins
    than requested; every returned bin contains at least one value.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        Finite values to bin.
    n_bins : int
        Requested number of bins.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights of the values with a positive sum; None weighs them equally.

    Returns
    -------
    ndarray of shape (n_effective_bins - 1,)
        Increasing inner edges.

    Examples
    --------
    >>> print(equal_mass_edges(np.arange(8.0), 4))
    [1. 3. 5.]
    >>> print(equal_mass_edges(np.array([0.0, 0.0, 0.0, 1.0]), 4))
    [0.]
    """
    n_bins = check_n_bins(n_bins)
    values = check_1d_array(values, "values")
    if sample_weight is not None:
        sample_weight = check_1d_array(sample_weight, "sample_weight")
        check_same_length(values=values, sample_weight=sample_weight)
        sample_weight = check_sample_weight(sample_weight, values.size)

    quantiles = np.arange(1, n_bins) / n_bins
    edges = np.quantile(values, quantiles, method="inverted_cdf", weights=sample_weight)
    # An edge at the maximum would leave the last bin empty.
    edges = np.unique(edges[edges < values.max()])
    return edges


def _bin_means(bin_index: np.ndarray, targets: np.ndarray, sample_weight: np.ndarray, n_bins: int) -> np.ndarray:
    bin_weight = np.bincount(bin_index, weights=sample_weight, minlength=n_bins)
    bin_sum = np.bincount(bin_index, weights=sample_weight * targets, minlength=n_bins)
    return bin_sum / bin_weight


class HistogramBinningCalibrator(BinaryCalibrator):
    """Equal-mass histogram binning: each score gets the mean label of its bin.

    Bin edges are weighted quantiles of the calibration scores, so every bin contains about
    the same weight (ties can merge bins; see :func:`equal_mass_edges`). Bin ``i`` is
    ``(edges[i - 1], edges[i]]`` and the outer bins extend to infinity. It takes **any
    finite real scores**, logits or probabilities, because only their order matters.

    Bins whose labels are all 0 or all 1 predict exactly 0 or 1. A test item of the other
    class then costs about 36 nats of log loss after ``casestudy.metrics.log_loss`` clips
    it, so use fewer bins, or a smooth calibrator, when that matters.

    Parameters
    ----------
    n_bins : int, default=15
        Requested number of bins.

    Attributes
    ----------
    bin_edges_ : ndarray of shape (n_effective_bins - 1,)
        Increasing inner edges.
    bin_values_ : ndarray of shape (n_effective_bins,)
        Weighted mean label of each bin.
    n_features_in_ : int
        Always 1.

    References
    ----------
    .. [1] B. Zadrozny and C. Elkan, "Obtaining calibrated probability estimates from
       decision trees and naive Bayesian classifiers", ICML 2001.

    Examples
    --------
    >>> calibrator = HistogramBinningCalibrator(n_bins=2).fit([0.1, 0.2, 0.3, 0.4], [0, 1, 1, 1])
    >>> print(calibrator.bin_edges_, calibrator.bin_values_)
    [0.2] [0.5 1. ]
    >>> print(calibrator.predict_proba([0.0, 0.2, 0.25, 0.9]))
    [0.5 0.5 1.  1. ]
    """

    _score_domain = "real"
    _fitted_attributes = ("bin_edges_", "bin_values_")

    def __init__(self, n_bins: int = 15):
        self.n_bins = n_bins

    def _fit(self, scores, y, sample_weight):
        edges = equal_mass_edges(scores, self.n_bins, sample_weight)
        bin_index = np.searchsorted(edges, scores, side="left")

        self.bin_edges_ = edges
        self.bin_values_ = _bin_means(bin_index, y, sample_weight, edges.size + 1)
        logger.debug("histogram binning: %d bins requested, %d kept", self.n_bins, self.bin_values_.size)

    def _predict_proba(self, scores):
        return self.bin_values_[np.searchsorted(self.bin_edges_, scores, side="left")]


class ScalingBinningCalibrator(BinaryCalibrator):
    """Scaling-binning: Platt scaling followed by equal-mass binning of its outputs.

    The calibration data are split at random, per class, into two parts. Platt scaling is
    fitted on the first part. Its outputs on the second part define equal-mass bins, and
    each bin predicts the mean Platt output (not the mean label) of the second part's items
    in it. The result has as few distinct values as histogram binning, so its calibration
    error can be measured with binned estimators, but inherits the low variance of the
    fitted scaling map.

    Kumar et al. describe three disjoint parts (fit, bin edges, bin means). This
    implementation uses the second part for both the edges and the means, to keep more
    data for each step.

    It takes **logits**, because the first stage is :class:`PlattCalibrator`.

    Parameters
    ----------
    n_bins : int, default=15
        Requested number of bins.
    fit_fraction : float, default=0.5
        Share of each class used to fit the scaling map, in (0, 1).
    random_state : int, default=0
        Seed of the random split.

    Attributes
    ----------
    scaler_ : PlattCalibrator
        Scaling map fitted on the first part.
    bin_edges_ : ndarray of shape (n_effective_bins - 1,)
        Inner edges on the scaled probability.
    bin_values_ : ndarray of shape (n_effective_bins,)
        Mean scaled probability in each bin.
    n_features_in_ : int
        Always 1.

    References
    ----------
    .. [1] A. Kumar, P. Liang and T. Ma, "Verified uncertainty calibration", NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=400)
    >>> y = (rng.random(400) < 1 / (1 + np.exp(-2 * z))).astype(int)
    >>> calibrator = ScalingBinningCalibrator(n_bins=5).fit(z, y)
    >>> np.unique(calibrator.predict_proba(z)).size
    5
    """

    _score_domain = "logit"
    _fitted_attributes = ("scaler_", "bin_edges_", "bin_values_")

    def __init__(self, n_bins: int = 15, fit_fraction: float = 0.5, random_state: int = 0):
        self.n_bins = n_bins
        self.fit_fraction = fit_fraction
        self.random_state = random_state

    def _fit(self, scores, y, sample_weight):
        fraction = float(self.fit_fraction)
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"fit_fraction must be in (0, 1); got {self.fit_fraction!r}")
        check_n_bins(self.n_bins)

        in_first_part = _stratified_mask(y, fraction, self.random_state)
        first, second = in_first_part, ~in_first_part
        if np.unique(y[first]).size < 2 or second.sum() == 0:
            raise ValueError(
                "ScalingBinningCalibrator needs at least one item of each class in the first part "
                f"and one item in the second; got {int(y.sum())} positives and {int((1 - y).sum())} "
                f"negatives with fit_fraction={self.fit_fraction!r}. Pass more data or change fit_fraction."
            )

        self.scaler_ = PlattCalibrator().fit(scores[first], y[first], sample_weight=sample_weight[first])
        scaled = self.scaler_.predict_proba(scores[second])
        edges = equal_mass_edges(scaled, self.n_bins, sample_weight[second])
        bin_index = np.searchsorted(edges, scaled, side="left")

        self.bin_edges_ = edges
        self.bin_values_ = _bin_means(bin_index, scaled, sample_weight[second], edges.size + 1)

    def _predict_proba(self, scores):
        scaled = self.scaler_.predict_proba(scores)
        return self.bin_values_[np.searchsorted(self.bin_edges_, scaled, side="left")]


def _stratified_mask(y: np.ndarray, fraction: float, random_state) -> np.ndarray:
    """Return a boolean mask that selects round(fraction * n_c) random items of each class c."""
    rng = np.random.default_rng(random_state)
    mask = np.zeros(y.size, dtype=bool)
    for label in (0.0, 1.0):
        members = np.flatnonzero(y == label)
        n_first = int(round(fraction * members.size))
        if members.size >= 2:
            n_first = min(max(n_first, 1), members.size - 1)
        mask[rng.permutation(members)[:n_first]] = True
    return mask
