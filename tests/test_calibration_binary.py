"""Tests of the binary calibrators against independent computations.

Expected values come from scikit-learn, scipy optimisers run on the formulas written out
here, brute-force loops, or values worked out by hand in the comments.
"""

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from casestudy.calibration import (
    ArticleSigmoidCalibrator,
    CentredIsotonicCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    TemperatureCalibrator,
    article_beta_lower_bound,
    article_output_range,
    platt_targets,
)


def _noisy_logits(n=400, seed=0, scale=2.5):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n)
    y = (rng.random(n) < expit(truth)).astype(int)
    return scale * truth, y


def _log_loss(y, p):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))


# --- the article's sigmoid map ---------------------------------------------------------


def test_article_predict_matches_formula():
    y_prob, y = _noisy_logits()
    y_prob = expit(y_prob)
    calibrator = ArticleSigmoidCalibrator().fit(y_prob, y)
    expected = 1 / (1 + np.exp(-y_prob * calibrator.alpha_)) * (1 - calibrator.beta_) + calibrator.beta_
    np.testing.assert_allclose(calibrator.predict_proba(y_prob), expected, rtol=1e-12)


def test_article_fit_reaches_brute_force_optimum():
    logits, y = _noisy_logits(seed=1)
    y_prob = expit(logits)

    def loss(params):
        alpha, beta = params
        if beta >= 1 or beta <= -np.exp(min(alpha, 0)):
            return 1e6
        return _log_loss(y, expit(alpha * y_prob) * (1 - beta) + beta)

    starts = [(a, b) for a in (-5, -1, 1, 5) for b in (-0.5, 0.0, 0.5)]
    brute = min((minimize(loss, s, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12}) for s in starts),
                key=lambda r: r.fun)
    calibrator = ArticleSigmoidCalibrator().fit(y_prob, y)
    assert calibrator.loss_ <= brute.fun + 1e-7
    assert calibrator.alpha_ == pytest.approx(brute.x[0], rel=1e-3)
    assert calibrator.beta_ == pytest.approx(brute.x[1], abs=1e-3)


def test_article_outputs_stay_inside_unit_interval():
    # All positives at low probability push beta towards its lower bound.
    y_prob = np.array([0.0, 0.05, 0.1, 0.9, 0.95, 1.0])
    y = np.array([1, 1, 1, 0, 0, 0])
    calibrator = ArticleSigmoidCalibrator().fit(y_prob, y)
    outputs = calibrator.predict_proba(np.linspace(0, 1, 101))
    assert outputs.min() > 0
    assert outputs.max() < 1
    assert calibrator.beta_ > article_beta_lower_bound(calibrator.alpha_)


def test_article_separable_warns_at_alpha_bound():
    # beta -> -1 sends the output at y_prob = 0 to 0, and alpha -> inf sends every positive
    # probability to 1, so the loss falls towards 0 only as alpha grows without bound.
    y_prob = np.array([0.0, 0.0, 0.5, 0.9])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(UserWarning, match="alpha reached the bound"):
        calibrator = ArticleSigmoidCalibrator(max_abs_alpha=20.0).fit(y_prob, y)
    assert abs(calibrator.alpha_) == pytest.approx(20.0)


def test_output_range_positive_alpha():
    # sigma(2 * y_hat) over [0, 1] covers [0.5, sigma(2)] = [0.5, 0.880797].
    low, high = article_output_range(2.0)
    assert low == pytest.approx(0.5)
    assert high == pytest.approx(1 / (1 + np.exp(-2.0)))


def test_output_range_negative_alpha_shifted():
    # alpha = -1: [sigma(-1), 0.5] = [0.268941, 0.5]; beta = 0.2 maps s to 0.8 s + 0.2.
    low, high = article_output_range(-1.0, beta=0.2)
    assert low == pytest.approx(0.8 / (1 + np.exp(1.0)) + 0.2)
    assert high == pytest.approx(0.8 * 0.5 + 0.2)


def test_output_range_matches_dense_grid():
    grid = np.linspace(0, 1, 10001)
    for alpha, beta in [(3.0, -0.5), (-2.0, 0.3), (0.5, 0.0)]:
        values = expit(alpha * grid) * (1 - beta) + beta
        low, high = article_output_range(alpha, beta)
        assert low == pytest.approx(values.min())
        assert high == pytest.approx(values.max())


def test_output_range_fitted_method():
    y_prob = expit(_noisy_logits(seed=2)[0])
    y = _noisy_logits(seed=2)[1]
    calibrator = ArticleSigmoidCalibrator().fit(y_prob, y)
    outputs = calibrator.predict_proba(np.linspace(0, 1, 1001))
    low, high = calibrator.output_range()
    assert low == pytest.approx(outputs.min())
    assert high == pytest.approx(outputs.max())


