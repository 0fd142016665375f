"""Shared base class and input checks for the binary calibrators.

A binary calibrator maps one real-valued score per item (a logit or a probability,
depending on the method) to a calibrated probability P(y = 1). All of them share the
scikit-learn estimator contract: hyperparameters are stored unchanged in ``__init__``,
``fit`` learns attributes whose names end in an underscore and returns ``self``, and
``predict_proba`` raises :class:`sklearn.exceptions.NotFittedError` before ``fit``.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from casestudy._validation import (
    check_1d_array,
    check_binary_labels,
    check_probabilities,
    check_same_length,
)

logger = logging.getLogger(__name__)

#: Tolerances for the L-BFGS-B fits. With scipy's defaults (ftol about 2e-9, gtol 1e-5)
#: vector scaling on 300 items stopped with probabilities 2e-5 away from the optimum.
LBFGS_OPTIONS = {"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000}

#: Accepted values of ``BinaryCalibrator._score_domain``.
SCORE_DOMAINS = ("logit", "probability", "real")


class CalibrationWarning(UserWarning):
    """Warning raised when a calibrator fit is degenerate (an optimum at a bound, a constant input)."""


def as_score_vector(scores, name: str = "scores", *, domain: str = "real") -> np.ndarray:
    """Convert scores to a finite float64 vector, accepting shape (n,) or (n, 1).

    Parameters
    ----------
    scores : array-like of shape (n_samples,) or (n_samples, 1)
        One score per item.
    name : str, default="scores"
        Argument name used in error messages.
    domain : {"logit", "probability", "real"}, default="real"
        ``"probability"`` also requires every value to lie in [0, 1]. ``"logit"`` and
        ``"real"`` accept any finite value.

    Returns
    -------
    ndarray of shape (n_samples,)
        The scores as float64.

    Raises
    ------
    ValueError
        If the input is empty, not numeric, has more than one column, contains NaN or
        infinite values, or (for ``domain="probability"``) lies outside [0, 1].
    """
    if domain not in SCORE_DOMAINS:
        raise ValueError(f"domain must be one of {SCORE_DOMAINS}; got {domain!r}")
    if issparse(scores):
        raise TypeError(f"Sparse input is not supported: pass {name} as a dense array")
    if np.asarray(scores).dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} must be real-valued")
    try:
        array = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric; got {scores!r:.80}") from error
    if array.ndim == 2:
        if array.shape[1] == 0:
            raise ValueError(
                f"{name} has 0 feature(s) (shape={array.shape}) while a minimum of 1 is required; "
                "pass one score per item"
            )
        if array.shape[1] != 1:
            raise ValueError(
                f"{name} must have shape (n_samples,) or (n_samples, 1): one score per item; "
                f"got shape {array.shape}"
            )
        array = array[:, 0]
    if domain == "probability":
        return check_probabilities(array, name)
    return check_1d_array(array, name)


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray:
    """Return sample weights as a float64 vector, or ones when ``sample_weight`` is None.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Non-negative finite weights with a positive sum.
    n_samples : int
        Expected length.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    if sample_weight is None:
        return np.ones(n_samples, dtype=np.float64)
    weights = check_1d_array(sample_weight, "sample_weight")
    check_same_length(scores=np.empty(n_samples), sample_weight=weights)
    if (weights < 0).any():
        raise ValueError(
            f"sample_weight must be non-negative; got negative values {weights[weights < 0][:5].tolist()}"
        )
    if weights.sum() <= 0:
        raise ValueError("sample_weight must have a positive sum; got all zeros")
    return weights


class BinaryCalibrator(BaseEstimator):
    """Base class of the binary calibrators: input checks, ``fit``, ``predict_proba``, ``predict``.

    Subclasses set ``_score_domain`` (``"logit"``, ``"probability"`` or ``"real"``), list
    their fitted attributes in ``_fitted_attributes`` (used by the JSON export) and
    implement ``_fit(scores, y, sample_weight)`` and ``_predict_proba(scores)`` on
    validated float64 vectors.
    """

    _score_domain = "real"
    _fitted_attributes: tuple[str, ...] = ()

    def _requires_both_classes(self) -> bool:
        """Return whether ``fit`` rejects labels of a single class (Platt scaling overrides it)."""
        return True

    def fit(self, scores, y, sample_weight=None):
        """Fit the calibration map on scores and binary labels.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, 1)
            One score per item, in the domain the class documents (logits or probabilities).
        y : array-like of shape (n_samples,)
            Binary labels (0/1 or booleans).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; None gives every item weight 1.

        Returns
        -------
        self : object
            The fitted calibrator.
        """
        input_dtype = _input_dtype(scores)
        scores = as_score_vector(scores, "scores", domain=self._score_domain)
        y = check_binary_labels(y, "y", require_both=self._requires_both_classes())
        check_same_length(scores=scores, y=y)
        weights = check_sample_weight(sample_weight, scores.size)

        self._fit(self._preprocess(scores, input_dtype), y, weights)
        self.n_features_in_ = 1
        return self

    def predict_proba(self, scores) -> np.ndarray:
        """Return the calibrated probability P(y = 1) of each score.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, 1)
            Scores in the same domain as those passed to ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
            Calibrated probabilities in [0, 1].
        """
        check_is_fitted(self)
        input_dtype = _input_dtype(scores)
        scores = as_score_vector(scores, "scores", domain=self._score_domain)
        return self._predict_proba(self._preprocess(scores, input_dtype))

    def predict(self, scores) -> np.ndarray:
        """Return hard labels: 1 where the calibrated probability is at least 0.5, else 0.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, 1)
            Scores in the same domain as those passed to ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,) of int
        """
        return (self.predict_proba(scores) >= 0.5).astype(int)

    def _preprocess(self, scores: np.ndarray, input_dtype: np.dtype) -> np.ndarray:
        """Transform validated float64 scores before ``_fit`` and ``_predict_proba``.

        ``input_dtype`` is the floating dtype of the caller's array before conversion
        (float64 for lists and integer input), for methods whose clipping depends on it.
        """
        return scores

    def _fit(self, scores: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> None:
        raise NotImplementedError

    def _predict_proba(self, scores: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _input_dtype(values) -> np.dtype:
    dtype = getattr(values, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.floating):
        return np.dtype(dtype)
    return np.dtype(np.float64)


def weighted_log_loss(y: np.ndarray, y_prob: np.ndarray, sample_weight: np.ndarray, eps: float = 1e-15) -> float:
    """Return the weighted mean binary cross-entropy, with probabilities clipped to [eps, 1 - eps]."""
    clipped = np.clip(y_prob, eps, 1.0 - eps)
    losses = -(y * np.log(clipped) + (1.0 - y) * np.log1p(-clipped))
    return float(np.average(losses, weights=sample_weight))
