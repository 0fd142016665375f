"""Tests of the binned calibration-error estimators.

Every expected value is worked out by hand in the test (the arithmetic is written next to it)
or comes from scikit-learn's ``calibration_curve``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve

from casestudy.metrics import (
    bin_indices,
    debiased_calibration_error,
    expected_calibration_error,
    maximum_calibration_error,
    reliability_table,
    smooth_ece,
)

# --- Equal-width bin edges ------------------------------------------------------------------


def test_uniform_zero_in_first_bin():
    assignment = bin_indices([0.0], n_bins=15)
    assert assignment.indices.tolist() == [0]


def test_uniform_one_in_last_bin():
    assignment = bin_indices([1.0], n_bins=15)
    assert assignment.indices.tolist() == [14]


def test_uniform_interior_edge_goes_right():
    # Edges of 4 bins: 0, 0.25, 0.5, 0.75, 1. Bins are closed on the left.
    assignment = bin_indices([0.25, 0.5, 0.75], n_bins=4)
    assert assignment.indices.tolist() == [1, 2, 3]


def test_uniform_edges_linspace():
    assignment = bin_indices([0.3], n_bins=4)
    assert assignment.edges.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_uniform_both_ends_counted():
    table = reliability_table([0, 1], [0.0, 1.0], n_bins=15)
    assert table.counts.sum() == 2


def test_uniform_just_below_one_last_bin():
    # 14/15 <= 0.99 < 1, so the last of 15 bins.
    assignment = bin_indices([0.99], n_bins=15)
    assert assignment.indices.tolist() == [14]


# --- Edge cases with hand-worked values -----------------------------------------------------


def test_ece_last_bin_pair():
    # Both 0.95 and 1.0 fall in the last bin [14/15, 1]: mean prediction (0.95 + 1.0) / 2 =
    # 0.975, observed rate 1/2, gap 0.475, weight 1.
    assert expected_calibration_error([1, 0], [0.95, 1.0], n_bins=15) == pytest.approx(0.475, abs=1e-12)


def test_mce_last_bin_pair():
    assert maximum_calibration_error([1, 0], [0.95, 1.0], n_bins=15) == pytest.approx(0.475, abs=1e-12)


def test_ece_all_ones():
    # One bin contains all four scores of 1.0; observed rate 3/4, gap 1 - 0.75 = 0.25.
    assert expected_calibration_error([1, 0, 1, 1], [1, 1, 1, 1]) == pytest.approx(0.25, abs=1e-12)


def test_ece_two_bins_extremes():
    # Bin [0, 0.5): score 0 with label 1, gap 1, weight 1/5.
    # Bin [0.5, 1]: four scores of 1 with labels 0, 0, 1, 1, gap 0.5, weight 4/5.
    # ECE = 1/5 * 1 + 4/5 * 0.5 = 0.6.
    value = expected_calibration_error([0, 0, 1, 1, 1], [1, 1, 1, 1, 0], n_bins=2)
    assert value == pytest.approx(0.6, abs=1e-12)


def test_mce_two_bins_extremes():
    value = maximum_calibration_error([0, 0, 1, 1, 1], [1, 1, 1, 1, 0], n_bins=2)
    assert value == pytest.approx(1.0, abs=1e-12)


def test_table_empty_middle_bin_count():
    table = reliability_table([1, 1, 0], [0.9, 0.8, 0.2], n_bins=3)
    assert table.counts.tolist() == [1, 0, 2]


def test_table_empty_middle_bin_nan_rate():
    table = reliability_table([1, 1, 0], [0.9, 0.8, 0.2], n_bins=3)
    assert np.isnan(table.observed_rate[1])


def test_table_empty_middle_bin_nan_mean():
    table = reliability_table([1, 1, 0], [0.9, 0.8, 0.2], n_bins=3)
    assert np.isnan(table.mean_predicted[1])


def test_ece_empty_middle_bin():
    # Bin [0, 1/3): 0.2 with label 0, gap 0.2, weight 1/3.
    # Bin [2/3, 1]: 0.8 and 0.9 with labels 1, 1, mean 0.85, gap 0.15, weight 2/3.
    # ECE = 0.2 / 3 + 2 * 0.15 / 3 = 0.5 / 3 = 1/6.
    value = expected_calibration_error([1, 1, 0], [0.9, 0.8, 0.2], n_bins=3)
    assert value == pytest.approx(1 / 6, abs=1e-12)


def test_ece_l2_empty_middle_bin():
    # sqrt(1/3 * 0.2**2 + 2/3 * 0.15**2) = sqrt(0.04/3 + 0.045/3) = sqrt(0.085/3).
    value = expected_calibration_error([1, 1, 0], [0.9, 0.8, 0.2], n_bins=3, norm="l2")
    assert value == pytest.approx(np.sqrt(0.085 / 3), abs=1e-12)


def test_ece_max_norm_equals_mce():
    value = expected_calibration_error([1, 1, 0], [0.9, 0.8, 0.2], n_bins=3, norm="max")
    assert value == pytest.approx(0.2, abs=1e-12)


# --- Equal-mass bins ------------------------------------------------------------------------


@pytest.mark.parametrize("n_bins", [2, 10])
def test_quantile_constant_predictor_ece(n_bins):
    # All four scores are 0.7, so they share one bin: observed rate 1/4, gap 0.7 - 0.25 = 0.45.
    value = expected_calibration_error([0, 0, 0, 1], [0.7] * 4, n_bins=n_bins, strategy="quantile")
    assert value == pytest.approx(0.45, abs=1e-12)


@pytest.mark.parametrize("n_bins", [2, 10])
def test_quantile_constant_predictor_mce(n_bins):
    value = maximum_calibration_error([0, 0, 0, 1], [0.7] * 4, n_bins=n_bins, strategy="quantile")
    assert value == pytest.approx(0.45, abs=1e-12)


def test_quantile_constant_predictor_one_bin():
    table = reliability_table([0, 0, 0, 1], [0.7] * 4, n_bins=10, strategy="quantile")
    assert table.counts.tolist() == [4]


TIED_PROB = [0.1] * 6 + [0.2, 0.3]
TIED_TRUE = [0, 0, 0, 0, 0, 1, 0, 1]


def test_quantile_ties_two_bins():
    table = reliability_table(TIED_TRUE, TIED_PROB, n_bins=4, strategy="quantile")
    assert table.counts.tolist() == [6, 2]


def test_quantile_ties_ece():
    # Bin of the six 0.1 scores: one positive, rate 1/6, gap 1/6 - 0.1 = 1/15, weight 6/8.
    # Bin of 0.2 and 0.3: mean 0.25, rate 1/2, gap 0.25, weight 2/8.
    # ECE = 6/8 * 1/15 + 2/8 * 0.25 = 0.05 + 0.0625 = 0.1125.
    value = expected_calibration_error(TIED_TRUE, TIED_PROB, n_bins=4, strategy="quantile")
    assert value == pytest.approx(0.1125, abs=1e-12)


def test_quantile_ties_never_split():
    rng = np.random.default_rng(3)
    y_prob = rng.choice([0.1, 0.25, 0.5, 0.9], size=200)
    assignment = bin_indices(y_prob, n_bins=7, strategy="quantile")
    bins_per_value = [np.unique(assignment.indices[y_prob == value]).size for value in np.unique(y_prob)]
    assert bins_per_value == [1, 1, 1, 1]


def test_quantile_two_points_ece():
    # 0.2 (label 0) and 0.8 (label 1) land in separate bins, each with gap 0.2:
    # ECE = 1/2 * 0.2 + 1/2 * 0.2 = 0.2.
    value = expected_calibration_error([0, 1], [0.2, 0.8], n_bins=4, strategy="quantile")
    assert value == pytest.approx(0.2, abs=1e-12)


def test_quantile_two_points_no_nan():
    table = reliability_table([0, 1], [0.2, 0.8], n_bins=4, strategy="quantile")
    assert not np.isnan(table.observed_rate).any()


def test_quantile_bins_non_empty():
    rng = np.random.default_rng(4)
    y_prob = np.round(rng.beta(0.5, 3.0, size=500), 2)
    table = reliability_table(rng.integers(0, 2, size=500), y_prob, n_bins=20, strategy="quantile")
    assert (table.counts > 0).all()


def test_quantile_edges_match_indices():
    # Re-binning with the returned edges must give the returned indices.
    rng = np.random.default_rng(5)
    y_prob = np.round(rng.random(300), 1)
    assignment = bin_indices(y_prob, n_bins=8, strategy="quantile")
    again = np.searchsorted(assignment.edges[1:-1], y_prob, side="right")
    assert np.array_equal(again, assignment.indices)


def test_quantile_equal_mass_distinct_scores():
    # 100 distinct scores in 4 bins: 25 each (quantile edges fall between scores).
    y_prob = np.linspace(0.005, 0.995, 100)
    table = reliability_table(np.zeros(100), y_prob, n_bins=4, strategy="quantile")
    assert table.counts.tolist() == [25, 25, 25, 25]


# --- Cross-checks with scikit-learn ---------------------------------------------------------


def _sklearn_ece(y_true, y_prob, n_bins, strategy):
    """Rebuild ECE from ``calibration_curve``, which drops empty bins and returns no counts."""
    prob_true, prob_pred = calibration_curve(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        edges = np.percentile(y_prob, np.linspace(0, 100, n_bins + 1))
    counts = np.bincount(np.searchsorted(edges[1:-1], y_prob), minlength=n_bins)
    counts = counts[counts > 0]
    return np.sum(counts / len(y_prob) * np.abs(prob_true - prob_pred))


@pytest.fixture(scope="module")
def continuous_scores():
    rng = np.random.default_rng(0)
    y_prob = rng.beta(2.0, 3.0, size=5003)
    y_true = (rng.random(5003) < y_prob**1.3).astype(int)
    return y_true, y_prob


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_ece_matches_sklearn(continuous_scores, strategy):
    y_true, y_prob = continuous_scores
    expected = _sklearn_ece(y_true, y_prob, 15, strategy)
    value = expected_calibration_error(y_true, y_prob, n_bins=15, strategy=strategy)
    assert value == pytest.approx(expected, abs=1e-12)


def test_table_matches_sklearn_rates(continuous_scores):
    y_true, y_prob = continuous_scores
    prob_true, _ = calibration_curve(y_true, y_prob, n_bins=10)
    table = reliability_table(y_true, y_prob, n_bins=10)
    non_empty = table.counts > 0
    np.testing.assert_allclose(table.observed_rate[non_empty], prob_true, rtol=0, atol=1e-12)


def test_table_matches_sklearn_means(continuous_scores):
    y_true, y_prob = continuous_scores
    _, prob_pred = calibration_curve(y_true, y_prob, n_bins=10)
    table = reliability_table(y_true, y_prob, n_bins=10)
    non_empty = table.counts > 0
    np.testing.assert_allclose(table.mean_predicted[non_empty], prob_pred, rtol=0, atol=1e-12)


def test_ece_matches_loop(continuous_scores):
    # Brute force: one Python loop over bins with explicit interval tests.
    y_true, y_prob = continuous_scores
    edges = np.linspace(0.0, 1.0, 8)
    total = 0.0
    for lower, upper, last in zip(edges[:-1], edges[1:], [False] * 6 + [True]):
        inside = (y_prob >= lower) & ((y_prob <= upper) if last else (y_prob < upper))
        if inside.any():
            total += inside.mean() * abs(y_true[inside].mean() - y_prob[inside].mean())
    assert expected_calibration_error(y_true, y_prob, n_bins=7) == pytest.approx(total, abs=1e-12)


# --- Reliability table object ---------------------------------------------------------------


def test_table_frame_columns():
    frame = reliability_table([0, 1], [0.2, 0.8], n_bins=2).to_frame()
    assert list(frame.columns) == ["bin_lower", "bin_upper", "count", "mean_predicted", "observed_rate", "gap"]


def test_table_frame_values():
    frame = reliability_table([0, 1], [0.2, 0.8], n_bins=2).to_frame()
    expected = pd.DataFrame(
        {
            "bin_lower": [0.0, 0.5],
            "bin_upper": [0.5, 1.0],
            "count": [1, 1],
            "mean_predicted": [0.2, 0.8],
            "observed_rate": [0.0, 1.0],
            "gap": [0.2, 0.2],
        }
    )
    pd.testing.assert_frame_equal(frame, expected, check_exact=False, atol=1e-12)


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_table_ece_matches_function(continuous_scores, norm):
    y_true, y_prob = continuous_scores
    table = reliability_table(y_true, y_prob, n_bins=12, strategy="quantile")
    expected = expected_calibration_error(y_true, y_prob, n_bins=12, strategy="quantile", norm=norm)
    assert table.ece(norm) == expected


def test_table_ece_bad_norm():
    with pytest.raises(ValueError, match="norm"):
        reliability_table([0, 1], [0.2, 0.8]).ece("l0")


def test_table_arrays_read_only():
    table = reliability_table([0, 1], [0.2, 0.8], n_bins=2)
    with pytest.raises(ValueError):
        table.counts[0] = 5


def test_table_bool_labels():
    table = reliability_table([False, True], [0.2, 0.8], n_bins=2)
    assert table.observed_rate.tolist() == [0.0, 1.0]


def test_table_edge_shape():
    table = reliability_table([0, 1, 1], [0.1, 0.5, 0.7], n_bins=6)
    assert table.bin_edges.shape == (7,)


# --- Bad input ------------------------------------------------------------------------------

BAD_INPUTS = [
    pytest.param([1, 0], [0.5, 1.2], {}, "y_prob", id="prob-above-one"),
    pytest.param([1, 0], [-0.1, 0.5], {}, "y_prob", id="prob-negative"),
    pytest.param([1, 0], [np.nan, 0.5], {}, "y_prob", id="prob-nan"),
    pytest.param([1, 0], [np.inf, 0.5], {}, "y_prob", id="prob-inf"),
    pytest.param([1, 2], [0.5, 0.5], {}, "y_true", id="label-two"),
    pytest.param([1, 0.5], [0.5, 0.5], {}, "y_true", id="label-half"),
    pytest.param([1, np.nan], [0.5, 0.5], {}, "y_true", id="label-nan"),
    pytest.param([1, 0, 1], [0.5, 0.5], {}, "same length", id="length-mismatch"),
    pytest.param([], [], {}, "empty", id="empty"),
    pytest.param([[1, 0]], [[0.5, 0.5]], {}, "1-dimensional", id="two-dimensional"),
    pytest.param([1, 0], [0.5, 0.5], {"n_bins": 0}, "n_bins", id="zero-bins"),
    pytest.param([1, 0], [0.5, 0.5], {"n_bins": 2.5}, "n_bins", id="float-bins"),
    pytest.param([1, 0], [0.5, 0.5], {"strategy": "kmeans"}, "strategy", id="bad-strategy"),
]


@pytest.mark.parametrize(("y_true", "y_prob", "kwargs", "message"), BAD_INPUTS)
def test_ece_bad_input(y_true, y_prob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        expected_calibration_error(y_true, y_prob, **kwargs)


@pytest.mark.parametrize(("y_true", "y_prob", "kwargs", "message"), BAD_INPUTS)
def test_table_bad_input(y_true, y_prob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        reliability_table(y_true, y_prob, **kwargs)


@pytest.mark.parametrize(("y_true", "y_prob", "kwargs", "message"), BAD_INPUTS)
def test_mce_bad_input(y_true, y_prob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        maximum_calibration_error(y_true, y_prob, **kwargs)


def test_ece_bad_norm():
    with pytest.raises(ValueError, match="norm"):
        expected_calibration_error([1, 0], [0.5, 0.5], norm="l3")


def test_bin_indices_bad_prob():
    with pytest.raises(ValueError, match="y_prob"):
        bin_indices([0.5, 1.2])


def test_bin_indices_bad_bins():
    with pytest.raises(ValueError, match="n_bins"):
        bin_indices([0.5], n_bins=-1)


def test_bin_indices_bad_strategy():
    with pytest.raises(ValueError, match="strategy"):
        bin_indices([0.5], strategy="equal")


# --- Debiased squared calibration error -----------------------------------------------------


def test_debiased_negative_estimate():
    # One bin: mean prediction 0.5, observed rate 0.5, squared gap 0.
    # Noise term 0.5 * 0.5 / (4 - 1) = 1/12, so the estimate is 0 - 1/12.
    result = debiased_calibration_error([1, 0, 1, 0], [0.5] * 4, n_bins=1)
    assert result.squared_estimate == pytest.approx(-1 / 12, abs=1e-12)


def test_debiased_negative_clamped():
    result = debiased_calibration_error([1, 0, 1, 0], [0.5] * 4, n_bins=1)
    assert result.value == 0.0


def test_debiased_singleton_bin_estimate():
    # Bin [0, 0.5) contains only 0.2: fewer than two scores, contributes 0.
    # Bin [0.5, 1]: three scores of 0.9, labels 0, 0, 1, rate 1/3.
    #   squared gap (0.9 - 1/3)**2 = (17/30)**2 = 289/900; noise (1/3)(2/3)/2 = 1/9 = 100/900.
    #   weight 3/4: 3/4 * 189/900 = 0.1575.
    result = debiased_calibration_error([0, 0, 0, 1], [0.2, 0.9, 0.9, 0.9], n_bins=2)
    assert result.squared_estimate == pytest.approx(0.1575, abs=1e-12)


def test_debiased_singleton_bin_value():
    result = debiased_calibration_error([0, 0, 0, 1], [0.2, 0.9, 0.9, 0.9], n_bins=2)
    assert result.value == pytest.approx(np.sqrt(0.1575), abs=1e-12)
    assert result.value == pytest.approx(0.396863, abs=1e-6)


def test_debiased_constant_bin_estimate():
    # Rate 1/4, squared gap 0.65**2 = 0.4225, noise 0.25 * 0.75 / 3 = 0.0625: 0.36.
    result = debiased_calibration_error([1, 0, 0, 0], [0.9] * 4, n_bins=1)
    assert result.squared_estimate == pytest.approx(0.36, abs=1e-12)


def test_debiased_constant_bin_value():
    result = debiased_calibration_error([1, 0, 0, 0], [0.9] * 4, n_bins=1)
    assert result.value == pytest.approx(0.6, abs=1e-12)


def test_debiased_all_singletons_zero():
    # Every bin contains one score, so no bin has a variance estimate: 0, not NaN.
    result = debiased_calibration_error([1, 0, 1], [0.05, 0.5, 0.95], n_bins=3)
    assert result.squared_estimate == 0.0


def test_debiased_never_nan_random():
    rng = np.random.default_rng(6)
    values = [
        debiased_calibration_error(rng.integers(0, 2, size=5), rng.random(5), n_bins=10).squared_estimate
        for _ in range(50)
    ]
    assert np.isfinite(values).all()


def test_debiased_matches_loop(continuous_scores):
    # Brute force over equal-mass bins, with the variance term written out per bin.
    y_true, y_prob = continuous_scores
    assignment = bin_indices(y_prob, n_bins=10, strategy="quantile")
    total = 0.0
    for k in range(assignment.n_bins):
        members = assignment.indices == k
        n_k = members.sum()
        if n_k < 2:
            continue
        rate = y_true[members].mean()
        gap = rate - y_prob[members].mean()
        total += n_k / len(y_prob) * (gap**2 - rate * (1 - rate) / (n_k - 1))
    result = debiased_calibration_error(y_true, y_prob, n_bins=10, strategy="quantile")
    assert result.squared_estimate == pytest.approx(total, abs=1e-12)


def test_debiased_less_bias_than_plugin():
    # Perfectly calibrated labels: the true squared error is 0. Averaged over 200 small samples
    # the debiased estimate is closer to 0 than the plug-in squared L2 ECE.
    rng = np.random.default_rng(7)
    plugin, debiased = [], []
    for _ in range(200):
        y_prob = rng.random(200)
        y_true = (rng.random(200) < y_prob).astype(int)
        plugin.append(expected_calibration_error(y_true, y_prob, n_bins=15, norm="l2") ** 2)
        debiased.append(debiased_calibration_error(y_true, y_prob, n_bins=15).squared_estimate)
    assert abs(np.mean(debiased)) < np.mean(plugin) / 5


@pytest.mark.parametrize(("y_true", "y_prob", "kwargs", "message"), BAD_INPUTS)
def test_debiased_bad_input(y_true, y_prob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        debiased_calibration_error(y_true, y_prob, **kwargs)


# --- Smooth ECE -----------------------------------------------------------------------------


def _reflected_kernel(t, f, sigma):
    """Reflected Gaussian kernel on [0, 1], summing the mirror images 2z + f and 2z - f."""
    total = 0.0
    for shift in range(-6, 7):
        for image in (2 * shift + f, 2 * shift - f):
            total += np.exp(-0.5 * ((t - image) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
    return total


def _brute_force_smece(y_true, y_prob, sigma):
    """Integrate |mean_i K(t, f_i) (y_i - f_i)| over [0, 1] with scipy's adaptive quadrature."""
    from scipy.integrate import quad

    residual = np.asarray(y_true, dtype=float) - np.asarray(y_prob, dtype=float)

    def integrand(t):
        return abs(np.mean([_reflected_kernel(t, f, sigma) * r for f, r in zip(y_prob, residual)]))

    value, _ = quad(integrand, 0.0, 1.0, points=sorted(set(y_prob)), limit=500, epsabs=1e-12)
    return value


