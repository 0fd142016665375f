"""Tests of the scoring rules and calibration summaries in ``casestudy.metrics.scoring``.

Expected values are worked by hand in the test or come from scikit-learn and scipy.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.metrics import roc_auc_score

from casestudy.metrics import (
    LOG_LOSS_EPS,
    brier_decomposition,
    brier_score,
    calibration_in_the_large,
    calibration_ratio,
    calibration_slope_intercept,
    log_loss,
    roc_auc,
)


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(1)
    y_prob = rng.beta(1.5, 2.0, size=3001)
    y_true = (rng.random(3001) < y_prob).astype(int)
    return y_true, y_prob


# --- Brier score ----------------------------------------------------------------------------


def test_brier_hand_value():
    # ((0.9 - 1)**2 + (0.2 - 0)**2) / 2 = (0.01 + 0.04) / 2 = 0.025.
    assert brier_score([1, 0], [0.9, 0.2]) == pytest.approx(0.025, abs=1e-15)


def test_brier_matches_sklearn(scores):
    y_true, y_prob = scores
    assert brier_score(y_true, y_prob) == pytest.approx(brier_score_loss(y_true, y_prob), abs=1e-12)


def test_brier_single_class_allowed():
    # (0.5**2 + 0**2) / 2 = 0.125.
    assert brier_score([1, 1], [0.5, 1.0]) == pytest.approx(0.125, abs=1e-15)


# --- Log loss -------------------------------------------------------------------------------


def test_log_loss_hand_value():
    # -(log 0.8 + log(1 - 0.4)) / 2.
    expected = -(np.log(0.8) + np.log(0.6)) / 2
    assert log_loss([1, 0], [0.8, 0.4]) == pytest.approx(expected, abs=1e-15)


def test_log_loss_matches_sklearn(scores):
    y_true, y_prob = scores
    assert log_loss(y_true, y_prob) == pytest.approx(sklearn_log_loss(y_true, y_prob), abs=1e-12)


def test_log_loss_extremes_match_sklearn():
    y_true = [1, 0, 1, 0, 1, 0]
    y_prob = [0.0, 1.0, 1.0, 0.0, 1e-300, 1.0 - 1e-17]
    expected = sklearn_log_loss(y_true, y_prob, labels=[0, 1])
    assert log_loss(y_true, y_prob) == pytest.approx(expected, abs=1e-12)


def test_log_loss_clip_cost():
    # A probability of 0 for an observed positive is clipped to eps: cost -log(eps) nats.
    assert log_loss([1], [0.0]) == pytest.approx(-np.log(np.finfo(np.float64).eps), abs=1e-12)


def test_log_loss_clip_finite():
    assert np.isfinite(log_loss([1, 0], [0.0, 1.0]))


def test_log_loss_eps_value():
    assert LOG_LOSS_EPS == 2.0**-52


# --- ROC AUC --------------------------------------------------------------------------------


def test_roc_auc_hand_value():
    # Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 0.35 beats only 0.1, 0.8 beats
    # both, so 3 of the 4 pairs are ordered correctly: 0.75.
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75, abs=1e-15)


def test_roc_auc_ties_half():
    # One positive and one negative with the same score: half a correct pair.
    assert roc_auc([0, 1], [0.3, 0.3]) == pytest.approx(0.5, abs=1e-15)


def test_roc_auc_accepts_logits():
    assert roc_auc([0, 1], [-3.0, 2.5]) == pytest.approx(1.0, abs=1e-15)


def test_roc_auc_matches_sklearn(scores):
    y_true, y_prob = scores
    assert roc_auc(y_true, y_prob) == pytest.approx(roc_auc_score(y_true, y_prob), abs=1e-12)


def test_roc_auc_matches_pair_count(scores):
    # Brute force: fraction of (positive, negative) pairs in the right order, ties half.
    y_true, y_prob = scores
    positives = y_prob[y_true == 1][:, None]
    negatives = y_prob[y_true == 0][None, :]
    expected = np.mean((positives > negatives) + 0.5 * (positives == negatives))
    assert roc_auc(y_true, y_prob) == pytest.approx(expected, abs=1e-12)


def test_roc_auc_single_class():
    with pytest.raises(ValueError, match="y_true contains a single class"):
        roc_auc([1, 1], [0.2, 0.4])


# --- Bad input ------------------------------------------------------------------------------

BAD_INPUTS = [
    pytest.param([1, 0], [0.5, 1.2], "y_prob", id="prob-above-one"),
    pytest.param([1, 0], [-0.5, 0.5], "y_prob", id="prob-negative"),
    pytest.param([1, 0], [np.nan, 0.5], "y_prob", id="prob-nan"),
    pytest.param([1, 0], [0.5, -np.inf], "y_prob", id="prob-inf"),
    pytest.param([1, 3], [0.5, 0.5], "y_true", id="label-three"),
    pytest.param([1, np.nan], [0.5, 0.5], "y_true", id="label-nan"),
    pytest.param([1, 0, 1], [0.5, 0.5], "same length", id="length-mismatch"),
    pytest.param([], [], "empty", id="empty"),
    pytest.param([[1, 0]], [[0.5, 0.5]], "1-dimensional", id="two-dimensional"),
]


@pytest.mark.parametrize(("y_true", "y_prob", "message"), BAD_INPUTS)
def test_brier_bad_input(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        brier_score(y_true, y_prob)


@pytest.mark.parametrize(("y_true", "y_prob", "message"), BAD_INPUTS)
def test_log_loss_bad_input(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        log_loss(y_true, y_prob)


ROC_BAD_INPUTS = [
    pytest.param([1, 0], [np.nan, 0.5], "y_score", id="score-nan"),
    pytest.param([1, 0], [np.inf, 0.5], "y_score", id="score-inf"),
    pytest.param([1, 2], [0.5, 0.5], "y_true", id="label-two"),
    pytest.param([1, 0, 1], [0.5, 0.5], "same length", id="length-mismatch"),
    pytest.param([], [], "empty", id="empty"),
    pytest.param([1, 0], [[0.5, 0.5]], "1-dimensional", id="two-dimensional"),
]


@pytest.mark.parametrize(("y_true", "y_score", "message"), ROC_BAD_INPUTS)
def test_roc_auc_bad_input(y_true, y_score, message):
    with pytest.raises(ValueError, match=message):
        roc_auc(y_true, y_score)


@pytest.mark.parametrize(("y_true", "y_prob", "message"), BAD_INPUTS)
def test_decomposition_bad_input(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        brier_decomposition(y_true, y_prob)


@pytest.mark.parametrize(("y_true", "y_prob", "message"), BAD_INPUTS)
def test_ratio_bad_input(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        calibration_ratio(y_true, y_prob)


@pytest.mark.parametrize(("y_true", "y_prob", "message"), BAD_INPUTS)
def test_slope_bad_input(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        calibration_slope_intercept(y_true, y_prob)


@pytest.mark.parametrize(("y_true", "y_prob", "message"), BAD_INPUTS)
def test_in_the_large_bad_input(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        calibration_in_the_large(y_true, y_prob)


# --- Brier decomposition --------------------------------------------------------------------

MURPHY_PROB = [0.1, 0.12, 0.5, 0.52, 0.9, 0.88]
MURPHY_TRUE = [0, 0, 1, 0, 1, 1]


def test_decomposition_brier_value():
    # (0.1**2 + 0.12**2 + 0.5**2 + 0.52**2 + 0.1**2 + 0.12**2) / 6 = 0.5692 / 6.
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB)
    assert parts.brier_score == pytest.approx(0.5692 / 6, abs=1e-12)
    assert parts.brier_score == pytest.approx(0.094867, abs=1e-6)


def test_decomposition_uncertainty():
    # Three positives out of six: 0.5 * 0.5 = 0.25.
    assert brier_decomposition(MURPHY_TRUE, MURPHY_PROB).uncertainty == pytest.approx(0.25, abs=1e-15)


def test_decomposition_distinct_exact():
    # Six distinct forecasts, each its own group with rate 0 or 1:
    # reliability = mean of squared errors = Brier; resolution = mean((o - 0.5)**2) = 0.25.
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB)
    assert parts.three_term_sum == pytest.approx(parts.brier_score, abs=1e-15)


def test_decomposition_distinct_resolution():
    assert brier_decomposition(MURPHY_TRUE, MURPHY_PROB).resolution == pytest.approx(0.25, abs=1e-15)


def test_decomposition_distinct_within_terms_zero():
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB)
    assert (parts.within_bin_variance, parts.within_bin_covariance) == (0.0, 0.0)


def test_decomposition_ties_exact():
    # Forecasts 0.3 (x3, one positive) and 0.8 (x2, both positive); base rate 3/5.
    # reliability = 3/5 (0.3 - 1/3)**2 + 2/5 (0.8 - 1)**2 = 1/1500 + 0.016
    # resolution  = 3/5 (1/3 - 0.6)**2 + 2/5 (1 - 0.6)**2 = 0.0426667 + 0.064
    # uncertainty = 0.6 * 0.4 = 0.24
    parts = brier_decomposition([1, 0, 0, 1, 1], [0.3, 0.3, 0.3, 0.8, 0.8])
    assert parts.reliability == pytest.approx(1 / 1500 + 0.016, abs=1e-12)
    assert parts.resolution == pytest.approx(0.6 * (4 / 15) ** 2 + 0.4 * 0.16, abs=1e-12)
    assert parts.three_term_sum == pytest.approx(parts.brier_score, abs=1e-15)


def test_decomposition_ties_groups():
    assert brier_decomposition([1, 0, 0, 1, 1], [0.3, 0.3, 0.3, 0.8, 0.8]).n_groups == 2


def test_decomposition_binned_reliability():
    # Bins [0, 1/3), [1/3, 2/3), [2/3, 1]: mean forecasts 0.11, 0.51, 0.89, rates 0, 0.5, 1.
    # reliability = (2/6)(0.11**2 + 0.01**2 + 0.11**2) = 0.0243 / 3 = 0.0081.
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB, n_bins=3)
    assert parts.reliability == pytest.approx(0.0081, abs=1e-12)


def test_decomposition_binned_resolution():
    # (2/6)((0 - 0.5)**2 + 0 + (1 - 0.5)**2) = 1/6.
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB, n_bins=3)
    assert parts.resolution == pytest.approx(1 / 6, abs=1e-12)


def test_decomposition_binned_three_terms():
    # 0.0081 - 1/6 + 0.25 = 0.0914333..., not the Brier score 0.0948667.
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB, n_bins=3)
    assert parts.three_term_sum == pytest.approx(0.0081 - 1 / 6 + 0.25, abs=1e-12)
    assert parts.three_term_sum == pytest.approx(0.091433, abs=1e-6)


def test_decomposition_binned_within_variance():
    # Each bin contains two forecasts 0.01 from its mean: 6 * 0.01**2 / 6 = 1e-4.
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB, n_bins=3)
    assert parts.within_bin_variance == pytest.approx(1e-4, abs=1e-12)


def test_decomposition_binned_within_covariance():
    # Only the middle bin has varying labels: (0.5 - 0.51)(1 - 0.5) + (0.52 - 0.51)(0 - 0.5)
    # = -0.01; times 2 / 6 gives -0.01 / 3.
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB, n_bins=3)
    assert parts.within_bin_covariance == pytest.approx(-0.01 / 3, abs=1e-12)


def test_decomposition_binned_closes_gap():
    parts = brier_decomposition(MURPHY_TRUE, MURPHY_PROB, n_bins=3)
    total = parts.three_term_sum + parts.within_bin_variance - parts.within_bin_covariance
    assert total == pytest.approx(parts.brier_score, abs=1e-15)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_decomposition_binned_closes_gap_random(scores, strategy):
    y_true, y_prob = scores
    parts = brier_decomposition(y_true, y_prob, n_bins=10, strategy=strategy)
    total = parts.three_term_sum + parts.within_bin_variance - parts.within_bin_covariance
    assert total == pytest.approx(parts.brier_score, abs=1e-12)


def test_decomposition_distinct_matches_brier_random(scores):
    y_true, y_prob = scores
    parts = brier_decomposition(y_true, np.round(y_prob, 2))
    assert parts.three_term_sum == pytest.approx(brier_score_loss(y_true, np.round(y_prob, 2)), abs=1e-12)


def test_decomposition_grouping_label():
    assert brier_decomposition([0, 1], [0.2, 0.7], n_bins=4, strategy="quantile").grouping == "quantile"


def test_decomposition_bad_bins():
    with pytest.raises(ValueError, match="n_bins"):
        brier_decomposition([0, 1], [0.2, 0.7], n_bins=0)


def test_decomposition_bad_strategy():
    with pytest.raises(ValueError, match="strategy"):
        brier_decomposition([0, 1], [0.2, 0.7], n_bins=3, strategy="width")


# --- Calibration slope, intercept, in-the-large and ratio -----------------------------------


@pytest.fixture(scope="module")
def overconfident():
    # True probabilities expit(z); the model reports expit(2 z), too extreme, and shifted.
    rng = np.random.default_rng(2)
    z = rng.normal(0.0, 1.5, size=4000)
    y_true = (rng.random(4000) < expit(z)).astype(int)
    return y_true, expit(2.0 * z + 0.3)


def test_slope_matches_sklearn(overconfident):
    y_true, y_prob = overconfident
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(logit(y_prob)[:, None], y_true)
    result = calibration_slope_intercept(y_true, y_prob)
    assert result.slope == pytest.approx(reference.coef_[0, 0], abs=1e-6)


def test_intercept_matches_sklearn(overconfident):
    y_true, y_prob = overconfident
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(logit(y_prob)[:, None], y_true)
    result = calibration_slope_intercept(y_true, y_prob)
    assert result.intercept == pytest.approx(reference.intercept_[0], abs=1e-6)


def test_slope_overconfident_near_half(overconfident):
    # The reported logit is 2 z + 0.3, so the true recalibration slope is 1/2.
    y_true, y_prob = overconfident
    assert calibration_slope_intercept(y_true, y_prob).slope == pytest.approx(0.5, abs=0.05)


def test_slope_score_equations(overconfident):
    # At the maximum-likelihood fit the residuals are orthogonal to 1 and to the logit.
    y_true, y_prob = overconfident
    result = calibration_slope_intercept(y_true, y_prob)
    fitted = expit(result.intercept + result.slope * logit(y_prob))
    assert np.sum(y_true - fitted) == pytest.approx(0.0, abs=1e-6)
    assert np.sum((y_true - fitted) * logit(y_prob)) == pytest.approx(0.0, abs=1e-6)


def test_slope_single_class():
    with pytest.raises(ValueError, match="y_true contains a single class"):
        calibration_slope_intercept([1, 1, 1], [0.2, 0.5, 0.9])


@pytest.mark.parametrize(
    ("y_true", "y_prob"),
    [
        pytest.param([0, 1], [0.2, 0.8], id="separated"),
        pytest.param([1, 0], [0.2, 0.8], id="reversed"),
        pytest.param([0, 1, 0, 1], [0.2, 0.5, 0.5, 0.9], id="tie-at-threshold"),
    ],
)
def test_slope_separable(y_true, y_prob):
    with pytest.raises(ValueError, match="y_prob separates the labels"):
        calibration_slope_intercept(y_true, y_prob)


def test_slope_constant_predictor():
    with pytest.raises(ValueError, match="y_prob is constant"):
        calibration_slope_intercept([0, 1, 1], [0.4, 0.4, 0.4])


def test_slope_extreme_probabilities_finite():
    result = calibration_slope_intercept([0, 1, 1, 0, 1], [0.0, 1.0, 0.6, 0.3, 0.2])
    assert np.isfinite([result.slope, result.intercept]).all()


def test_in_the_large_constant():
    # Constant prediction 0.5 with rate 3/4: a = logit(0.75) - logit(0.5) = log 3.
    assert calibration_in_the_large([0, 1, 1, 1], [0.5] * 4) == pytest.approx(np.log(3.0), abs=1e-9)


def test_in_the_large_matches_root(overconfident):
    # Independent solution of the score equation sum(y) = sum(expit(a + logit p)) by brentq.
    y_true, y_prob = overconfident
    offsets = logit(y_prob)
    expected = brentq(lambda a: np.sum(y_true - expit(a + offsets)), -10.0, 10.0, xtol=1e-14)
    assert calibration_in_the_large(y_true, y_prob) == pytest.approx(expected, abs=1e-8)


def test_in_the_large_differs_from_intercept(overconfident):
    y_true, y_prob = overconfident
    joint = calibration_slope_intercept(y_true, y_prob).intercept
    assert abs(calibration_in_the_large(y_true, y_prob) - joint) > 0.01


def test_in_the_large_single_class():
    with pytest.raises(ValueError, match="y_true contains a single class"):
        calibration_in_the_large([0, 0], [0.2, 0.5])


def test_ratio_hand_value():
    # (0.5 + 0.5 + 0.75 + 0.25) / 2 = 1.0.
    assert calibration_ratio([0, 1, 1, 0], [0.5, 0.5, 0.75, 0.25]) == pytest.approx(1.0, abs=1e-15)


def test_ratio_overpredicts():
    # (0.9 + 0.8 + 0.7) / 1 = 2.4.
    assert calibration_ratio([1, 0, 0], [0.9, 0.8, 0.7]) == pytest.approx(2.4, abs=1e-12)


def test_ratio_no_positive():
    with pytest.raises(ValueError, match="y_true contains no positive label"):
        calibration_ratio([0, 0], [0.2, 0.4])
