"""Tests of the scoring rules and calibration summaries in ``casestudy.metrics.scoring``.

Expected values are worked by hand in the test or come from scikit-learn and scipy.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sklearn_log_loss
from sklearn.metrics import roc_auc_score

from casestudy.metrics import LOG_LOSS_EPS, brier_score, log_loss, roc_auc


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
