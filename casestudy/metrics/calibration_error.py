"""Binned calibration-error estimators for binary classifiers.

Binning conventions, shared by every function in this module:

- ``strategy="uniform"``: ``n_bins`` equal-width bins on [0, 1] with edges
  ``np.linspace(0, 1, n_bins + 1)``. Every bin is closed on the left and open on the right,
  except the last, which is closed on both ends. A score of exactly 0.0 therefore falls in the
  first bin and a score of exactly 1.0 in the last. Empty bins are kept, with a count of 0 and
  NaN for their mean prediction and observed rate.
- ``strategy="quantile"``: equal-mass bins. The edges start at the quantiles of ``y_prob``
  (``np.quantile`` with linear interpolation, as in scikit-learn's ``calibration_curve``), bins
  are again closed on the left and the last bin is closed on both ends, and every bin that ends
  up empty is merged into its left neighbour. Because membership is decided by comparing values
  with edges, tied scores always share a bin, and a constant predictor gets one bin that still
  shows its miscalibration. The result has as many bins as non-empty bins remain, which can be
  fewer than ``n_bins``.

scikit-learn's ``calibration_curve`` (version 1.9) closes its bins on the right instead, so the
two disagree only for scores that sit exactly on an interior edge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from casestudy._validation import (
    check_binary_labels,
    check_n_bins,
    check_probabilities,
    check_same_length,
)

logger = logging.getLogger(__name__)

STRATEGIES = ("uniform", "quantile")
NORMS = ("l1", "l2", "max")


def _check_strategy(strategy) -> str:
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}")
    return strategy


def _check_norm(norm) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}; got {norm!r}")
    return norm


def _check_inputs(y_true, y_prob, n_bins, strategy):
    """Validate the arguments shared by the binned estimators."""
    y_true = check_binary_labels(y_true, "y_true")
    y_prob = check_probabilities(y_prob, "y_prob")
    check_same_length(y_true=y_true, y_prob=y_prob)
    return y_true, y_prob, check_n_bins(n_bins), _check_strategy(strategy)


class BinAssignment(NamedTuple):
    """Bin membership of each score, with the edges that define the bins.

    Attributes
    ----------
    indices : ndarray of shape (n_samples,)
        Bin index of each score, in ``range(len(edges) - 1)``.
    edges : ndarray of shape (n_bins + 1,)
        Bin edges in increasing order. Bins are closed on the left except the last, which is
        closed on both ends.
    """

    indices: np.ndarray
    edges: np.ndarray

    @property
    def n_bins(self) -> int:
        """Number of bins."""
        return len(self.edges) - 1


def _assign_bins(y_prob: np.ndarray, n_bins: int, strategy: str) -> BinAssignment:
    """Bin validated scores; see the module docstring for the conventions."""
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        edges = np.quantile(y_prob, np.linspace(0.0, 1.0, n_bins + 1))

    # side="right" puts a score equal to an interior edge into the bin on its right, which
    # makes bins closed on the left. No score exceeds the last edge, so the last bin is closed.
    indices = np.searchsorted(edges[1:-1], y_prob, side="right")

    if strategy == "quantile":
        # Quantile edges repeat where scores are tied and can enclose no score at all. Keep
        # the left edges of the non-empty bins: each empty bin joins its left neighbour, and
        # the first bin is never dropped because it contains the minimum score.
        counts = np.bincount(indices, minlength=n_bins)
        non_empty = counts > 0
        edges = np.concatenate([edges[:-1][non_empty], edges[-1:]])
        new_index = np.cumsum(non_empty) - 1
        indices = new_index[indices]

    return BinAssignment(indices=indices, edges=edges)


def bin_indices(y_prob, n_bins: int = 15, strategy: str = "uniform") -> BinAssignment:
    """Assign each score to a calibration bin.

    This is the binning step behind :func:`reliability_table`, exposed so that other code
    (bootstrap intervals, grouped metrics) can compute its own per-bin statistics with
    ``np.bincount``.

    Parameters
    ----------
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].
    n_bins : int, default=15
        Number of bins requested. With ``strategy="quantile"`` the result can have fewer.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins; see the module docstring for the edge conventions.

    Returns
    -------
    BinAssignment
        Named tuple ``(indices, edges)``: ``indices`` of shape (n_samples,) with values in
        ``range(n_bins_out)``, ``edges`` of shape (n_bins_out + 1,), where ``n_bins_out`` is
        ``n_bins`` for uniform bins and the number of non-empty bins for quantile bins.

    Examples
    --------
    >>> assignment = bin_indices([0.0, 0.5, 1.0], n_bins=2)
    >>> assignment.indices.tolist(), assignment.edges.tolist()
    ([0, 1, 1], [0.0, 0.5, 1.0])
    """
    y_prob = check_probabilities(y_prob, "y_prob")
    return _assign_bins(y_prob, check_n_bins(n_bins), _check_strategy(strategy))


@dataclass(frozen=True, eq=False)
class ReliabilityTable:
    """Per-bin counts, mean predictions and observed positive rates.

    Attributes
    ----------
    bin_edges : ndarray of shape (n_bins + 1,)
        Bin edges; bins are closed on the left except the last, which is closed on both ends.
    counts : ndarray of shape (n_bins,)
        Number of scores in each bin (int64).
    mean_predicted : ndarray of shape (n_bins,)
        Mean predicted probability per bin, NaN for an empty bin.
    observed_rate : ndarray of shape (n_bins,)
        Fraction of positive labels per bin, NaN for an empty bin (never 0).
    strategy : str
        ``"uniform"`` or ``"quantile"``.
    """

    bin_edges: np.ndarray
    counts: np.ndarray
    mean_predicted: np.ndarray
    observed_rate: np.ndarray
    strategy: str

    def __post_init__(self):
        for array in (self.bin_edges, self.counts, self.mean_predicted, self.observed_rate):
            array.setflags(write=False)

    @property
    def n_bins(self) -> int:
        """Number of bins, empty ones included."""
        return len(self.counts)

    @property
    def n_samples(self) -> int:
        """Number of scores in the table."""
        return int(self.counts.sum())

    @property
    def gap(self) -> np.ndarray:
        """Absolute calibration gap ``|observed_rate - mean_predicted|`` per bin, NaN if empty."""
        return np.abs(self.observed_rate - self.mean_predicted)

    def to_frame(self) -> pd.DataFrame:
        """Return the table as a DataFrame with one row per bin.

        Returns
        -------
        pandas.DataFrame
            Columns ``bin_lower``, ``bin_upper``, ``count``, ``mean_predicted``,
            ``observed_rate`` and ``gap``.
        """
        return pd.DataFrame(
            {
                "bin_lower": self.bin_edges[:-1],
                "bin_upper": self.bin_edges[1:],
                "count": self.counts,
                "mean_predicted": self.mean_predicted,
                "observed_rate": self.observed_rate,
                "gap": self.gap,
            }
        )


def _table_from_validated(y_true, y_prob, n_bins, strategy) -> ReliabilityTable:
    indices, edges = _assign_bins(y_prob, n_bins, strategy)
    n_bins_out = len(edges) - 1

    counts = np.bincount(indices, minlength=n_bins_out)
    sum_predicted = np.bincount(indices, weights=y_prob, minlength=n_bins_out)
    sum_true = np.bincount(indices, weights=y_true, minlength=n_bins_out)

    # Empty bins get NaN, not 0: an empty bin has no observed rate.
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_predicted = sum_predicted / counts
        observed_rate = sum_true / counts

    return ReliabilityTable(
        bin_edges=edges,
        counts=counts,
        mean_predicted=mean_predicted,
        observed_rate=observed_rate,
        strategy=strategy,
    )


def reliability_table(y_true, y_prob, *, n_bins: int = 15, strategy: str = "uniform") -> ReliabilityTable:
    """Compute the reliability table (calibration curve) of binary predictions.

    Unlike scikit-learn's ``calibration_curve``, empty bins are kept (with NaN means), the
    counts are returned, and the bins are closed on the left (see the module docstring).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1 (booleans accepted).
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].
    n_bins : int, default=15
        Number of bins. With ``strategy="quantile"`` the table can have fewer, because bins
        that would split tied scores or hold no score are merged.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins.

    Returns
    -------
    ReliabilityTable
        Arrays of shape (n_bins_out,) and edges of shape (n_bins_out + 1,).

    Examples
    --------
    >>> table = reliability_table([0, 1, 1], [0.2, 0.8, 0.9], n_bins=3)
    >>> table.counts.tolist()
    [1, 0, 2]
    >>> table.observed_rate.tolist()
    [0.0, nan, 1.0]
    """
    y_true, y_prob, n_bins, strategy = _check_inputs(y_true, y_prob, n_bins, strategy)
    return _table_from_validated(y_true, y_prob, n_bins, strategy)


def _ece_from_table(table: ReliabilityTable, norm: str) -> float:
    non_empty = table.counts > 0
    weights = table.counts[non_empty] / table.counts.sum()
    gaps = table.gap[non_empty]

    if norm == "l1":
        return float(np.sum(weights * gaps))
    if norm == "l2":
        return float(np.sqrt(np.sum(weights * gaps**2)))
    return float(np.max(gaps))


def expected_calibration_error(
    y_true, y_prob, *, n_bins: int = 15, strategy: str = "uniform", norm: str = "l1"
) -> float:
    """Compute the binned expected calibration error (ECE) of binary predictions.

    With ``n_k`` scores in bin ``k`` out of ``n``, mean prediction ``conf_k`` and observed
    positive rate ``acc_k``, the L1 form is ``sum_k n_k / n * |acc_k - conf_k|``, the L2 form
    is ``sqrt(sum_k n_k / n * (acc_k - conf_k) ** 2)`` and ``norm="max"`` gives the maximum
    calibration error over non-empty bins. Empty bins contribute nothing.

    The binned ECE is a biased estimator: with few scores per bin, sampling noise alone makes it
    positive. See :func:`debiased_calibration_error` and :func:`smooth_ece`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].
    n_bins : int, default=15
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins (see the module docstring).
    norm : {"l1", "l2", "max"}, default="l1"
        Which average of the per-bin gaps to return.

    Returns
    -------
    float
        The calibration error, in [0, 1].

    References
    ----------
    Naeini, Cooper & Hauskrecht, "Obtaining well calibrated probabilities using Bayesian
    binning", AAAI 2015. Guo, Pleiss, Sun & Weinberger, "On calibration of modern neural
    networks", ICML 2017.

    Examples
    --------
    >>> expected_calibration_error([1, 0], [0.95, 1.0])
    0.475
    """
    y_true, y_prob, n_bins, strategy = _check_inputs(y_true, y_prob, n_bins, strategy)
    norm = _check_norm(norm)
    table = _table_from_validated(y_true, y_prob, n_bins, strategy)
    return _ece_from_table(table, norm)


def maximum_calibration_error(y_true, y_prob, *, n_bins: int = 15, strategy: str = "uniform") -> float:
    """Compute the maximum calibration error (MCE): the largest gap over non-empty bins.

    Same as ``expected_calibration_error(..., norm="max")``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of the positive class, in [0, 1].
    n_bins : int, default=15
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins.

    Returns
    -------
    float
        ``max_k |acc_k - conf_k|`` over bins that contain at least one score.

    References
    ----------
    Naeini, Cooper & Hauskrecht, "Obtaining well calibrated probabilities using Bayesian
    binning", AAAI 2015.

    Examples
    --------
    >>> maximum_calibration_error([0, 0, 1, 1, 1], [1, 1, 1, 1, 0], n_bins=2)
    1.0
    """
    return expected_calibration_error(y_true, y_prob, n_bins=n_bins, strategy=strategy, norm="max")
