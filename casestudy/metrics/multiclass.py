"""Calibration error of multiclass predictions, with the definition named in each function.

Two definitions are in common use and can disagree widely:

- :func:`top_label_ece` looks only at the predicted class: it bins the highest probability
  (the confidence) and compares it with the accuracy in each bin.
- :func:`classwise_ece` looks at every class: for each class ``k`` it bins the probability of
  class ``k`` and compares it with the frequency of class ``k``, then averages over classes.

Both reuse the binary binning of :mod:`casestudy.metrics.calibration_error`, with the same bin
edge conventions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from casestudy._validation import check_class_labels, check_n_bins, check_probability_matrix, check_same_length
from casestudy.metrics.calibration_error import _check_norm, _check_strategy, _ece_from_table, _table_from_validated

logger = logging.getLogger(__name__)


def _check_multiclass(y_true, y_prob, n_bins, strategy, norm):
    y_prob = check_probability_matrix(y_prob, "y_prob")
    y_true = check_class_labels(y_true, y_prob.shape[1], "y_true")
    check_same_length(y_true=y_true, y_prob=y_prob)
    return y_true, y_prob, check_n_bins(n_bins), _check_strategy(strategy), _check_norm(norm)


def top_label_ece(y_true, y_prob, *, n_bins: int = 15, strategy: str = "uniform", norm: str = "l1") -> float:
    """Compute the top-label (confidence) ECE of multiclass predictions.

    The confidence of a prediction is its highest class probability, and it is correct when that
    class is the true one. The binary ECE of (correct, confidence) is returned: this is the ECE
    of Guo et al. Ties for the highest probability go to the lowest class index
    (``np.argmax``). This definition ignores how the probability is spread over the other classes
    and does not condition on which class was predicted.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Index of the true class of each sample, in ``range(n_classes)``.
    y_prob : array-like of shape (n_samples, n_classes)
        Class probabilities; each row sums to 1.
    n_bins : int, default=15
        Number of confidence bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins.
    norm : {"l1", "l2", "max"}, default="l1"
        Which average of the per-bin gaps to return, as in
        :func:`~casestudy.metrics.expected_calibration_error`.

    Returns
    -------
    float
        The top-label calibration error.

    References
    ----------
    Guo, Pleiss, Sun & Weinberger, "On calibration of modern neural networks", ICML 2017.

    Examples
    --------
    >>> round(top_label_ece([0, 1], [[0.8, 0.2], [0.6, 0.4]], n_bins=1), 12)  # |0.7 - 0.5|
    0.2
    """
    y_true, y_prob, n_bins, strategy, norm = _check_multiclass(y_true, y_prob, n_bins, strategy, norm)

    predicted = np.argmax(y_prob, axis=1)
    confidence = y_prob[np.arange(len(y_true)), predicted]
    correct = (predicted == y_true).astype(np.float64)

    table = _table_from_validated(correct, confidence, n_bins, strategy)
    return _ece_from_table(table, norm)


@dataclass(frozen=True, eq=False)
class ClasswiseECE:
    """Classwise ECE: the mean over classes of the one-vs-rest ECE, and each class's value.

    Attributes
    ----------
    value : float
        Unweighted mean of ``per_class``.
    per_class : ndarray of shape (n_classes,)
        ECE of class ``k``: the binary ECE of (``y_true == k``, ``y_prob[:, k]``).
    """

    value: float
    per_class: np.ndarray

    def __post_init__(self):
        self.per_class.setflags(write=False)


def classwise_ece(
    y_true, y_prob, *, n_bins: int = 15, strategy: str = "uniform", norm: str = "l1"
) -> ClasswiseECE:
    """Compute the classwise ECE: one-vs-rest ECE of every class, averaged over classes.

    For each class ``k``, the probabilities ``y_prob[:, k]`` of all samples are binned and
    compared with the frequency of class ``k`` in each bin. Every class counts equally in the
    average, however rare it is. Rare classes get noisy estimates, so report ``per_class`` too.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Index of the true class of each sample, in ``range(n_classes)``.
    y_prob : array-like of shape (n_samples, n_classes)
        Class probabilities; each row sums to 1.
    n_bins : int, default=15
        Number of bins per class.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins, chosen per class for quantile bins.
    norm : {"l1", "l2", "max"}, default="l1"
        Which average of the per-bin gaps to use for each class.

    Returns
    -------
    ClasswiseECE
        The class average and the per-class values.

    References
    ----------
    Kull, Perello-Nieto, Kängsepp, Silva Filho, Song & Flach, "Beyond temperature scaling:
    Obtaining well-calibrated multiclass probabilities with Dirichlet calibration",
    NeurIPS 2019.

    Examples
    --------
    >>> result = classwise_ece([0, 1], [[0.8, 0.2], [0.6, 0.4]], n_bins=1)
    >>> round(result.value, 12), result.per_class.round(12).tolist()
    (0.2, [0.2, 0.2])
    """
    y_true, y_prob, n_bins, strategy, norm = _check_multiclass(y_true, y_prob, n_bins, strategy, norm)

    per_class = np.empty(y_prob.shape[1])
    for k in range(y_prob.shape[1]):
        is_class = (y_true == k).astype(np.float64)
        table = _table_from_validated(is_class, y_prob[:, k], n_bins, strategy)
        per_class[k] = _ece_from_table(table, norm)

    return ClasswiseECE(value=float(per_class.mean()), per_class=per_class)