def test_beta_lower_bound_values():
    # beta > -s_min / (1 - s_min) with s_min = min(0.5, sigma(alpha)).
    assert article_beta_lower_bound(2.0) == pytest.approx(-1.0)
    s_min = 1 / (1 + np.exp(1.5))
    assert article_beta_lower_bound(-1.5) == pytest.approx(-s_min / (1 - s_min))


# --- Platt scaling ---------------------------------------------------------------------


def test_platt_matches_unpenalised_logistic_regression():
    logits, y = _noisy_logits(seed=3)
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(logits[:, None], y)
    calibrator = PlattCalibrator().fit(logits, y)
    assert calibrator.coef_ == pytest.approx(reference.coef_[0, 0], rel=1e-5)
    assert calibrator.intercept_ == pytest.approx(reference.intercept_[0], abs=1e-5)


def test_platt_smoothed_matches_sklearn_sigmoid_calibration():
    # scikit-learn's private helper fits Platt's targets too, with p = 1 / (1 + exp(a f + b)).
    from sklearn.calibration import _sigmoid_calibration

    logits, y = _noisy_logits(seed=4, n=60)
    a, b = _sigmoid_calibration(logits, y)
    calibrator = PlattCalibrator(smooth_targets=True).fit(logits, y)
    assert calibrator.coef_ == pytest.approx(-a, rel=1e-4)
    assert calibrator.intercept_ == pytest.approx(-b, abs=1e-4)


def test_platt_sample_weight_equals_repetition():
    logits, y = _noisy_logits(seed=5, n=50)
    weights = np.random.default_rng(5).integers(1, 4, size=50)
    weighted = PlattCalibrator().fit(logits, y, sample_weight=weights)
    repeated = PlattCalibrator().fit(np.repeat(logits, weights), np.repeat(y, weights))
    assert weighted.coef_ == pytest.approx(repeated.coef_, rel=1e-6)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, abs=1e-6)


def test_platt_separable_warns():
    with pytest.warns(UserWarning, match="separate the two classes"):
        calibrator = PlattCalibrator().fit([-2.0, -1.0, 1.0, 2.0], [0, 0, 1, 1])
    assert np.isfinite(calibrator.coef_)


def test_platt_constant_scores_give_base_rate():
    calibrator = PlattCalibrator().fit([0.3, 0.3, 0.3, 0.3], [0, 1, 1, 1])
    np.testing.assert_allclose(calibrator.predict_proba([-5.0, 0.3, 5.0]), 0.75)


# --- temperature scaling ---------------------------------------------------------------


def test_temperature_matches_scalar_minimisation():
    logits, y = _noisy_logits(seed=6)
    result = minimize_scalar(lambda t: _log_loss(y, expit(logits / t)), bounds=(0.05, 20), method="bounded",
                             options={"xatol": 1e-10})
    calibrator = TemperatureCalibrator().fit(logits, y)
    assert calibrator.temperature_ == pytest.approx(result.x, rel=1e-5)


def test_temperature_predict_divides_logits():
    calibrator = TemperatureCalibrator().fit(*_noisy_logits(seed=7))
    z = np.array([-3.0, 0.0, 1.5])
    np.testing.assert_allclose(calibrator.predict_proba(z), 1 / (1 + np.exp(-z / calibrator.temperature_)))


def test_temperature_all_zero_logits_warns():
    with pytest.warns(UserWarning, match="all logits are 0"):
        calibrator = TemperatureCalibrator().fit([0.0, 0.0, 0.0], [0, 1, 1])
    assert calibrator.temperature_ == 1.0


# --- isotonic regression ---------------------------------------------------------------


def test_isotonic_matches_sklearn_predict():
    logits, y = _noisy_logits(seed=8)
    reference = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(logits, y)
    calibrator = IsotonicCalibrator().fit(logits, y)
    queries = np.r_[np.linspace(-12, 12, 2001), logits]
    np.testing.assert_allclose(calibrator.predict_proba(queries), reference.predict(queries), atol=1e-12)


def test_isotonic_is_monotone():
    logits, y = _noisy_logits(seed=9)
    values = IsotonicCalibrator().fit(logits, y).predict_proba(np.linspace(-10, 10, 1001))
    assert np.all(np.diff(values) >= 0)


def test_centred_isotonic_strictly_increasing():
    logits, y = _noisy_logits(seed=10)
    calibrator = CentredIsotonicCalibrator().fit(logits, y)
    values = calibrator.predict_proba(np.sort(np.unique(np.r_[logits, np.linspace(-8, 8, 501)])))
    assert np.all(np.diff(values) > 0)


def test_centred_isotonic_keeps_query_order():
    logits, y = _noisy_logits(seed=11)
    calibrator = CentredIsotonicCalibrator().fit(logits, y)
    query_scores = np.array([0.31, 0.32, 0.33, -4.0, -4.1])
    order = np.argsort(calibrator.predict_proba(query_scores))
    np.testing.assert_array_equal(order, np.argsort(query_scores))