SMALL_TRUE = [0, 1, 1, 0, 1, 1, 0]
SMALL_PROB = [0.05, 0.2, 0.45, 0.5, 0.8, 0.97, 1.0]


@pytest.mark.parametrize("sigma", [0.03, 0.1, 0.4])
def test_smooth_ece_fixed_bandwidth_brute_force(sigma):
    expected = _brute_force_smece(SMALL_TRUE, SMALL_PROB, sigma)
    value = smooth_ece(SMALL_TRUE, SMALL_PROB, bandwidth=sigma).value
    assert value == pytest.approx(expected, rel=1e-4)


def test_smooth_ece_fixed_bandwidth_reported():
    assert smooth_ece(SMALL_TRUE, SMALL_PROB, bandwidth=0.1).bandwidth == 0.1


def test_smooth_ece_fixed_point_brute_force():
    # At the returned bandwidth sigma, the brute-force smECE_sigma must equal sigma.
    result = smooth_ece(SMALL_TRUE, SMALL_PROB)
    expected = _brute_force_smece(SMALL_TRUE, SMALL_PROB, result.bandwidth)
    assert result.bandwidth == pytest.approx(expected, rel=1e-4)


def test_smooth_ece_value_equals_bandwidth():
    result = smooth_ece(SMALL_TRUE, SMALL_PROB)
    assert result.value == pytest.approx(result.bandwidth, abs=1e-6)


