"""Tests of binning, beta, Venn-Abers and the multiclass calibrators against independent computations."""

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, log_softmax, softmax
from sklearn.exceptions import NotFittedError
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from casestudy.calibration import (
    BetaCalibrator,
    CalibrationWarning,
    DirichletCalibrator,
    HistogramBinningCalibrator,
    MatrixScalingCalibrator,
    MulticlassTemperatureCalibrator,
    PlattCalibrator,
    ScalingBinningCalibrator,
    TemperatureCalibrator,
    VectorScalingCalibrator,
    VennAbersCalibrator,
    equal_mass_edges,
)


def _binary(n=300, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=n)
    y = (rng.random(n) < expit(0.7 * logits + 0.3)).astype(int)
    return logits, y


def _multiclass(n=300, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(n, n_classes))
    probabilities = softmax(0.6 * logits + np.array([0.3, -0.2, 0.0][:n_classes]), axis=1)
    y = np.array([rng.choice(n_classes, p=row) for row in probabilities])
    return logits, y


# --- histogram binning ------------------------------------------------------------------


def test_equal_mass_edges_even_split():
    # Eight values in four bins of two: the edges close the bins at 1, 3 and 5.
    np.testing.assert_array_equal(equal_mass_edges(np.arange(8.0), 4), [1.0, 3.0, 5.0])


def test_equal_mass_edges_ties_merge():
    np.testing.assert_array_equal(equal_mass_edges(np.array([2.0, 2.0, 2.0, 2.0]), 3), [])


