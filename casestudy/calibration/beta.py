"""Beta calibration: a three-parameter map on probabilities."""

from __future__ import annotations

import logging

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from casestudy.calibration._base import LBFGS_OPTIONS, BinaryCalibrator

logger = logging.getLogger(__name__)


class BetaCalibrator(BinaryCalibrator):
    """Beta calibration: :math:`\\mathrm{logit}\\,p = a \\ln s - b \\ln(1 - s) + c` with :math:`a, b \\ge 0`.

    It takes **probabilities** :math:`s \\in [0, 1]`: the family is derived from
    class-conditional Beta distributions of the probability, and it contains the identity
    (:math:`a = b = 1, c = 0`) as well as sigmoid-shaped and inverse-sigmoid-shaped maps,
    which Platt scaling on the logit cannot produce.

    The features :math:`\\ln s` and :math:`-\\ln(1 - s)` are computed in float64 after
    clipping :math:`s` to :math:`[\\epsilon, 1 - \\epsilon]`, where :math:`\\epsilon` is the
    machine epsilon of the caller's floating dtype (float64 for lists and integers). A
    float32 probability cannot be closer to 1 than float32's epsilon allows, so clipping at
    that dtype's resolution treats a saturated 1.0 as the largest value the model could
    have expressed instead of as an infinite feature.

    The fit is constrained maximum likelihood (L-BFGS-B with bounds :math:`a, b \\ge 0`).
    Kull et al. instead refit without a feature whose coefficient comes out negative. Both
    keep the map non-decreasing, and the bounded fit is the exact constrained optimum of a
    convex problem.

    Attributes
    ----------
    a_ : float
        Coefficient of :math:`\\ln s`, at least 0.
    b_ : float
        Coefficient of :math:`-\\ln(1 - s)`, at least 0.
    c_ : float
        Intercept.
    n_features_in_ : int
        Always 1.

    References
    ----------
    .. [1] M. Kull, T. Silva Filho and P. Flach, "Beta calibration: a well-founded and easily
       implemented improvement on logistic calibration for binary classifiers", AISTATS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y_prob = rng.random(500)
    >>> y = (rng.random(500) < y_prob).astype(int)
    >>> calibrator = BetaCalibrator().fit(y_prob, y)
    >>> bool(calibrator.a_ >= 0 and calibrator.b_ >= 0)
    True
    """

    _score_domain = "probability"
    _fitted_attributes = ("a_", "b_", "c_")

    def __init__(self):
        pass

    def _preprocess(self, scores, input_dtype):
        epsilon = float(np.finfo(input_dtype).eps)
        return np.clip(scores, epsilon, 1.0 - epsilon)

    def _fit(self, scores, y, sample_weight):
        features = beta_features(scores)
        weights = sample_weight / sample_weight.sum()

        def loss_and_gradient(params):
            u = features @ params[:2] + params[2]
            loss = np.sum(weights * (y * np.logaddexp(0.0, -u) + (1.0 - y) * np.logaddexp(0.0, u)))
            residual = weights * (expit(u) - y)
            return float(loss), np.r_[features.T @ residual, residual.sum()]

        start = np.array([1.0, 1.0, 0.0])
        bounds = [(0.0, None), (0.0, None), (None, None)]
        result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", bounds=bounds, options=LBFGS_OPTIONS)
        if not result.success:
            logger.warning("beta calibration: L-BFGS-B stopped without convergence: %s", result.message)
        self.a_, self.b_, self.c_ = (float(value) for value in result.x)

    def _predict_proba(self, scores):
        features = beta_features(scores)
        return expit(self.a_ * features[:, 0] + self.b_ * features[:, 1] + self.c_)


def beta_features(y_prob: np.ndarray) -> np.ndarray:
    """Return the beta-calibration features ``[ln s, -ln(1 - s)]`` in float64.

    Parameters
    ----------
    y_prob : ndarray of shape (n_samples,)
        Probabilities strictly inside (0, 1); clip them first.

    Returns
    -------
    ndarray of shape (n_samples, 2)

    Examples
    --------
    >>> print(beta_features(np.array([0.5])).round(4))
    [[-0.6931  0.6931]]
    """
    y_prob = np.asarray(y_prob, dtype=np.float64)
    return np.column_stack([np.log(y_prob), -np.log1p(-y_prob)])