def test_smooth_ece_monotone_in_bandwidth():
    values = [smooth_ece(SMALL_TRUE, SMALL_PROB, bandwidth=sigma).value for sigma in (0.02, 0.05, 0.1, 0.3, 1.0)]
    assert np.all(np.diff(values) <= 1e-12)


@pytest.mark.parametrize("sigma", [0.01, 0.2, None])
def test_smooth_ece_constant_predictor(sigma):
    # The kernel integrates to 1 over [0, 1], so for a constant prediction c with positive
    # rate 2/5 the smoothed residual integrates to |2/5 - 0.3| = 0.1 whatever the bandwidth.
    result = smooth_ece([1, 0, 1, 0, 0], [0.3] * 5, bandwidth=sigma)
    assert result.value == pytest.approx(0.1, abs=1e-5)


def test_smooth_ece_constant_predictor_edge():
    # A constant prediction of exactly 1.0 with half the labels positive: |0.5 - 1| = 0.5.
    assert smooth_ece([1, 0], [1.0, 1.0]).value == pytest.approx(0.5, abs=1e-5)


def test_smooth_ece_shrinks_when_calibrated():
    rng = np.random.default_rng(8)
    values = []
    for n in (300, 3000, 30000):
        y_prob = rng.random(n)
        y_true = (rng.random(n) < y_prob).astype(int)
        values.append(smooth_ece(y_true, y_prob).value)
    assert values[0] > values[1] > values[2]
    assert values[2] < 0.02