def test_histogram_values_match_brute_force():
    scores, y = _binary()
    calibrator = HistogramBinningCalibrator(n_bins=6).fit(scores, y)
    edges = np.r_[-np.inf, calibrator.bin_edges_, np.inf]
    expected = [y[(scores > low) & (scores <= high)].mean() for low, high in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(calibrator.bin_values_, expected)


def test_histogram_bins_have_equal_mass():
    scores, y = _binary(n=600)
    calibrator = HistogramBinningCalibrator(n_bins=6).fit(scores, y)
    counts = np.bincount(np.searchsorted(calibrator.bin_edges_, scores, side="left"))
    np.testing.assert_array_equal(counts, np.full(6, 100))


def test_histogram_edge_value_goes_to_lower_bin():
    calibrator = HistogramBinningCalibrator(n_bins=2).fit([1.0, 2.0, 3.0, 4.0], [0, 0, 1, 1])
    assert calibrator.predict_proba([2.0])[0] == 0.0
    assert calibrator.predict_proba([2.0000001])[0] == 1.0


def test_histogram_constant_scores_one_bin():
    calibrator = HistogramBinningCalibrator(n_bins=5).fit([0.3, 0.3, 0.3, 0.3], [0, 1, 1, 1])
    np.testing.assert_allclose(calibrator.predict_proba([-1.0, 0.3, 2.0]), 0.75)


@pytest.mark.parametrize("value", [0, -3, 2.5, "10", True])
def test_histogram_bad_n_bins(value):
    with pytest.raises(ValueError, match="n_bins must be an integer >= 1"):
        HistogramBinningCalibrator(n_bins=value).fit([0.1, 0.2, 0.3], [0, 1, 1])


# --- scaling-binning --------------------------------------------------------------------


def test_scaling_binning_at_most_n_bins_values():
    scores, y = _binary()
    calibrator = ScalingBinningCalibrator(n_bins=7).fit(scores, y)
    assert np.unique(calibrator.predict_proba(np.linspace(-8, 8, 2001))).size <= 7


def test_scaling_binning_monotone():
    scores, y = _binary()
    values = ScalingBinningCalibrator(n_bins=7).fit(scores, y).predict_proba(np.linspace(-8, 8, 2001))
    assert np.all(np.diff(values) >= 0)


def test_scaling_binning_values_inside_bins():
    # Each bin value is a mean of scaled probabilities inside (edge[i-1], edge[i]].
    scores, y = _binary()
    calibrator = ScalingBinningCalibrator(n_bins=7).fit(scores, y)
    edges = np.r_[0.0, calibrator.bin_edges_, 1.0]
    assert np.all(calibrator.bin_values_ > edges[:-1])
    assert np.all(calibrator.bin_values_ <= edges[1:])


def test_scaling_binning_scaler_is_platt():
    scores, y = _binary()
    calibrator = ScalingBinningCalibrator().fit(scores, y)
    assert isinstance(calibrator.scaler_, PlattCalibrator)


def test_scaling_binning_seeded():
    scores, y = _binary()
    first = ScalingBinningCalibrator(random_state=3).fit(scores, y).predict_proba(scores)
    second = ScalingBinningCalibrator(random_state=3).fit(scores, y).predict_proba(scores)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("value", [0.0, 1.0, -0.5])
def test_scaling_binning_bad_fraction(value):
    scores, y = _binary()
    with pytest.raises(ValueError, match=r"fit_fraction must be in \(0, 1\)"):
        ScalingBinningCalibrator(fit_fraction=value).fit(scores, y)


def test_scaling_binning_too_few_positives():
    with pytest.raises(ValueError, match="needs at least one item of each class in the first part"):
        ScalingBinningCalibrator().fit([0.1, 0.2, 0.3, 0.4], [0, 0, 0, 1])


# --- beta calibration -------------------------------------------------------------------


def _beta_data(a, b, c, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    y_prob = rng.uniform(0.01, 0.99, size=n)
    truth = expit(a * np.log(y_prob) - b * np.log1p(-y_prob) + c)
    return y_prob, (rng.random(n) < truth).astype(int)


def test_beta_matches_logistic_regression():
    y_prob, y = _beta_data(2.0, 1.5, 0.3)
    features = np.column_stack([np.log(y_prob), -np.log1p(-y_prob)])
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(features, y)
    calibrator = BetaCalibrator().fit(y_prob, y)
    np.testing.assert_allclose([calibrator.a_, calibrator.b_], reference.coef_[0], rtol=1e-4)
    assert calibrator.c_ == pytest.approx(reference.intercept_[0], abs=1e-4)


def test_beta_negative_coefficient_clamped():
    # Labels that fall with log(y_prob) push the unconstrained a below 0; the bound keeps a = 0,
    # and the remaining fit is a logistic regression on -log(1 - y_prob) alone.
    y_prob, y = _beta_data(-1.0, 1.0, 0.0, n=4000, seed=1)
    calibrator = BetaCalibrator().fit(y_prob, y)
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(-np.log1p(-y_prob)[:, None], y)
    assert calibrator.a_ == 0.0
    assert calibrator.b_ == pytest.approx(reference.coef_[0, 0], rel=1e-4)


def test_beta_float32_one_clipped_at_float32_eps():
    y_prob, y = _beta_data(2.0, 1.5, 0.3)
    calibrator = BetaCalibrator().fit(y_prob, y)
    at_one = calibrator.predict_proba(np.array([1.0], dtype=np.float32))
    eps32 = float(np.finfo(np.float32).eps)
    expected = expit(calibrator.a_ * np.log(1 - eps32) - calibrator.b_ * np.log(eps32) + calibrator.c_)
    assert at_one[0] == pytest.approx(expected, rel=1e-12)


def test_beta_float64_zero_clipped_at_float64_eps():
    y_prob, y = _beta_data(2.0, 1.5, 0.3)
    calibrator = BetaCalibrator().fit(y_prob, y)
    eps64 = float(np.finfo(np.float64).eps)
    expected = expit(calibrator.a_ * np.log(eps64) - calibrator.b_ * np.log1p(-eps64) + calibrator.c_)
    assert calibrator.predict_proba(np.array([0.0]))[0] == pytest.approx(expected, rel=1e-12)


def test_beta_rejects_probability_above_one():
    with pytest.raises(ValueError, match=r"scores has values outside \[0, 1\]"):
        BetaCalibrator().fit([0.5, 1.2], [0, 1])


# --- Venn-Abers -------------------------------------------------------------------------


def _augmented_isotonic(x, y, weights, score, label):
    regression = IsotonicRegression(y_min=0, y_max=1).fit(np.r_[x, score], np.r_[y, label], sample_weight=np.r_[weights, 1])
    return regression.predict([score])[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_venn_abers_matches_refitting(seed):
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(size=50), 1)
    y = (rng.random(50) < expit(2 * x)).astype(int)
    weights = rng.integers(1, 3, size=50).astype(float)
    tests = np.r_[np.round(rng.normal(size=25), 2), x[:6], -10.0, 10.0]
    interval = VennAbersCalibrator().fit(x, y, sample_weight=weights).predict_interval(tests)
    expected = [[_augmented_isotonic(x, y, weights, s, 0), _augmented_isotonic(x, y, weights, s, 1)] for s in tests]
    np.testing.assert_allclose(interval, expected, atol=1e-12)


def test_venn_abers_interval_ordered():
    scores, y = _binary()
    interval = VennAbersCalibrator().fit(scores, y).predict_interval(np.linspace(-8, 8, 501))
    assert np.all(interval[:, 0] <= interval[:, 1])


def test_venn_abers_point_estimate():
    scores, y = _binary()
    calibrator = VennAbersCalibrator().fit(scores, y)
    grid = np.linspace(-5, 5, 101)
    p0, p1 = calibrator.predict_interval(grid).T
    np.testing.assert_allclose(calibrator.predict_proba(grid), p1 / (1 - p0 + p1))


def test_venn_abers_worked_example():
    # Calibration labels 0, 1, 0, 1 at 0.1..0.4. A test score of 0.35 with label 0 gives the
    # sequence 0, 1, 0, 0, 1, whose middle block 1, 0, 0 pools to 1/3. With label 1 it gives
    # 0, 1, 0, 1, 1, where the test point stays alone at 1.
    interval = VennAbersCalibrator().fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1]).predict_interval([0.35])
    np.testing.assert_allclose(interval, [[1 / 3, 1.0]])


