"""Query-grouped cross-validation for calibrators, and hyperparameter choice by log loss.

Items of one query share the query text and are judged together, so splitting them
across folds leaks information between the part a calibrator is fitted on and the part
it is scored on. Both classes here split by group (query) with
:class:`sklearn.model_selection.GroupKFold`.

They are written here instead of using :class:`sklearn.model_selection.GridSearchCV`
or :class:`sklearn.calibration.CalibratedClassifierCV`, because neither accepts an
estimator that takes a score vector and returns a 1-D probability. The log loss here is
also pooled over the out-of-fold predictions of all folds, not averaged per fold.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import GroupKFold, ParameterGrid
from sklearn.utils.validation import check_is_fitted
from tqdm import tqdm

from casestudy._validation import (
    check_binary_labels,
    check_class_labels,
    check_probabilities,
    check_probability_matrix,
    check_same_length,
)
from casestudy.calibration._base import check_sample_weight

logger = logging.getLogger(__name__)

_LOG_LOSS_EPS = 1e-15


def pooled_log_loss(y, y_prob, sample_weight=None) -> float:
    """Return the weighted mean log loss of binary or multiclass predictions.

    Probabilities are clipped to ``[1e-15, 1 - 1e-15]`` so that a calibrator that predicts
    exactly 0 or 1 (isotonic regression, binning) gets a large but finite loss.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Binary labels (for 1-D ``y_prob``) or class indices (for 2-D ``y_prob``).
    y_prob : ndarray of shape (n_samples,) or (n_samples, n_classes)
        P(y = 1), or one probability per class.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights; None weighs items equally.

    Returns
    -------
    float

    Examples
    --------
    >>> print(round(pooled_log_loss([1, 0], np.array([0.8, 0.4])), 6))
    0.366985
    """
    if np.ndim(y_prob) == 2:
        y_prob = check_probability_matrix(y_prob, "y_prob")
        y = check_class_labels(y, y_prob.shape[1], "y")
    else:
        y_prob = check_probabilities(y_prob, "y_prob")
        y = check_binary_labels(y, "y")
    check_same_length(y=y, y_prob=y_prob)
    weights = None if sample_weight is None else check_sample_weight(sample_weight, len(y))

    if y_prob.ndim == 1:
        p_true = np.where(y == 1, y_prob, 1.0 - y_prob)
    else:
        p_true = y_prob[np.arange(y.size), y]
    losses = -np.log(np.clip(p_true, _LOG_LOSS_EPS, 1.0))
    return float(np.average(losses, weights=weights))


def _dense_scores(scores) -> np.ndarray:
    if issparse(scores):
        raise TypeError("Sparse input is not supported: pass scores as a dense array")
    return np.asarray(scores)


def _check_groups(groups, n_samples: int, n_splits) -> np.ndarray:
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ValueError(f"n_splits must be an integer >= 2; got {n_splits!r}")
    if groups is None:
        return np.arange(n_samples)
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.size != n_samples:
        raise ValueError(f"groups must have one entry per item: expected {n_samples}, got shape {groups.shape}")
    n_groups = np.unique(groups).size
    if n_groups < n_splits:
        raise ValueError(
            f"groups has {n_groups} distinct values but n_splits={n_splits}; pass more queries or lower n_splits"
        )
    return groups


def _fold_indices(scores, groups, n_splits, random_state):
    splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(groups)), groups=groups))


def _subset(values, index):
    return None if values is None else np.asarray(values)[index]


def _out_of_fold(estimator, scores, y, sample_weight, folds):
    """Fit one clone per fold and return the fitted clones and the out-of-fold predictions."""
    scores = np.asarray(scores)
    y = np.asarray(y)
    calibrators, out_of_fold = [], None
    for fold, (train, test) in enumerate(folds):
        calibrator = clone(estimator)
        try:
            calibrator.fit(scores[train], y[train], sample_weight=_subset(sample_weight, train))
        except ValueError as error:
            raise ValueError(f"fitting {type(estimator).__name__} on the training part of fold {fold} failed: {error}") from error
        predicted = calibrator.predict_proba(scores[test])
        if out_of_fold is None:
            out_of_fold = np.empty((len(y),) + predicted.shape[1:])
        out_of_fold[test] = predicted
        calibrators.append(calibrator)
    return calibrators, out_of_fold


class GroupedCrossValidatedCalibrator(BaseEstimator):
    """Fit a calibrator on k query-grouped folds; predict with the fold ensemble or a refit.

    Each fold's calibrator is fitted on the other k - 1 folds, which gives an out-of-fold
    prediction for every calibration item (``oof_proba_``) and an honest log loss
    (``cv_log_loss_``) without a separate validation split. ``predict_proba`` averages the
    k fold calibrators (``ensemble=True``) or uses one calibrator refitted on all items.

    Parameters
    ----------
    estimator : calibrator
        Unfitted binary or multiclass calibrator from this package; cloned for each fold.
    n_splits : int, default=5
        Number of folds, at least 2.
    ensemble : bool, default=True
        Average the fold calibrators at prediction time; False refits on all items.
    random_state : int, default=0
        Seed of the shuffled group assignment to folds.

    Attributes
    ----------
    calibrators_ : list of calibrators
        The k fitted fold calibrators.
    final_calibrator_ : calibrator or None
        The calibrator refitted on all items when ``ensemble=False``, else None.
    oof_proba_ : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Out-of-fold predictions, in the order of the training items. Not exported to JSON.
    cv_log_loss_ : float
        Log loss of ``oof_proba_`` (see :func:`pooled_log_loss`).
    n_features_in_ : int
        Copied from the fold calibrators.

    Examples
    --------
    >>> import numpy as np
    >>> from casestudy.calibration import PlattCalibrator
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=200)
    >>> y = (rng.random(200) < 1 / (1 + np.exp(-z))).astype(int)
    >>> query_id = np.repeat(np.arange(40), 5)
    >>> wrapper = GroupedCrossValidatedCalibrator(PlattCalibrator(), n_splits=4).fit(z, y, groups=query_id)
    >>> len(wrapper.calibrators_), wrapper.oof_proba_.shape
    (4, (200,))
    """

    _fitted_attributes = ("calibrators_", "final_calibrator_", "cv_log_loss_")

    def __init__(self, estimator, n_splits: int = 5, ensemble: bool = True, random_state: int = 0):
        self.estimator = estimator
        self.n_splits = n_splits
        self.ensemble = ensemble
        self.random_state = random_state

    def fit(self, scores, y, groups=None, sample_weight=None):
        """Fit the fold calibrators (and the refit when ``ensemble=False``).

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, n_columns)
            Scores in the domain the wrapped calibrator takes.
        y : array-like of shape (n_samples,)
            Labels as the wrapped calibrator takes them.
        groups : array-like of shape (n_samples,), default=None
            Group (query) of each item; None puts every item in its own group.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights passed to every fit and to the log loss.

        Returns
        -------
        self : object
        """
        scores = _dense_scores(scores)
        n_samples = len(scores)
        groups = _check_groups(groups, n_samples, self.n_splits)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, n_samples)

        folds = _fold_indices(scores, groups, self.n_splits, self.random_state)
        self.calibrators_, self.oof_proba_ = _out_of_fold(self.estimator, scores, y, sample_weight, folds)
        self.cv_log_loss_ = pooled_log_loss(y, self.oof_proba_, sample_weight)
        self.final_calibrator_ = None
        if not self.ensemble:
            self.final_calibrator_ = clone(self.estimator).fit(scores, y, sample_weight=sample_weight)
        self.n_features_in_ = self.calibrators_[0].n_features_in_
        logger.info("%s: grouped %d-fold log loss %.6f", type(self.estimator).__name__, self.n_splits, self.cv_log_loss_)
        return self

    def predict_proba(self, scores) -> np.ndarray:
        """Return calibrated probabilities: the fold average, or the refit's prediction.

        Parameters
        ----------
        scores : array-like
            Scores in the domain the wrapped calibrator takes.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self.final_calibrator_ is not None:
            return self.final_calibrator_.predict_proba(scores)
        return np.mean([calibrator.predict_proba(scores) for calibrator in self.calibrators_], axis=0)