def test_smooth_ece_detects_miscalibration():
    # Labels drawn with P(y=1 | f) = f**2: the true L1 calibration error is
    # integral of (f - f**2) df over [0, 1] = 1/2 - 1/3 = 1/6. Smoothing shrinks it slightly.
    rng = np.random.default_rng(9)
    y_prob = rng.random(30000)
    y_true = (rng.random(30000) < y_prob**2).astype(int)
    assert smooth_ece(y_true, y_prob).value == pytest.approx(1 / 6, abs=0.015)


def test_smooth_ece_exact_labels_zero():
    # Labels equal to the predictions: no residual, so smECE is 0 at the smallest bandwidth.
    result = smooth_ece([0, 1, 1], [0.0, 1.0, 1.0])
    assert result.value == 0.0


SMOOTH_BAD_INPUTS = [case for case in BAD_INPUTS if not case.values[2]]


@pytest.mark.parametrize(("y_true", "y_prob", "kwargs", "message"), SMOOTH_BAD_INPUTS)
def test_smooth_ece_bad_input(y_true, y_prob, kwargs, message):
    with pytest.raises(ValueError, match=message):
        smooth_ece(y_true, y_prob)


@pytest.mark.parametrize("bandwidth", [0.0, -0.1, 1.5, np.nan, np.inf, True, "0.1"])
def test_smooth_ece_bad_bandwidth(bandwidth):
    with pytest.raises(ValueError, match="bandwidth"):
        smooth_ece([1, 0], [0.5, 0.5], bandwidth=bandwidth)


@pytest.mark.parametrize("bandwidth", [5e-6, 1e-8, 1e-12])
def test_smooth_ece_bandwidth_below_lattice(bandwidth):
    # Below 1e-5 the lattice cannot sample the kernel: 1e-8 used to return about 76.
    with pytest.raises(ValueError, match=rf"bandwidth must be at least 1e-05.*got {bandwidth!r}"):
        smooth_ece([0, 1, 0, 1], [0.1, 0.8, 0.3, 0.7], bandwidth=bandwidth)


def test_smooth_ece_smallest_bandwidth():
    # A kernel much narrower than the gaps between the scores separates the items, so
    # smECE is the mean absolute residual: (0.1 + 0.2 + 0.3 + 0.3 + 0.1 + 0.2 + 0.4 + 0.4) / 8.
    y_true = [0, 1, 0, 1, 1, 0, 1, 0]
    y_prob = [0.1, 0.8, 0.3, 0.7, 0.9, 0.2, 0.6, 0.4]
    assert smooth_ece(y_true, y_prob, bandwidth=1e-5).value == pytest.approx(0.25, abs=1e-9)