def test_centred_isotonic_knots_are_block_means():
    # PAV on x = [0, 1, 2, 3, 4], y = [0, 1, 0, 0, 1]: the labels 1, 0, 0 at x = 1..3 pool to
    # 1/3 with centre 2. Blocks: {0} -> 0, {1, 2, 3} -> 1/3, {4} -> 1.
    calibrator = CentredIsotonicCalibrator(tie_break=0.0).fit([0, 1, 2, 3, 4], [0, 1, 0, 0, 1])
    np.testing.assert_allclose(calibrator.knots_x_, [0.0, 2.0, 4.0])
    np.testing.assert_allclose(calibrator.knots_y_, [0.0, 1 / 3, 1.0])


def test_centred_isotonic_tie_break_bounded_shift():
    logits, y = _noisy_logits(seed=12)
    plain = CentredIsotonicCalibrator(tie_break=0.0).fit(logits, y)
    mixed = CentredIsotonicCalibrator(tie_break=1e-3).fit(logits, y)
    grid = np.linspace(-10, 10, 501)
    assert np.max(np.abs(plain.predict_proba(grid) - mixed.predict_proba(grid))) <= 1e-3


# --- shared contract -------------------------------------------------------------------

ALL_BINARY = [
    ArticleSigmoidCalibrator,
    PlattCalibrator,
    TemperatureCalibrator,
    IsotonicCalibrator,
    CentredIsotonicCalibrator,
]


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_fit_returns_self(cls):
    logits, y = _noisy_logits(seed=13, n=80)
    scores = expit(logits)
    calibrator = cls()
    assert calibrator.fit(scores, y) is calibrator


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_accepts_column_vector(cls):
    logits, y = _noisy_logits(seed=14, n=80)
    scores = expit(logits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flat = cls().fit(scores, y).predict_proba(scores)
        column = cls().fit(scores[:, None], y).predict_proba(scores[:, None])
    np.testing.assert_array_equal(flat, column)


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_predict_thresholds_at_half(cls):
    logits, y = _noisy_logits(seed=15, n=80)
    scores = expit(logits)
    calibrator = cls().fit(scores, y)
    expected = (calibrator.predict_proba(scores) >= 0.5).astype(int)
    np.testing.assert_array_equal(calibrator.predict(scores), expected)


@pytest.mark.parametrize("cls", ALL_BINARY)
def test_outputs_are_probabilities(cls):
    logits, y = _noisy_logits(seed=16, n=200)
    scores = expit(logits)
    values = cls().fit(scores, y).predict_proba(scores)
    assert values.min() >= 0
    assert values.max() <= 1


def test_platt_targets_list_input():
    # Three positives and one negative: (3 + 1) / (3 + 2) = 0.8 and 1 / (1 + 2).
    # A list used to give the scalar 0.5, because list == 1 is a single False.
    np.testing.assert_allclose(platt_targets([1, 1, 1, 0]), [0.8, 0.8, 0.8, 1 / 3])


def test_platt_targets_weighted():
    # Weighted counts: N+ = 2 + 1 = 3 and N- = 0.5, so 4 / 5 and 1 / 2.5.
    np.testing.assert_allclose(platt_targets([1, 1, 0], [2.0, 1.0, 0.5]), [0.8, 0.8, 0.4])


@pytest.mark.parametrize(
    ("y", "sample_weight", "message"),
    [
        ([1, 2, 0], None, r"y must contain only the labels 0 and 1; got \[2\]"),
        ([], None, "y is empty"),
        ([1, 0], [1.0], "Inputs must have the same length: y has 2, sample_weight has 1"),
        ([1, 0], [1.0, -1.0], "sample_weight must be non-negative"),
        ([1, 0], [1.0, np.nan], r"sample_weight contains NaN or infinite values \[nan\]"),
    ],
)
def test_platt_targets_bad_input(y, sample_weight, message):
    with pytest.raises(ValueError, match=message):
        platt_targets(y, sample_weight)


@pytest.mark.parametrize("alpha", [np.nan, np.inf, "x", None, True])
def test_article_beta_lower_bound_bad_alpha(alpha):
    # NaN used to come back as a NaN bound, and "x" failed inside float() without naming alpha.
    with pytest.raises(ValueError, match=rf"alpha must be a finite number; got {alpha!r}"):
        article_beta_lower_bound(alpha)


@pytest.mark.parametrize(("alpha", "beta", "message"), [("2", 0.0, "alpha must be a finite number; got '2'"), (1.0, np.nan, "beta must be a finite number; got nan")])
def test_article_output_range_bad_number(alpha, beta, message):
    with pytest.raises(ValueError, match=message):
        article_output_range(alpha, beta)