def test_venn_abers_interval_before_fit():
    with pytest.raises(NotFittedError):
        VennAbersCalibrator().predict_interval([0.3])


# --- multiclass -------------------------------------------------------------------------


def _cross_entropy(logits, y):
    return -np.mean(log_softmax(logits, axis=1)[np.arange(len(y)), y])


def test_multiclass_temperature_matches_scalar_minimisation():
    logits, y = _multiclass()
    result = minimize_scalar(lambda t: _cross_entropy(logits / t, y), bounds=(0.05, 20), method="bounded",
                             options={"xatol": 1e-10})
    calibrator = MulticlassTemperatureCalibrator().fit(logits, y)
    assert calibrator.temperature_ == pytest.approx(result.x, rel=1e-5)


def test_multiclass_temperature_two_classes_equals_binary():
    # softmax([0, z / T]) has second entry sigma(z / T), so both fits minimise the same loss.
    logits, y = _binary()
    binary = TemperatureCalibrator().fit(logits, y)
    multiclass = MulticlassTemperatureCalibrator().fit(np.column_stack([np.zeros_like(logits), logits]), y)
    assert multiclass.temperature_ == pytest.approx(binary.temperature_, rel=1e-9)


def test_multiclass_temperature_separable_warns():
    logits = np.array([[3.0, 0.0], [0.0, 3.0], [2.0, 0.0], [0.0, 1.0]])
    with pytest.warns(CalibrationWarning, match="lower bound"):
        calibrator = MulticlassTemperatureCalibrator().fit(logits, [0, 1, 0, 1])
    assert calibrator.temperature_ == pytest.approx(0.01)


