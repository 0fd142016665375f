"""Proper scoring rules, discrimination and calibration-in-the-large for binary predictions."""

from __future__ import annotations

import logging

import numpy as np
from sklearn.metrics import roc_auc_score

from casestudy._validation import (
    check_1d_array,
    check_binary_labels,
    check_probabilities,
    check_same_length,
)

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
