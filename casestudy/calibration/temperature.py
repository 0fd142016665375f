"""Temperature scaling for binary logits."""

from __future__ import annotations

import logging
import warnings

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from casestudy.calibration._base import BinaryCalibrator, CalibrationWarning

logger = logging.getLogger(__name__)


class TemperatureCalibrator(BinaryCalibrator):
    """Temperature scaling: :math:`p = \\sigma(z / T)` with one positive temperature :math:`T`.

    It takes **logits**: dividing a logit by :math:`T > 0` changes confidence without
    changing the order of the scores or which side of 0.5 they fall on, which is the whole
    point of the method. A probability would have to be turned back into a logit first.

    The fit minimises the weighted cross-entropy over :math:`\\log T` in
    ``[log(min_temperature), log(max_temperature)]``, so :math:`T` stays positive. The loss
    is convex in :math:`1/T`, so its derivative
    :math:`\\sum_i w_i (\\sigma(z_i / T) - y_i) z_i` changes sign at most once over the
    bracket. Brent's root finder (:func:`scipy.optimize.brentq`) locates that sign change
    from the analytic derivative; this takes about a dozen passes over the data, which is
    why it is used instead of a general-purpose optimiser.

    Parameters
    ----------
    min_temperature : float, default=0.01
        Lower bound of :math:`T`. Reached on separable logits, where the loss keeps
        falling as :math:`T \\to 0`.
    max_temperature : float, default=100.0
        Upper bound of :math:`T`. Reached when the logits are mostly wrong, where an
        unconstrained fit would want a negative temperature; predictions then approach 0.5.

    Attributes
    ----------
    temperature_ : float
        Fitted temperature, within the bounds.
    n_features_in_ : int
        Always 1.

    Warns
    -----
    CalibrationWarning
        When the optimum is at a bound, and when all logits are 0 (any temperature fits
        equally well; ``temperature_`` is then 1).

    References
    ----------
    .. [1] C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of modern neural
       networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> calibrator = TemperatureCalibrator().fit([2.0, -2.0, 1.0, -1.0], [1, 0, 0, 1])
    >>> print(round(calibrator.temperature_, 6))
    2.383122
    """

    _score_domain = "logit"
    _fitted_attributes = ("temperature_",)

    def __init__(self, min_temperature: float = 0.01, max_temperature: float = 100.0):
        self.min_temperature = min_temperature
        self.max_temperature = max_temperature

    def _fit(self, scores, y, sample_weight):
        low, high = _check_temperature_bounds(self.min_temperature, self.max_temperature)

        if not np.any(scores):
            warnings.warn(
                "TemperatureCalibrator: all logits are 0, so every temperature gives the same "
                "predictions (0.5); temperature_ is set to 1.",
                CalibrationWarning,
                stacklevel=3,
            )
            self.temperature_ = 1.0
            return

        weights = sample_weight / sample_weight.sum()
        weighted_scores = weights * scores
        target_term = float(np.sum(weighted_scores * y))

        def derivative_in_inverse_temperature(inverse_temperature):
            return float(np.sum(weighted_scores * expit(scores * inverse_temperature))) - target_term

        self.temperature_ = solve_temperature(derivative_in_inverse_temperature, low, high, "TemperatureCalibrator")
        logger.info("temperature scaling: T = %.6g", self.temperature_)

    def _predict_proba(self, scores):
        return expit(scores / self.temperature_)


def solve_temperature(derivative, low: float, high: float, owner: str) -> float:
    """Return the temperature in [low, high] where a convex loss in 1/T is smallest.

    ``derivative(beta)`` is the derivative of the loss with respect to the inverse
    temperature ``beta = 1/T``; it is non-decreasing because the loss is convex in
    ``beta``. The root is searched in log T with Brent's method. When the derivative has
    the same sign over the whole bracket, the optimum lies outside it: the bound is
    returned and a :class:`CalibrationWarning` names the side and the reason.

    Parameters
    ----------
    derivative : callable
        Maps ``beta`` (float) to d loss / d beta (float).
    low, high : float
        Bounds of T, with 0 < low < high.
    owner : str
        Class name used in the warning.

    Returns
    -------
    float
        The fitted temperature.
    """
    log_low, log_high = np.log(low), np.log(high)

    def derivative_in_log_temperature(log_temperature):
        return derivative(np.exp(-log_temperature))

    if derivative_in_log_temperature(log_low) <= 0:
        reason = "the logits separate the classes, so the loss keeps falling as T -> 0"
        _warn_bound(owner, "lower", low, reason)
        return float(low)
    if derivative_in_log_temperature(log_high) >= 0:
        reason = "the logits are mostly wrong, and an unconstrained fit would want T <= 0 or T -> infinity"
        _warn_bound(owner, "upper", high, reason)
        return float(high)
    log_temperature = brentq(derivative_in_log_temperature, log_low, log_high, xtol=1e-12, rtol=1e-14)
    return float(np.exp(log_temperature))


def _warn_bound(owner, side, value, reason):
    warnings.warn(
        f"{owner}: the fitted temperature is at the {side} bound T = {value:g} "
        f"because {reason}. Widen min_temperature/max_temperature or check the logits.",
        CalibrationWarning,
        stacklevel=5,
    )


def _check_temperature_bounds(low, high) -> tuple[float, float]:
    try:
        low_value, high_value = float(low), float(high)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"min_temperature and max_temperature must be numbers; got {low!r} and {high!r}"
        ) from error
    if not (np.isfinite(low_value) and np.isfinite(high_value) and 0 < low_value < high_value):
        raise ValueError(
            "temperature bounds must satisfy 0 < min_temperature < max_temperature < inf; "
            f"got min_temperature={low!r}, max_temperature={high!r}"
        )
    return low_value, high_value
