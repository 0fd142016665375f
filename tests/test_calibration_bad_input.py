"""Bad input to the binary calibrators: every case raises a ValueError that names the argument."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from casestudy.calibration import (
    ArticleSigmoidCalibrator,
    CentredIsotonicCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    TemperatureCalibrator,
)

ALL_BINARY = [
    ArticleSigmoidCalibrator,
    PlattCalibrator,
    TemperatureCalibrator,
    IsotonicCalibrator,
    CentredIsotonicCalibrator,
]
SCORES = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2])
LABELS = np.array([0, 0, 1, 1, 1, 0])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_nan_score_rejected(cls):
    with pytest.raises(ValueError, match=r"scores contains NaN or infinite values \[nan\]"):
        cls().fit([0.1, np.nan, 0.5, 0.7], [0, 1, 0, 1])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_infinite_score_rejected(cls):
    with pytest.raises(ValueError, match=r"scores contains NaN or infinite values \[inf\]"):
        cls().fit([0.1, np.inf, 0.5, 0.7], [0, 1, 0, 1])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_nan_score_rejected_in_predict(cls):
    calibrator = cls().fit(SCORES, LABELS)
    with pytest.raises(ValueError, match="scores contains NaN"):
        calibrator.predict_proba([0.5, np.nan])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_length_mismatch_rejected(cls):
    with pytest.raises(ValueError, match="scores has 6, y has 5"):
        cls().fit(SCORES, LABELS[:5])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_empty_rejected(cls):
    with pytest.raises(ValueError, match="scores is empty"):
        cls().fit([], [])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_non_binary_labels_rejected(cls):
    with pytest.raises(ValueError, match=r"y must contain only the labels 0 and 1; got \[2"):
        cls().fit(SCORES, [0, 1, 2, 1, 0, 1])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_single_class_rejected(cls):
    with pytest.raises(ValueError, match=r"y contains a single class \(0\)"):
        cls().fit(SCORES, np.zeros(6, dtype=int))


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_two_columns_rejected(cls):
    with pytest.raises(ValueError, match=r"scores must have shape \(n_samples,\) or \(n_samples, 1\)"):
        cls().fit(np.c_[SCORES, SCORES], LABELS)


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_non_numeric_rejected(cls):
    with pytest.raises(ValueError, match="scores must be numeric"):
        cls().fit(["a", "b"], [0, 1])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_predict_before_fit(cls):
    with pytest.raises(NotFittedError):
        cls().predict_proba(SCORES)


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_negative_sample_weight_rejected(cls):
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        cls().fit(SCORES, LABELS, sample_weight=[1, 1, -1, 1, 1, 1])


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_zero_sample_weight_rejected(cls):
    with pytest.raises(ValueError, match="sample_weight must have a positive sum"):
        cls().fit(SCORES, LABELS, sample_weight=np.zeros(6))


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_sample_weight_length_rejected(cls):
    with pytest.raises(ValueError, match="sample_weight has 3"):
        cls().fit(SCORES, LABELS, sample_weight=[1, 1, 1])


def test_article_probability_above_one_rejected():
    with pytest.raises(ValueError, match=r"scores has values outside \[0, 1\]: \[1.5\]"):
        ArticleSigmoidCalibrator().fit([0.2, 1.5, 0.4], [0, 1, 1])


def test_article_negative_probability_rejected_in_predict():
    calibrator = ArticleSigmoidCalibrator().fit(SCORES, LABELS)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]: \[-0.2\]"):
        calibrator.predict_proba([-0.2, 0.5])


def test_article_bad_max_abs_alpha():
    with pytest.raises(ValueError, match="max_abs_alpha must be a positive finite number; got -1"):
        ArticleSigmoidCalibrator(max_abs_alpha=-1).fit(SCORES, LABELS)


@pytest.mark.parametrize("low, high", [(0.0, 10.0), (5.0, 1.0), (-1.0, 2.0), (1.0, np.inf)])
def test_temperature_bad_bounds(low, high):
    with pytest.raises(ValueError, match="0 < min_temperature < max_temperature"):
        TemperatureCalibrator(min_temperature=low, max_temperature=high).fit(SCORES, LABELS)


@pytest.mark.parametrize("value", [-0.1, 1.0])
def test_centred_isotonic_bad_tie_break(value):
    with pytest.raises(ValueError, match=r"tie_break must be in \[0, 1\)"):
        CentredIsotonicCalibrator(tie_break=value).fit(SCORES, LABELS)
