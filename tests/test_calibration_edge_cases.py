"""Edge cases of the binary calibrators, each with the expected value worked out independently."""

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit

from casestudy.calibration import (
    CalibrationWarning,
    CentredIsotonicCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    TemperatureCalibrator,
)


def _brute_force_pav(x, y):
    """Pool tied x, then merge adjacent violators until the means increase (a slow reference)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    blocks = [[float(value), float(y[x == value].sum()), float((x == value).sum())] for value in np.unique(x)]
    merged = True
    while merged:
        merged = False
        for i in range(len(blocks) - 1):
            if blocks[i][1] / blocks[i][2] >= blocks[i + 1][1] / blocks[i + 1][2]:
                blocks[i] = [blocks[i][0], blocks[i][1] + blocks[i + 1][1], blocks[i][2] + blocks[i + 1][2]]
                del blocks[i + 1]
                merged = True
                break
    fitted = {}
    for start, (_, total, count) in enumerate(blocks):
        upper = blocks[start + 1][0] if start + 1 < len(blocks) else np.inf
        for value in np.unique(x):
            if blocks[start][0] <= value < upper:
                fitted[value] = total / count
    return np.array([fitted[value] for value in x])


# --- isotonic ---------------------------------------------------------------------------


def test_isotonic_ties_pooled():
    # Pooling the ties at x = 1 gives 0.5 with weight 2; it violates the 0 at x = 2, and the
    # merged block has mean (0 + 1 + 0) / 3 = 1/3.
    x = [0, 1, 1, 2, 3]
    y = [0, 0, 1, 0, 1]
    fitted = IsotonicCalibrator().fit(x, y).predict_proba(x)
    np.testing.assert_allclose(fitted, [0, 1 / 3, 1 / 3, 1 / 3, 1])


def test_isotonic_ties_match_brute_force():
    x = [0, 1, 1, 2, 3]
    y = [0, 0, 1, 0, 1]
    fitted = IsotonicCalibrator().fit(x, y).predict_proba(x)
    np.testing.assert_allclose(fitted, _brute_force_pav(x, y))


def test_isotonic_random_ties_match_brute_force():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 12, size=60).astype(float)
    y = (rng.random(60) < x / 12).astype(int)
    fitted = IsotonicCalibrator().fit(x, y).predict_proba(x)
    np.testing.assert_allclose(fitted, _brute_force_pav(x, y), atol=1e-12)


def test_isotonic_clips_outside_range():
    calibrator = IsotonicCalibrator().fit([0, 0, 1], [0, 0, 1])
    assert calibrator.predict_proba([0.0])[0] == 0.0
    assert calibrator.predict_proba([-1.0])[0] == 0.0
    assert calibrator.predict_proba([2.0])[0] == 1.0


def test_isotonic_constant_input():
    calibrator = IsotonicCalibrator().fit([1, 1, 1, 1], [0, 1, 1, 0])
    np.testing.assert_allclose(calibrator.predict_proba([-3.0, 1.0, 7.0]), 0.5)


def test_centred_isotonic_constant_input():
    calibrator = CentredIsotonicCalibrator(tie_break=0.0).fit([1, 1, 1, 1], [0, 1, 1, 0])
    np.testing.assert_allclose(calibrator.predict_proba([-3.0, 1.0, 7.0]), 0.5)


def test_centred_isotonic_ties_centre():
    # Blocks as in the pooled example: {0} -> 0 at 0, {1, 1, 2} -> 1/3 at (1 + 1 + 2) / 3,
    # {3} -> 1 at 3.
    calibrator = CentredIsotonicCalibrator(tie_break=0.0).fit([0, 1, 1, 2, 3], [0, 0, 1, 0, 1])
    np.testing.assert_allclose(calibrator.knots_x_, [0, 4 / 3, 3])
    np.testing.assert_allclose(calibrator.knots_y_, [0, 1 / 3, 1])


# --- Platt on a single class ------------------------------------------------------------


def test_platt_single_class_smoothed_slope():
    calibrator = PlattCalibrator(smooth_targets=True).fit([0.2, 0.6, 0.7], [1, 1, 1])
    assert calibrator.coef_ == 0.0


def test_platt_single_class_smoothed_intercept():
    # Three positives: target (3 + 1) / (3 + 2) = 0.8, and logit(0.8) = log(4).
    calibrator = PlattCalibrator(smooth_targets=True).fit([0.2, 0.6, 0.7], [1, 1, 1])
    assert calibrator.intercept_ == pytest.approx(np.log(4.0), abs=1e-12)
    assert calibrator.intercept_ == pytest.approx(1.386294, abs=1e-6)


def test_platt_single_class_smoothed_predictions():
    calibrator = PlattCalibrator(smooth_targets=True).fit([0.2, 0.6, 0.7], [1, 1, 1])
    np.testing.assert_allclose(calibrator.predict_proba([-10.0, 0.2, 0.7, 10.0]), 0.8)


def test_platt_single_negative_class_smoothed():
    # Two negatives: target 1 / (2 + 2) = 0.25.
    calibrator = PlattCalibrator(smooth_targets=True).fit([0.1, 0.4], [0, 0])
    np.testing.assert_allclose(calibrator.predict_proba([0.0, 5.0]), 0.25)


def test_platt_single_class_plain_raises():
    with pytest.raises(ValueError, match="single class"):
        PlattCalibrator().fit([0.2, 0.6, 0.7], [1, 1, 1])


# --- temperature ------------------------------------------------------------------------


def test_temperature_separable_stops_at_lower_bound():
    z = [2.0, -1.0, 3.0, -0.5]
    y = [1, 0, 1, 0]
    with pytest.warns(CalibrationWarning, match="lower bound"):
        calibrator = TemperatureCalibrator().fit(z, y)
    assert calibrator.temperature_ == pytest.approx(0.01)


def test_temperature_separable_predictions_finite():
    z = [2.0, -1.0, 3.0, -0.5]
    with pytest.warns(CalibrationWarning):
        calibrator = TemperatureCalibrator().fit(z, [1, 0, 1, 0])
    values = calibrator.predict_proba(z)
    assert np.isfinite(values).all()
    assert calibrator.temperature_ > 0


def test_temperature_wrong_logits_run_to_upper_bound():
    # d loss / d(1/T) = 2 sigma(2/T) + sigma(1/T) > 0 for every T > 0: the loss falls as 1/T
    # falls, so the constrained optimum is the largest allowed T.
    with pytest.warns(CalibrationWarning, match="upper bound"):
        calibrator = TemperatureCalibrator().fit([2.0, -1.0], [0, 1])
    assert calibrator.temperature_ == pytest.approx(100.0)


def test_temperature_wrong_logits_predict_near_half():
    with pytest.warns(CalibrationWarning):
        calibrator = TemperatureCalibrator(max_temperature=1e6).fit([2.0, -1.0], [0, 1])
    np.testing.assert_allclose(calibrator.predict_proba([2.0, -1.0]), 0.5, atol=1e-5)


def test_temperature_well_posed_value():
    # With beta = 1/T the derivative of the loss is 2 sigma(beta) - 4 sigma(-2 beta), so
    # beta solves sigma(beta) = 2 sigma(-2 beta).
    beta = brentq(lambda b: expit(b) - 2 * expit(-2 * b), 1e-6, 10, xtol=1e-14)
    calibrator = TemperatureCalibrator().fit([2.0, -2.0, 1.0, -1.0], [1, 0, 0, 1])
    assert calibrator.temperature_ == pytest.approx(1 / beta, rel=1e-9)
    assert calibrator.temperature_ == pytest.approx(2.383122, abs=1e-6)
