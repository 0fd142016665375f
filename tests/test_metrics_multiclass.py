"""Tests of the multiclass calibration errors: top-label (confidence) ECE and classwise ECE."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import calibration_curve

from casestudy.metrics import classwise_ece, expected_calibration_error, top_label_ece

# Three samples, three classes. Predicted classes 0, 1, 0 with confidences 0.6, 0.5, 0.4;
# true classes 0, 2, 0, so the predictions are right, wrong, right.
Y_TRUE = [0, 2, 0]
Y_PROB = [
    [0.6, 0.3, 0.1],
    [0.2, 0.5, 0.3],
    [0.4, 0.35, 0.25],
]


def test_top_label_one_bin():
    # One bin: mean confidence (0.6 + 0.5 + 0.4) / 3 = 0.5, accuracy 2/3: gap 1/6.
    assert top_label_ece(Y_TRUE, Y_PROB, n_bins=1) == pytest.approx(1 / 6, abs=1e-12)


def test_top_label_two_bins():
    # Bins [0, 0.5) and [0.5, 1]. First: 0.4, right, gap 0.6. Second: 0.6 right and 0.5 wrong,
    # mean 0.55, accuracy 0.5, gap 0.05. ECE = 1/3 * 0.6 + 2/3 * 0.05 = 0.2 + 1/30.
    assert top_label_ece(Y_TRUE, Y_PROB, n_bins=2) == pytest.approx(0.2 + 1 / 30, abs=1e-12)


def test_top_label_max_norm():
    assert top_label_ece(Y_TRUE, Y_PROB, n_bins=2, norm="max") == pytest.approx(0.6, abs=1e-12)


def test_top_label_argmax_tie_lowest_class():
    # Tie between classes 0 and 1 at 0.5: class 0 is predicted. True class 0: correct,
    # so confidence 0.5 against accuracy 1 gives 0.5.
    assert top_label_ece([0], [[0.5, 0.5]], n_bins=1) == pytest.approx(0.5, abs=1e-12)


def test_top_label_binary_equals_confidence_ece():
    # For two classes, the top-label ECE is the binary ECE of (correct, max probability).
    rng = np.random.default_rng(0)
    p1 = rng.random(500)
    y_true = (rng.random(500) < p1).astype(int)
    y_prob = np.column_stack([1 - p1, p1])
    confidence = np.maximum(p1, 1 - p1)
    correct = (np.where(p1 > 0.5, 1, 0) == y_true).astype(int)
    expected = expected_calibration_error(correct, confidence, n_bins=10)
    assert top_label_ece(y_true, y_prob, n_bins=10) == pytest.approx(expected, abs=1e-12)


def test_top_label_matches_sklearn_curve():
    # Rebuild the confidence ECE from scikit-learn's calibration_curve on continuous scores.
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2000, 4)) * 2.0
    y_prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_true = np.array([rng.choice(4, p=row) for row in y_prob])
    confidence = y_prob.max(axis=1)
    correct = (y_prob.argmax(axis=1) == y_true).astype(int)
    prob_true, prob_pred = calibration_curve(correct, confidence, n_bins=15)
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 16)[1:-1], confidence), minlength=15)
    expected = np.sum(counts[counts > 0] / 2000 * np.abs(prob_true - prob_pred))
    assert top_label_ece(y_true, y_prob, n_bins=15) == pytest.approx(expected, abs=1e-12)


def test_classwise_one_bin_per_class():
    # Class 0: mean probability (0.6 + 0.2 + 0.4) / 3 = 0.4, frequency 2/3, gap 4/15.
    # Class 1: mean 1.15 / 3, frequency 0, gap 1.15 / 3.
    # Class 2: mean 0.65 / 3, frequency 1/3, gap 0.35 / 3.
    result = classwise_ece(Y_TRUE, Y_PROB, n_bins=1)
    np.testing.assert_allclose(result.per_class, [4 / 15, 1.15 / 3, 0.35 / 3], rtol=0, atol=1e-12)


def test_classwise_mean():
    # (4/15 + 1.15/3 + 0.35/3) / 3 = (0.8 / 3 + 1.5 / 3) / 3 = 2.3 / 9.
    assert classwise_ece(Y_TRUE, Y_PROB, n_bins=1).value == pytest.approx(2.3 / 9, abs=1e-12)


def test_classwise_matches_binary_loop():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(800, 3))
    y_prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_true = rng.integers(0, 3, size=800)
    expected = [
        expected_calibration_error((y_true == k).astype(int), y_prob[:, k], n_bins=8, strategy="quantile")
        for k in range(3)
    ]
    result = classwise_ece(y_true, y_prob, n_bins=8, strategy="quantile")
    np.testing.assert_allclose(result.per_class, expected, rtol=0, atol=1e-12)


def test_classwise_per_class_read_only():
    result = classwise_ece(Y_TRUE, Y_PROB, n_bins=1)
    with pytest.raises(ValueError):
        result.per_class[0] = 0.0


def test_classwise_float_labels_accepted():
    result = classwise_ece([0.0, 2.0, 0.0], Y_PROB, n_bins=1)
    assert result.value == pytest.approx(2.3 / 9, abs=1e-12)


BAD_INPUTS = [
    pytest.param([0, 3, 0], Y_PROB, {}, "y_true", id="label-out-of-range"),
    pytest.param([0, -1, 0], Y_PROB, {}, "y_true", id="label-negative"),
    pytest.param([0, 1.5, 0], Y_PROB, {}, "y_true", id="label-fractional"),
    pytest.param([0, np.nan, 0], Y_PROB, {}, "y_true", id="label-nan"),
    pytest.param(["a", "b", "a"], Y_PROB, {}, "y_true", id="label-string"),
    pytest.param([[0, 1, 0]], Y_PROB, {}, "y_true", id="label-two-dimensional"),
    pytest.param([], np.empty((0, 3)), {}, "empty", id="empty"),
    pytest.param([0, 1], Y_PROB, {}, "same length", id="length-mismatch"),
    pytest.param([0, 1, 0], [0.5, 0.5, 0.5], {}, "y_prob", id="prob-one-dimensional"),
    pytest.param([0, 1, 0], [[1.0], [1.0], [1.0]], {}, "y_prob", id="prob-one-class"),
    pytest.param([0, 1], [[0.5, 0.6], [0.5, 0.5]], {}, "y_prob", id="prob-row-sum"),
    pytest.param([0, 1], [[1.2, -0.2], [0.5, 0.5]], {}, "y_prob", id="prob-outside"),
    pytest.param([0, 1], [[np.nan, 0.5], [0.5, 0.5]], {}, "y_prob", id="prob-nan"),
    pytest.param(Y_TRUE, Y_PROB, {"n_bins": 0}, "n_bins", id="zero-bins"),
    pytest.param(Y_TRUE, Y_PROB, {"strategy": "width"}, "strategy", id="bad-strategy"),
    pytest.param(Y_TRUE, Y_PROB, {"norm": "l3"}, "norm", id="bad-norm"),
]


@pytest.mark.parametrize(("y_true", "y_prob", "kwargs", "message"), BAD_INPUTS)
def test_top_label_bad_input(y_true, y_prob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        top_label_ece(y_true, y_prob, **kwargs)


@pytest.mark.parametrize(("y_true", "y_prob", "kwargs", "message"), BAD_INPUTS)
def test_classwise_bad_input(y_true, y_prob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        classwise_ece(y_true, y_prob, **kwargs)


@pytest.mark.parametrize("function", [top_label_ece, classwise_ece])
def test_nonfinite_probability_shown(function):
    # The message used to name y_prob without the value or the row.
    y_prob = [[0.5, 0.5], [0.2, 0.8], [np.inf, 0.0]]
    with pytest.raises(ValueError, match=r"y_prob contains NaN or infinite values \[inf\] in rows \[2\]"):
        function([0, 1, 1], y_prob)