def test_vector_scaling_matches_generic_optimiser():
    logits, y = _multiclass()

    def loss(params):
        return _cross_entropy(logits * params[:3] + params[3:], y)

    reference = minimize(loss, np.r_[np.ones(3), np.zeros(3)], method="BFGS", options={"gtol": 1e-9})
    calibrator = VectorScalingCalibrator().fit(logits, y)
    expected = softmax(logits * reference.x[:3] + reference.x[3:], axis=1)
    np.testing.assert_allclose(calibrator.predict_proba(logits), expected, atol=1e-5)


def test_vector_scaling_coef_diagonal():
    logits, y = _multiclass()
    coef = VectorScalingCalibrator().fit(logits, y).coef_
    np.testing.assert_array_equal(coef, np.diag(np.diag(coef)))


def test_matrix_scaling_matches_generic_optimiser():
    logits, y = _multiclass()
    reg_lambda, reg_mu = 0.5, 0.2
    off = 1 - np.eye(3)

    def loss(params):
        coef, intercept = params[:9].reshape(3, 3), params[9:]
        penalty = reg_lambda / 6 * np.sum((coef * off) ** 2) + reg_mu / 3 * np.sum(intercept**2)
        return _cross_entropy(logits @ coef.T + intercept, y) + penalty

    reference = minimize(loss, np.r_[np.eye(3).ravel(), np.zeros(3)], method="BFGS", options={"gtol": 1e-9})
    calibrator = MatrixScalingCalibrator(reg_lambda=reg_lambda, reg_mu=reg_mu).fit(logits, y)
    np.testing.assert_allclose(calibrator.coef_.ravel(), reference.x[:9], atol=1e-4)
    np.testing.assert_allclose(calibrator.intercept_, reference.x[9:], atol=1e-4)


def test_matrix_scaling_strong_penalty_shrinks_off_diagonal():
    logits, y = _multiclass()
    coef = MatrixScalingCalibrator(reg_lambda=1e4).fit(logits, y).coef_
    assert np.max(np.abs(coef * (1 - np.eye(3)))) < 1e-3


def test_dirichlet_is_matrix_scaling_on_log_probabilities():
    logits, y = _multiclass()
    y_prob = softmax(logits, axis=1)
    dirichlet = DirichletCalibrator(reg_lambda=0.1, reg_mu=0.1).fit(y_prob, y)
    matrix = MatrixScalingCalibrator(reg_lambda=0.1, reg_mu=0.1).fit(np.log(y_prob), y)
    np.testing.assert_allclose(dirichlet.predict_proba(y_prob), matrix.predict_proba(np.log(y_prob)), atol=1e-6)


def test_multiclass_rows_sum_to_one():
    logits, y = _multiclass()
    for calibrator in (MulticlassTemperatureCalibrator(), VectorScalingCalibrator(), MatrixScalingCalibrator()):
        np.testing.assert_allclose(calibrator.fit(logits, y).predict_proba(logits).sum(axis=1), 1.0)


def test_multiclass_predict_is_argmax():
    logits, y = _multiclass()
    calibrator = MatrixScalingCalibrator().fit(logits, y)
    np.testing.assert_array_equal(calibrator.predict(logits), np.argmax(calibrator.predict_proba(logits), axis=1))


# --- multiclass bad input ---------------------------------------------------------------

MULTICLASS = [MulticlassTemperatureCalibrator, VectorScalingCalibrator, MatrixScalingCalibrator]


def test_dirichlet_rows_not_summing_to_one():
    with pytest.raises(ValueError, match="scores rows must sum to 1"):
        DirichletCalibrator().fit([[0.5, 0.4], [0.2, 0.8]], [0, 1])


def test_dirichlet_probability_outside_range():
    with pytest.raises(ValueError, match=r"scores has values outside \[0, 1\]"):
        DirichletCalibrator().fit([[1.5, -0.5], [0.2, 0.8]], [0, 1])