class CalibratorSearchCV(BaseEstimator):
    """Choose calibrator hyperparameters by query-grouped cross-validated log loss.

    Every candidate of ``param_grid`` is scored on the same folds; the score is the log
    loss of the pooled out-of-fold predictions (lower is better). The best candidate is
    then refitted on all items.

    Parameters
    ----------
    estimator : calibrator
        Unfitted calibrator from this package.
    param_grid : dict or list of dict
        Hyperparameter values to try, as for :class:`sklearn.model_selection.ParameterGrid`,
        for example ``{"n_bins": [5, 10, 20]}``.
    n_splits : int, default=5
        Number of folds, at least 2.
    random_state : int, default=0
        Seed of the shuffled group assignment to folds.

    Attributes
    ----------
    cv_results_ : dict
        ``params`` (list of dict), ``mean_log_loss`` (pooled out-of-fold log loss per
        candidate, ndarray of shape (n_candidates,)), ``fold_log_loss`` (ndarray of shape
        (n_candidates, n_splits)) and ``rank`` (1 = best).
    best_params_ : dict
        Parameters of the best candidate.
    best_score_ : float
        Its pooled out-of-fold log loss.
    best_estimator_ : calibrator
        The best candidate refitted on all items.
    n_features_in_ : int
        Copied from ``best_estimator_``.

    Examples
    --------
    >>> import numpy as np
    >>> from casestudy.calibration import HistogramBinningCalibrator
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=400)
    >>> y = (rng.random(400) < 1 / (1 + np.exp(-2 * z))).astype(int)
    >>> search = CalibratorSearchCV(HistogramBinningCalibrator(), {"n_bins": [2, 10, 100]})
    >>> search.fit(z, y, groups=np.repeat(np.arange(80), 5)).best_params_
    {'n_bins': 10}
    """

    _fitted_attributes = ("best_estimator_", "best_params_", "best_score_")

    def __init__(self, estimator, param_grid, n_splits: int = 5, random_state: int = 0):
        self.estimator = estimator
        self.param_grid = param_grid
        self.n_splits = n_splits
        self.random_state = random_state

    def fit(self, scores, y, groups=None, sample_weight=None):
        """Score every candidate on grouped folds and refit the best on all items.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, n_columns)
            Scores in the domain the calibrator takes.
        y : array-like of shape (n_samples,)
            Labels.
        groups : array-like of shape (n_samples,), default=None
            Group (query) of each item; None puts every item in its own group.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights passed to every fit and to the log loss.

        Returns
        -------
        self : object
        """
        scores = _dense_scores(scores)
        n_samples = len(scores)
        groups = _check_groups(groups, n_samples, self.n_splits)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, n_samples)
        candidates = list(ParameterGrid(self.param_grid))
        if not candidates:
            raise ValueError(f"param_grid defines no candidates; got {self.param_grid!r}")

        folds = _fold_indices(scores, groups, self.n_splits, self.random_state)
        y_array = np.asarray(y)
        pooled, per_fold = [], []
        for params in tqdm(candidates, desc="calibrator candidates", leave=False, disable=None):
            estimator = clone(self.estimator).set_params(**params)
            _, out_of_fold = _out_of_fold(estimator, scores, y_array, sample_weight, folds)
            pooled.append(pooled_log_loss(y_array, out_of_fold, sample_weight))
            per_fold.append([
                pooled_log_loss(y_array[test], out_of_fold[test], _subset(sample_weight, test)) for _, test in folds
            ])
            logger.debug("candidate %s: log loss %.6f", params, pooled[-1])

        pooled = np.array(pooled)
        best = int(np.argmin(pooled))
        self.cv_results_ = {
            "params": candidates,
            "mean_log_loss": pooled,
            "fold_log_loss": np.array(per_fold),
            "rank": np.argsort(np.argsort(pooled, kind="stable"), kind="stable") + 1,
        }
        self.best_params_ = candidates[best]
        self.best_score_ = float(pooled[best])
        self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
        self.best_estimator_.fit(scores, y, sample_weight=sample_weight)
        self.n_features_in_ = self.best_estimator_.n_features_in_
        logger.info("best %s: %s (log loss %.6f)", type(self.estimator).__name__, self.best_params_, self.best_score_)
        return self

    def predict_proba(self, scores) -> np.ndarray:
        """Return the refitted best calibrator's probabilities.

        Parameters
        ----------
        scores : array-like
            Scores in the domain the calibrator takes.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(scores)
