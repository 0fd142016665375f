"""Multiclass calibrators: temperature, vector and matrix scaling, and Dirichlet calibration.

All of them are linear maps followed by a softmax, fitted by minimising the weighted mean
cross-entropy (plus a penalty where stated). Temperature, vector and matrix scaling take
**logits** of shape (n_samples, n_classes); Dirichlet calibration takes **probabilities**
whose rows sum to one and works on their logarithms.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.sparse import issparse
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from casestudy._validation import check_probability_matrix, check_same_length
from casestudy.calibration._base import LBFGS_OPTIONS, check_sample_weight
from casestudy.calibration.temperature import _check_temperature_bounds, solve_temperature

logger = logging.getLogger(__name__)


def check_logit_matrix(logits, name: str = "logits") -> np.ndarray:
    """Check a finite 2-D array of class logits with at least two columns.

    Parameters
    ----------
    logits : array-like of shape (n_samples, n_classes)
        One row of logits per item.
    name : str, default="logits"
        Argument name used in error messages.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        The logits as float64.
    """
    if issparse(logits):
        raise TypeError(f"Sparse input is not supported: pass {name} as a dense array")
    if np.asarray(logits).dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} must be real-valued")
    try:
        matrix = np.asarray(logits, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a numeric 2-D array; got {logits!r:.80}") from error
    if matrix.ndim != 2:
        raise ValueError(
            f"{name} must have shape (n_samples, n_classes >= 2); got shape {matrix.shape}. "
            "Reshape your data to one row of class logits per item"
        )
    if matrix.shape[1] < 2:
        raise ValueError(
            f"{name} has {matrix.shape[1]} feature(s) (shape={matrix.shape}) while a minimum of 2 is "
            "required; pass one column of logits per class"
        )
    if matrix.shape[0] == 0:
        raise ValueError(f"{name} is empty; at least one row is required")
    bad = ~np.isfinite(matrix)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))[:5].tolist()
        raise ValueError(f"{name} contains NaN or infinite values in rows {rows}; all values must be finite")
    return matrix


def check_class_labels(y, n_classes: int, name: str = "y") -> np.ndarray:
    """Check integer class labels in ``[0, n_classes)`` with at least two distinct classes.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class indices.
    n_classes : int
        Number of columns of the score matrix.
    name : str, default="y"
        Argument name used in error messages.

    Returns
    -------
    ndarray of shape (n_samples,) of int64
    """
    raw = np.asarray(y)
    if raw.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional; got shape {raw.shape}")
    if raw.size == 0:
        raise ValueError(f"{name} is empty; at least one label is required")
    if not (np.issubdtype(raw.dtype, np.integer) or np.issubdtype(raw.dtype, np.floating)):
        raise ValueError(f"{name} must contain integer class indices; got dtype {raw.dtype}")
    labels = raw.astype(np.float64)
    invalid = ~np.isfinite(labels) | (labels != np.round(labels)) | (labels < 0) | (labels >= n_classes)
    if invalid.any():
        raise ValueError(
            f"{name} must contain class indices 0 to {n_classes - 1} (one per column); "
            f"got {np.unique(raw[invalid])[:5].tolist()}"
        )
    labels = labels.astype(np.int64)
    if np.unique(labels).size < 2:
        raise ValueError(f"{name} contains a single class ({int(labels[0])}); at least two classes are required")
    return labels


class MulticlassCalibrator(BaseEstimator):
    """Base class of the multiclass calibrators: input checks, ``fit``, ``predict_proba``, ``predict``."""

    _input_kind = "logits"
    _fitted_attributes: tuple[str, ...] = ()

    def _validate_scores(self, scores) -> np.ndarray:
        matrix = check_logit_matrix(scores, "scores")
        if self._input_kind == "logits":
            return matrix

        matrix = check_probability_matrix(matrix, "scores")
        input_dtype = getattr(scores, "dtype", np.dtype(np.float64))
        if not np.issubdtype(input_dtype, np.floating):
            input_dtype = np.dtype(np.float64)
        # Clip at the caller's dtype resolution before the logarithm, as in beta calibration.
        epsilon = float(np.finfo(input_dtype).eps)
        return np.log(np.clip(matrix, epsilon, 1.0))

    def fit(self, scores, y, sample_weight=None):
        """Fit the calibration map.

        Parameters
        ----------
        scores : array-like of shape (n_samples, n_classes)
            Logits, or probabilities for :class:`DirichletCalibrator`.
        y : array-like of shape (n_samples,)
            Class indices in ``[0, n_classes)``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; None gives every item weight 1.

        Returns
        -------
        self : object
            The fitted calibrator.
        """
        features = self._validate_scores(scores)
        labels = check_class_labels(y, features.shape[1])
        check_same_length(scores=features, y=labels)
        weights = check_sample_weight(sample_weight, labels.size)

        self.n_classes_ = features.shape[1]
        self._fit(features, labels, weights / weights.sum())
        self.n_features_in_ = self.n_classes_
        return self

    def predict_proba(self, scores) -> np.ndarray:
        """Return calibrated class probabilities.

        Parameters
        ----------
        scores : array-like of shape (n_samples, n_classes)
            Scores in the same form as those passed to ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to one.
        """
        check_is_fitted(self)
        features = self._validate_scores(scores)
        if features.shape[1] != self.n_classes_:
            raise ValueError(
                f"scores has {features.shape[1]} columns but the calibrator was fitted on {self.n_classes_}"
            )
        return softmax(self._calibrated_logits(features), axis=1)

    def predict(self, scores) -> np.ndarray:
        """Return the most probable class of each row.

        Parameters
        ----------
        scores : array-like of shape (n_samples, n_classes)

        Returns
        -------
        ndarray of shape (n_samples,) of int
        """
        return np.argmax(self.predict_proba(scores), axis=1)


class MulticlassTemperatureCalibrator(MulticlassCalibrator):
    """Temperature scaling of class logits: ``softmax(z / T)`` with one positive temperature.

    Takes **logits**. The fit finds the root of the derivative of the cross-entropy with
    respect to :math:`1/T` in log T, with the same bounds and warnings as the binary
    :class:`~casestudy.calibration.TemperatureCalibrator`. Dividing by :math:`T` keeps the
    predicted class of every row.

    Parameters
    ----------
    min_temperature : float, default=0.01
        Lower bound of T.
    max_temperature : float, default=100.0
        Upper bound of T.

    Attributes
    ----------
    temperature_ : float
        Fitted temperature.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Equal to ``n_classes_``.

    References
    ----------
    .. [1] C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of modern neural
       networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> logits = np.array([[4.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 4.0], [4.0, 0.0, 0.0]])
    >>> calibrator = MulticlassTemperatureCalibrator().fit(logits, [0, 1, 2, 1])
    >>> bool(calibrator.temperature_ > 1)
    True
    """

    _fitted_attributes = ("n_classes_", "temperature_")

    def __init__(self, min_temperature: float = 0.01, max_temperature: float = 100.0):
        self.min_temperature = min_temperature
        self.max_temperature = max_temperature

    def _fit(self, logits, labels, weights):
        low, high = _check_temperature_bounds(self.min_temperature, self.max_temperature)
        true_logit = logits[np.arange(labels.size), labels]

        def derivative(inverse_temperature):
            expected_logit = np.sum(softmax(logits * inverse_temperature, axis=1) * logits, axis=1)
            return float(np.sum(weights * (expected_logit - true_logit)))

        self.temperature_ = solve_temperature(derivative, low, high, type(self).__name__)

    def _calibrated_logits(self, logits):
        return logits / self.temperature_


class _LinearSoftmaxCalibrator(MulticlassCalibrator):
    """Shared fit of ``softmax(features @ coef_.T + intercept_)`` by L-BFGS."""

    _fitted_attributes = ("n_classes_", "coef_", "intercept_")
    _diagonal_only = False

    def _penalty_strengths(self) -> tuple[float, float]:
        return 0.0, 0.0

    def _fit(self, features, labels, weights):
        n_classes = features.shape[1]
        reg_lambda, reg_mu = self._penalty_strengths()
        one_hot = np.eye(n_classes)[labels]
        off_diagonal = 1.0 - np.eye(n_classes)
        lambda_scale = reg_lambda / (n_classes * (n_classes - 1))
        mu_scale = reg_mu / n_classes

        def unpack(params):
            if self._diagonal_only:
                return np.diag(params[:n_classes]), params[n_classes:]
            return params[: n_classes * n_classes].reshape(n_classes, n_classes), params[n_classes * n_classes :]

        def loss_and_gradient(params):
            coef, intercept = unpack(params)
            calibrated = features @ coef.T + intercept
            log_prob = log_softmax(calibrated, axis=1)
            loss = -np.sum(weights * np.sum(one_hot * log_prob, axis=1))
            loss += lambda_scale * np.sum((coef * off_diagonal) ** 2) + mu_scale * np.sum(intercept**2)

            residual = weights[:, None] * (np.exp(log_prob) - one_hot)
            grad_coef = residual.T @ features + 2.0 * lambda_scale * coef * off_diagonal
            grad_intercept = residual.sum(axis=0) + 2.0 * mu_scale * intercept
            if self._diagonal_only:
                grad_coef = np.diag(grad_coef)
            return float(loss), np.concatenate([grad_coef.ravel(), grad_intercept])

        identity = np.ones(n_classes) if self._diagonal_only else np.eye(n_classes).ravel()
        start = np.concatenate([identity, np.zeros(n_classes)])
        result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", options=LBFGS_OPTIONS)
        if not result.success:
            logger.warning("%s: L-BFGS-B stopped without convergence: %s", type(self).__name__, result.message)

        coef, intercept = unpack(result.x)
        self.coef_ = np.array(coef, dtype=np.float64)
        self.intercept_ = np.array(intercept, dtype=np.float64)

    def _calibrated_logits(self, features):
        return features @ self.coef_.T + self.intercept_


class VectorScalingCalibrator(_LinearSoftmaxCalibrator):
    """Vector scaling: ``softmax(a * z + b)`` with one scale and one bias per class.

    Takes **logits**. Unlike temperature scaling it can change the predicted class, because
    each class gets its own scale and bias. The problem is convex in ``(a, b)``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_classes)
        Diagonal matrix of the scales ``a``.
    intercept_ : ndarray of shape (n_classes,)
        Biases ``b``.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Equal to ``n_classes_``.

    References
    ----------
    .. [1] C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of modern neural
       networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> logits = rng.normal(size=(60, 3))
    >>> y = rng.integers(0, 3, size=60)
    >>> calibrator = VectorScalingCalibrator().fit(logits, y)
    >>> calibrator.predict_proba(logits).shape
    (60, 3)
    """

    _diagonal_only = True

    def __init__(self):
        pass


class MatrixScalingCalibrator(_LinearSoftmaxCalibrator):
    """Matrix scaling: ``softmax(W z + b)`` with a full matrix, with off-diagonal regularisation.

    Takes **logits**. The penalty is
    :math:`\\lambda / (K(K-1)) \\sum_{i \\ne j} W_{ij}^2 + \\mu / K \\sum_j b_j^2`, added to the
    weighted mean cross-entropy, which shrinks the map towards a per-class scaling.

    Parameters
    ----------
    reg_lambda : float, default=0.0
        Strength :math:`\\lambda` of the off-diagonal penalty.
    reg_mu : float, default=0.0
        Strength :math:`\\mu` of the intercept penalty.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_classes)
        Matrix ``W``.
    intercept_ : ndarray of shape (n_classes,)
        Biases ``b``.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Equal to ``n_classes_``.

    References
    ----------
    .. [1] C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of modern neural
       networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> logits = rng.normal(size=(60, 3))
    >>> calibrator = MatrixScalingCalibrator(reg_lambda=0.1).fit(logits, rng.integers(0, 3, size=60))
    >>> calibrator.coef_.shape
    (3, 3)
    """

    def __init__(self, reg_lambda: float = 0.0, reg_mu: float = 0.0):
        self.reg_lambda = reg_lambda
        self.reg_mu = reg_mu

    def _penalty_strengths(self):
        return _check_penalty(self.reg_lambda, "reg_lambda"), _check_penalty(self.reg_mu, "reg_mu")


class DirichletCalibrator(MatrixScalingCalibrator):
    """Dirichlet calibration: matrix scaling on log-probabilities, with off-diagonal regularisation.

    Takes **probabilities** whose rows sum to one (within 1e-6), because the family is
    derived from class-conditional Dirichlet distributions of the probability vector. The
    logarithms are taken in float64 after clipping each probability to at least the
    machine epsilon of the caller's floating dtype. The penalty is the same as in
    :class:`MatrixScalingCalibrator`.

    Parameters
    ----------
    reg_lambda : float, default=1e-3
        Strength :math:`\\lambda` of the off-diagonal penalty.
    reg_mu : float, default=1e-3
        Strength :math:`\\mu` of the intercept penalty.

    Attributes
    ----------
    coef_ : ndarray of shape (n_classes, n_classes)
        Matrix applied to the log-probabilities.
    intercept_ : ndarray of shape (n_classes,)
        Biases.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Equal to ``n_classes_``.

    References
    ----------
    .. [1] M. Kull, M. Perello-Nieto, M. Kängsepp, T. Silva Filho, H. Song and P. Flach,
       "Beyond temperature scaling: obtaining well-calibrated multiclass probabilities
       with Dirichlet calibration", NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y_prob = rng.dirichlet(np.ones(3), size=60)
    >>> calibrator = DirichletCalibrator().fit(y_prob, rng.integers(0, 3, size=60))
    >>> bool(np.allclose(calibrator.predict_proba(y_prob).sum(axis=1), 1.0))
    True
    """

    _input_kind = "probabilities"

    def __init__(self, reg_lambda: float = 1e-3, reg_mu: float = 1e-3):
        super().__init__(reg_lambda=reg_lambda, reg_mu=reg_mu)


def _check_penalty(value, name) -> float:
    try:
        strength = float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a non-negative number; got {value!r}") from error
    if not np.isfinite(strength) or strength < 0:
        raise ValueError(f"{name} must be a non-negative finite number; got {value!r}")
    return strength