@pytest.mark.parametrize("cls", MULTICLASS)
def test_multiclass_label_out_of_range(cls):
    with pytest.raises(ValueError, match=r"y must contain class indices 0 to 1 \(one per column\); got \[2\]"):
        cls().fit([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], [0, 1, 2])


@pytest.mark.parametrize("cls", MULTICLASS)
def test_multiclass_fractional_label(cls):
    with pytest.raises(ValueError, match=r"got \[0.5\]"):
        cls().fit([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], [0, 1, 0.5])


@pytest.mark.parametrize("cls", MULTICLASS)
def test_multiclass_single_class(cls):
    with pytest.raises(ValueError, match=r"y contains a single class \(1\)"):
        cls().fit([[1.0, 0.0], [0.0, 1.0]], [1, 1])


@pytest.mark.parametrize("cls", MULTICLASS)
def test_multiclass_nan_logits(cls):
    with pytest.raises(ValueError, match=r"scores contains NaN or infinite values in rows \[1\]"):
        cls().fit([[1.0, 0.0], [np.nan, 1.0]], [0, 1])


@pytest.mark.parametrize("cls", MULTICLASS)
def test_multiclass_one_dimensional(cls):
    with pytest.raises(ValueError, match=r"scores must have shape \(n_samples, n_classes >= 2\)"):
        cls().fit([1.0, 0.0], [0, 1])


@pytest.mark.parametrize("cls", MULTICLASS)
def test_multiclass_length_mismatch(cls):
    with pytest.raises(ValueError, match="scores has 2, y has 3"):
        cls().fit([[1.0, 0.0], [0.0, 1.0]], [0, 1, 1])


@pytest.mark.parametrize("cls", MULTICLASS)
def test_multiclass_column_mismatch_at_predict(cls):
    logits, y = _multiclass()
    calibrator = cls().fit(logits, y)
    with pytest.raises(ValueError, match="scores has 2 columns but the calibrator was fitted on 3"):
        calibrator.predict_proba(logits[:, :2])


@pytest.mark.parametrize("cls", MULTICLASS + [DirichletCalibrator])
def test_multiclass_predict_before_fit(cls):
    with pytest.raises(NotFittedError):
        cls().predict_proba([[0.5, 0.5]])


@pytest.mark.parametrize("name", ["reg_lambda", "reg_mu"])
def test_matrix_scaling_negative_penalty(name):
    logits, y = _multiclass()
    with pytest.raises(ValueError, match=f"{name} must be a non-negative finite number; got -1"):
        MatrixScalingCalibrator(**{name: -1}).fit(logits, y)


def test_temperature_bounds_warning_not_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calibrator = MulticlassTemperatureCalibrator().fit([[2.0, 0.0], [0.0, 3.0]], [1, 0])
    assert np.isfinite(calibrator.predict_proba([[2.0, 0.0]])).all()


def test_equal_mass_edges_list_input():
    # Same as the even split, from a list: a list used to fail with an AttributeError on .max().
    np.testing.assert_array_equal(equal_mass_edges([0, 1, 2, 3, 4, 5, 6, 7], 4), [1.0, 3.0, 5.0])


@pytest.mark.parametrize(
    ("values", "sample_weight", "message"),
    [
        # NaN used to give no edges at all, so every score fell in one bin.
        ([0.1, np.nan, 0.3], None, r"values contains NaN or infinite values \[nan\] at positions \[1\]"),
        ([], None, "values is empty"),
        ([[0.1, 0.2], [0.3, 0.4]], None, r"values must be 1-dimensional; got shape \(2, 2\)"),
        ([0.1, 0.2, 0.3], [1.0, 1.0], "Inputs must have the same length: values has 3, sample_weight has 2"),
        ([0.1, 0.2, 0.3], [1.0, -1.0, 1.0], r"sample_weight must be non-negative; got negative values \[-1.0\]"),
    ],
)
def test_equal_mass_edges_bad_input(values, sample_weight, message):
    with pytest.raises(ValueError, match=message):
        equal_mass_edges(values, 2, sample_weight)
