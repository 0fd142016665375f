"""Tests for casestudy.metrics.bootstrap.

Expected values come from a second implementation: the resamples are rebuilt by hand from the
same seeded multinomial draws, and the metric is computed on them by casestudy's own
full-data functions, by scikit-learn, or by formulas worked in the test.
"""

import doctest

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.metrics import log_loss as sklearn_log_loss

from casestudy.metrics import bootstrap, calibration_error, reliability_table, scoring
from casestudy.metrics.bootstrap import (
    bootstrap_mean,
    bootstrap_metric,
    bootstrap_reliability,
    iter_resample_counts,
)

N_QUERIES = 60


@pytest.fixture(scope="module")
def queries():
    """Sixty queries of 1 to 8 pairs each, with miscalibrated probabilities and shuffled rows."""
    rng = np.random.default_rng(42)
    sizes = rng.integers(1, 9, size=N_QUERIES)
    query_id = np.repeat(np.arange(N_QUERIES) * 7 + 100, sizes)
    y_prob = rng.uniform(size=len(query_id))
    y_prob[:3] = [0.0, 1.0, 0.5]
    y_true = (rng.uniform(size=len(query_id)) < y_prob**1.5).astype(int)
    order = rng.permutation(len(query_id))
    return y_true[order], y_prob[order], query_id[order]


def hand_resamples(metric, y_true, y_prob, query_id, *, n_resamples, seed, **kwargs):
    """Second implementation: draw counts with numpy directly and gather each query's rows."""
    distinct = list(dict.fromkeys(query_id.tolist()))
    rows_of = {query: np.flatnonzero(query_id == query) for query in distinct}
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(distinct), np.full(len(distinct), 1 / len(distinct)), size=n_resamples)
    values = []
    for row in counts:
        rows = np.concatenate([np.tile(rows_of[query], count) for query, count in zip(distinct, row)])
        values.append(metric(y_true[rows], y_prob[rows], **kwargs))
    return np.array(values)


def ece_by_hand(y_true, y_prob, n_bins=15):
    """Equal-width L1 ECE with a plain loop over bins (last bin closed on both ends)."""
    total = 0.0
    for bin_index in range(n_bins):
        lower, upper = bin_index / n_bins, (bin_index + 1) / n_bins
        inside = (y_prob >= lower) & ((y_prob < upper) if bin_index < n_bins - 1 else (y_prob <= upper))
        if inside.any():
            total += inside.sum() / len(y_prob) * abs(y_prob[inside].mean() - y_true[inside].mean())
    return total


# --- Vectorised path against a second implementation ---------------------------------------

CASES = [
    ("expected_calibration_error", calibration_error.expected_calibration_error, {}),
    ("expected_calibration_error", calibration_error.expected_calibration_error, {"n_bins": 7, "norm": "l2"}),
    ("expected_calibration_error", calibration_error.expected_calibration_error, {"norm": "max"}),
    ("maximum_calibration_error", calibration_error.maximum_calibration_error, {"n_bins": 10}),
    ("debiased_calibration_error", lambda t, p, **kw: calibration_error.debiased_calibration_error(t, p, **kw).value, {"n_bins": 5}),
    ("brier_score", scoring.brier_score, {}),
    ("log_loss", scoring.log_loss, {}),
    ("calibration_ratio", scoring.calibration_ratio, {}),
]


@pytest.mark.parametrize("name, function, kwargs", CASES)
def test_vectorised_equals_hand_loop(queries, name, function, kwargs):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric(name, y_true, y_prob, query_id=query_id, n_resamples=40, seed=3, **kwargs)
    expected = hand_resamples(function, y_true, y_prob, query_id, n_resamples=40, seed=3, **kwargs)
    assert result.method == "vectorised"
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, function, kwargs", CASES)
def test_vectorised_equals_loop_path(queries, name, function, kwargs):
    y_true, y_prob, query_id = queries
    fast = bootstrap_metric(name, y_true, y_prob, query_id=query_id, n_resamples=30, seed=5, **kwargs)
    slow = bootstrap_metric(name, y_true, y_prob, query_id=query_id, n_resamples=30, seed=5, method="loop", **kwargs)
    assert slow.method == "loop"
    np.testing.assert_allclose(fast.resamples, slow.resamples, rtol=1e-12, atol=1e-15)


def test_ece_resamples_match_bin_loop(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric("expected_calibration_error", y_true, y_prob, query_id=query_id, n_resamples=10, seed=8)
    expected = hand_resamples(ece_by_hand, y_true, y_prob, query_id, n_resamples=10, seed=8)
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-12, atol=1e-15)


def test_brier_resamples_match_sklearn(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=10, seed=9)
    expected = hand_resamples(brier_score_loss, y_true, y_prob, query_id, n_resamples=10, seed=9)
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-12, atol=1e-15)


def test_log_loss_resamples_match_sklearn(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric("log_loss", y_true, y_prob, query_id=query_id, n_resamples=10, seed=9)
    expected = hand_resamples(
        lambda t, p: sklearn_log_loss(t, p, labels=[0, 1]), y_true, y_prob, query_id, n_resamples=10, seed=9
    )
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-12, atol=1e-15)


def test_calibration_ratio_by_hand(queries):
    y_true, y_prob, query_id = queries

    def ratio(t, p):
        return p.sum() / t.sum()

    result = bootstrap_metric("calibration_ratio", y_true, y_prob, query_id=query_id, n_resamples=20, seed=2)
    expected = hand_resamples(ratio, y_true, y_prob, query_id, n_resamples=20, seed=2)
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "y_prob, y_true, n_bins, expected",
    [
        # One bin, gap 0, variance term 0.25 / 3: the estimate -1/12 is clamped to 0.
        ([0.5] * 4, [1, 0, 1, 0], 1, 0.0),
        # The singleton bin adds nothing; the other gives 3/4 * ((0.9 - 1/3)^2 - (2/9) / 2).
        ([0.2, 0.9, 0.9, 0.9], [0, 0, 0, 1], 2, np.sqrt(0.1575)),
        # Gap 0.65, variance term (1/4)(3/4)/3: 0.4225 - 0.0625 = 0.36.
        ([0.9] * 4, [1, 0, 0, 0], 1, 0.6),
    ],
)
def test_debiased_sums_hand_values(y_prob, y_true, n_bins, expected):
    y_prob = np.array(y_prob)
    y_true = np.array(y_true, dtype=float)
    columns, weights, n_statistics = bootstrap._binned_statistics(y_true, y_prob, n_bins)
    sums = np.zeros((1, n_statistics))
    for column, weight in zip(columns, weights):
        np.add.at(sums[0], column, weight)
    value = bootstrap._binned_error_from_sums(sums, n_bins, "debiased")
    assert value[0] == pytest.approx(expected, abs=1e-12)


def test_callable_by_object_vectorised(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric(calibration_error.expected_calibration_error, y_true, y_prob, query_id=query_id, n_resamples=5)
    assert result.method == "vectorised"


def test_quantile_strategy_uses_loop(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric(
        "expected_calibration_error", y_true, y_prob, query_id=query_id, n_resamples=10, strategy="quantile"
    )
    expected = hand_resamples(
        calibration_error.expected_calibration_error, y_true, y_prob, query_id, n_resamples=10, seed=0,
        strategy="quantile",
    )
    assert result.method == "loop"
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-12, atol=1e-15)


def test_custom_callable_loop(queries):
    y_true, y_prob, query_id = queries

    def mean_gap(t, p):
        return float(np.mean(p) - np.mean(t))

    result = bootstrap_metric(mean_gap, y_true, y_prob, query_id=query_id, n_resamples=15, seed=6)
    expected = hand_resamples(mean_gap, y_true, y_prob, query_id, n_resamples=15, seed=6)
    assert result.method == "loop"
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-12, atol=1e-15)


def test_smooth_ece_object_result(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric(
        calibration_error.smooth_ece, y_true, y_prob, query_id=query_id, n_resamples=5, seed=1
    )
    expected = hand_resamples(
        lambda t, p: calibration_error.smooth_ece(t, p).value, y_true, y_prob, query_id, n_resamples=5, seed=1
    )
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-9)


def test_callable_gets_logits_unchanged():
    y_true = np.array([0, 1, 0, 1])
    logits = np.array([-3.0, 2.0, -1.0, 4.0])
    result = bootstrap_metric(lambda t, s: float(np.max(s)), y_true, logits, n_resamples=5)
    assert result.estimate == 4.0


# --- Estimate and interval ---------------------------------------------------------------


@pytest.mark.parametrize("name, function, kwargs", CASES)
def test_estimate_equals_metric(queries, name, function, kwargs):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric(name, y_true, y_prob, query_id=query_id, n_resamples=5, **kwargs)
    assert result.estimate == function(y_true, y_prob, **kwargs)


def test_estimate_is_full_data_metric(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=5)
    assert result.estimate == pytest.approx(brier_score_loss(y_true, y_prob), abs=1e-15)


def test_interval_is_percentiles(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric(
        "brier_score", y_true, y_prob, query_id=query_id, n_resamples=101, confidence_level=0.9
    )
    ordered = np.sort(result.resamples)
    # With 101 values the 5% and 95% quantiles fall exactly on order statistics 5 and 95.
    assert result.lower == ordered[5]
    assert result.upper == ordered[95]


def test_half_width(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=20)
    assert result.half_width == pytest.approx((result.upper - result.lower) / 2)


def test_result_metadata(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric("log_loss", y_true, y_prob, query_id=query_id, n_resamples=12, seed=4)
    assert result.unit == "query"
    assert result.n_units == N_QUERIES
    assert result.n_resamples == 12
    assert result.seed == 4
    assert result.confidence_level == 0.95
    assert result.n_invalid == 0


def test_pair_unit_without_query_id(queries):
    y_true, y_prob, _ = queries
    result = bootstrap_metric("brier_score", y_true, y_prob, n_resamples=5)
    assert result.unit == "pair"
    assert result.n_units == len(y_true)


def test_resamples_read_only(queries):
    y_true, y_prob, query_id = queries
    result = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=5)
    with pytest.raises(ValueError):
        result.resamples[0] = 1.0


def test_same_seed_same_resamples(queries):
    y_true, y_prob, query_id = queries
    first = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=20, seed=11)
    second = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=20, seed=11)
    np.testing.assert_array_equal(first.resamples, second.resamples)


def test_other_seed_other_resamples(queries):
    y_true, y_prob, query_id = queries
    first = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=20, seed=11)
    second = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=20, seed=12)
    assert not np.array_equal(first.resamples, second.resamples)


def test_chunk_size_no_effect(queries):
    y_true, y_prob, query_id = queries
    whole = bootstrap_metric("expected_calibration_error", y_true, y_prob, query_id=query_id, n_resamples=25)
    chunked = bootstrap_metric(
        "expected_calibration_error", y_true, y_prob, query_id=query_id, n_resamples=25, chunk_size=4
    )
    np.testing.assert_array_equal(whole.resamples, chunked.resamples)


def test_undefined_resamples_counted():
    # One positive among five queries: resamples that miss query 4 have a single class,
    # on which ROC AUC raises ValueError.
    y_true = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    y_prob = np.linspace(0.05, 0.95, 10)
    query_id = np.repeat(np.arange(5), 2)
    result = bootstrap_metric(scoring.roc_auc, y_true, y_prob, query_id=query_id, n_resamples=200, seed=0)
    counts = np.vstack(list(iter_resample_counts(5, 200, seed=0)))
    assert result.n_invalid == int(np.sum(counts[:, 4] == 0))
    assert np.isnan(result.resamples).sum() == result.n_invalid


def test_ratio_without_positives_nan():
    y_true = np.array([0, 0, 1, 0])
    y_prob = np.array([0.2, 0.1, 0.7, 0.4])
    result = bootstrap_metric("calibration_ratio", y_true, y_prob, query_id=[1, 1, 2, 2], n_resamples=50)
    counts = np.vstack(list(iter_resample_counts(2, 50, seed=0)))
    assert result.n_invalid == int(np.sum(counts[:, 1] == 0))


# --- Query versus pair resampling --------------------------------------------------------


@pytest.fixture(scope="module")
def correlated():
    """300 queries of 10 pairs where every pair of a query shares the query's label.

    The probabilities lie in [0.6, 0.9], so a query's label moves all its squared errors
    together: 0.07 on average for label 1, 0.57 for label 0.
    """
    rng = np.random.default_rng(7)
    query_labels = rng.integers(0, 2, size=300)
    y_true = np.repeat(query_labels, 10)
    y_prob = rng.uniform(0.6, 0.9, size=len(y_true))
    return y_true, y_prob, np.repeat(np.arange(300), 10)


def test_query_mean_wider_than_pair(correlated):
    # With labels shared within a query there are 300 independent labels, not 3,000, so the
    # query interval must be about sqrt(10) times wider than the pair interval.
    y_true, _, query_id = correlated
    by_query = bootstrap_mean(y_true, query_id=query_id, n_resamples=400, seed=1)
    by_pair = bootstrap_mean(y_true, n_resamples=400, seed=1)
    assert by_query.half_width > 2 * by_pair.half_width


def test_query_brier_wider_than_pair(correlated):
    y_true, y_prob, query_id = correlated
    by_query = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=400, seed=1)
    by_pair = bootstrap_metric("brier_score", y_true, y_prob, n_resamples=400, seed=1)
    assert by_query.half_width > 2 * by_pair.half_width


def simulate_coverage(*, by_query: bool, n_simulations=200, true_mean=0.3):
    """Fraction of 90% intervals that contain the true mean of clustered data."""
    rng = np.random.default_rng(2024)
    covered = 0
    for simulation in range(n_simulations):
        sizes = rng.integers(1, 11, size=80)
        query_effect = np.repeat(rng.normal(0.0, 1.0, size=80), sizes)
        values = true_mean + query_effect + rng.normal(0.0, 1.0, size=len(query_effect))
        query_id = np.repeat(np.arange(80), sizes) if by_query else None
        result = bootstrap_mean(values, query_id=query_id, n_resamples=300, confidence_level=0.9, seed=simulation)
        covered += result.lower <= true_mean <= result.upper
    return covered / n_simulations


def test_query_bootstrap_coverage():
    # 200 simulations give a binomial standard error of about 0.021 around 0.9.
    coverage = simulate_coverage(by_query=True)
    assert 0.84 <= coverage <= 0.96


def test_pair_bootstrap_undercovers():
    # Half the variance is shared within a query, so ignoring queries shrinks the interval
    # about twofold and coverage falls far below 0.9.
    coverage = simulate_coverage(by_query=False)
    assert coverage < 0.75


# --- bootstrap_mean ----------------------------------------------------------------------


def test_mean_nan_excluded_by_hand():
    values = np.array([0.2, np.nan, 0.6, 1.0, 0.0, np.nan])
    query_id = np.array([1, 1, 2, 2, 3, 4])
    result = bootstrap_mean(values, query_id=query_id, n_resamples=30, seed=3)
    counts = np.random.default_rng(3).multinomial(4, np.full(4, 0.25), size=30)
    # Per query: (sum of included values, number included) for queries 1, 2, 3, 4.
    sums = np.array([0.2, 1.6, 0.0, 0.0])
    included = np.array([1, 2, 1, 0])
    with np.errstate(invalid="ignore"):
        expected = counts @ sums / (counts @ included)
    np.testing.assert_allclose(result.resamples, expected, rtol=1e-12)
    assert result.estimate == pytest.approx(0.45)


def test_mean_all_excluded_resample_nan():
    values = np.array([1.0, np.nan])
    result = bootstrap_mean(values, n_resamples=40, seed=0)
    counts = np.random.default_rng(0).multinomial(2, [0.5, 0.5], size=40)
    assert result.n_invalid == int(np.sum(counts[:, 0] == 0))


# --- bootstrap_reliability ---------------------------------------------------------------


def test_reliability_bands_match_loop(queries):
    y_true, y_prob, query_id = queries
    bands = bootstrap_reliability(y_true, y_prob, n_bins=5, query_id=query_id, n_resamples=50, seed=2)

    def rates(t, p):
        return reliability_table(t, p, n_bins=5).observed_rate

    per_resample = hand_resamples(rates, y_true, y_prob, query_id, n_resamples=50, seed=2)
    expected_lower = np.nanquantile(per_resample, 0.025, axis=0)
    expected_upper = np.nanquantile(per_resample, 0.975, axis=0)
    np.testing.assert_allclose(bands.lower, expected_lower, rtol=1e-12)
    np.testing.assert_allclose(bands.upper, expected_upper, rtol=1e-12)


def test_reliability_empty_bin_nan():
    bands = bootstrap_reliability([1, 1, 0], [0.9, 0.8, 0.2], n_bins=3, n_resamples=20)
    assert np.isnan(bands.lower[1])
    assert np.isnan(bands.upper[1])


def test_reliability_quantile_edges():
    y_prob = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.8])
    bands = bootstrap_reliability([0, 0, 1, 0, 1, 1], y_prob, n_bins=2, strategy="quantile", n_resamples=20)
    np.testing.assert_allclose(bands.bin_edges, [0.1, 0.35, 0.8])


# --- iter_resample_counts ----------------------------------------------------------------


def test_counts_rows_sum_to_units():
    counts = np.vstack(list(iter_resample_counts(13, 9, seed=1, chunk_size=4)))
    assert counts.shape == (9, 13)
    assert (counts.sum(axis=1) == 13).all()


def test_counts_chunking_invariant():
    whole = np.vstack(list(iter_resample_counts(13, 9, seed=1)))
    chunked = np.vstack(list(iter_resample_counts(13, 9, seed=1, chunk_size=2)))
    np.testing.assert_array_equal(whole, chunked)


def test_default_chunk_bounded():
    chunks = iter_resample_counts(bootstrap.DEFAULT_CHUNK_ENTRIES // 4, 10, seed=0)
    assert next(chunks).shape[0] == 4


# --- Bad input ---------------------------------------------------------------------------

Y_TRUE = [0, 1, 1, 0]
Y_PROB = [0.1, 0.8, 0.6, 0.3]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_resamples": 0}, r"n_resamples must be an integer >= 1; got 0"),
        ({"n_resamples": 10.0}, r"n_resamples must be an integer >= 1; got 10.0"),
        ({"n_resamples": True}, r"n_resamples must be an integer >= 1; got True"),
        ({"confidence_level": 0.0}, r"confidence_level must be in \(0, 1\).*got 0.0"),
        ({"confidence_level": 1.0}, r"confidence_level must be in \(0, 1\).*got 1.0"),
        ({"confidence_level": 95}, r"confidence_level must be in \(0, 1\).*got 95"),
        ({"confidence_level": "0.9"}, r"confidence_level must be a number in \(0, 1\); got '0.9'"),
        ({"seed": -1}, r"seed must be a non-negative integer; got -1"),
        ({"seed": 1.5}, r"seed must be a non-negative integer; got 1.5"),
        ({"seed": None}, r"seed must be a non-negative integer; got None"),
        ({"method": "fast"}, r"method must be 'auto', 'vectorised' or 'loop'; got 'fast'"),
        ({"chunk_size": 0}, r"chunk_size must be an integer >= 1; got 0"),
        ({"query_id": [1, 2, 3]}, r"query_id has 3 entries but the other inputs have 4"),
        ({"query_id": [1, None, 2, 2]}, r"query_id contains missing values .* positions \[1\]"),
        ({"query_id": [1.0, np.nan, 2.0, 2.0]}, r"query_id contains missing values"),
        ({"query_id": [[1, 2], [3, 4]]}, r"query_id must be 1-dimensional; got shape \(2, 2\)"),
        ({"n_bins": 0}, r"n_bins must be an integer >= 1; got 0"),
    ],
)
def test_bad_argument_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_metric("expected_calibration_error", Y_TRUE, Y_PROB, **kwargs)


@pytest.mark.parametrize(
    "y_true, y_prob, message",
    [
        ([0, 1, 2, 0], Y_PROB, r"y_true must contain only the labels 0 and 1; got \[2\]"),
        (Y_TRUE, [0.1, 1.2, 0.6, 0.3], r"y_prob has values outside \[0, 1\]: \[1.2\]"),
        (Y_TRUE, [0.1, np.nan, 0.6, 0.3], r"y_prob contains NaN or infinite values"),
        (Y_TRUE, [0.1, 0.8, 0.6], r"Inputs must have the same length"),
        ([], [], r"y_true is empty"),
        ([[0, 1]], [[0.2, 0.3]], r"y_true must be 1-dimensional"),
    ],
)
def test_bad_data_raises(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_metric("brier_score", y_true, y_prob)


def test_callable_infinite_score_raises():
    with pytest.raises(ValueError, match="y_prob contains NaN or infinite values"):
        bootstrap_metric(lambda t, s: 0.0, Y_TRUE, [0.1, np.inf, 0.2, 0.3])


def test_unknown_metric_name_raises():
    with pytest.raises(ValueError, match=r"metric must be one of .* got 'ece'"):
        bootstrap_metric("ece", Y_TRUE, Y_PROB)


def test_metric_not_callable_raises():
    with pytest.raises(ValueError, match="metric must be a metric name or a callable"):
        bootstrap_metric(3, Y_TRUE, Y_PROB)


def test_vectorised_callable_raises():
    with pytest.raises(ValueError, match="method='vectorised' needs one of"):
        bootstrap_metric(lambda t, p: 0.0, Y_TRUE, Y_PROB, method="vectorised")


def test_vectorised_quantile_raises():
    with pytest.raises(ValueError, match="with equal-width bins"):
        bootstrap_metric("expected_calibration_error", Y_TRUE, Y_PROB, method="vectorised", strategy="quantile")


def test_undefined_everywhere_raises():
    with pytest.raises(ValueError, match=r"undefined \(NaN\) on all 10 resamples"):
        bootstrap_metric(lambda t, p: float("nan"), Y_TRUE, Y_PROB, n_resamples=10)


@pytest.mark.parametrize(
    "values, message",
    [
        ([], r"values is empty"),
        ([[1.0, 2.0]], r"values must be 1-dimensional; got shape \(1, 2\)"),
        ([1.0, np.inf], r"values contains infinite values at positions \[1\]"),
        ([np.nan, np.nan], r"values contains only NaN"),
        (["a", "b"], r"values must be numeric"),
    ],
)
def test_mean_bad_values_raise(values, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_mean(values)


def test_mean_query_length_mismatch_raises():
    with pytest.raises(ValueError, match="query_id has 1 entries but the other inputs have 2"):
        bootstrap_mean([1.0, 2.0], query_id=[1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_resamples": -5}, r"n_resamples must be an integer >= 1; got -5"),
        ({"confidence_level": 1.5}, r"confidence_level must be in \(0, 1\)"),
        ({"seed": "0"}, r"seed must be a non-negative integer; got '0'"),
        ({"chunk_size": 2.5}, r"chunk_size must be an integer >= 1; got 2.5"),
    ],
)
def test_mean_bad_argument_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_mean([1.0, 2.0], **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_bins": 0}, r"n_bins must be an integer >= 1; got 0"),
        ({"strategy": "equal"}, r"strategy must be one of \('uniform', 'quantile'\); got 'equal'"),
        ({"query_id": [1]}, r"query_id has 1 entries"),
        ({"n_resamples": 0}, r"n_resamples must be an integer >= 1"),
    ],
)
def test_reliability_bad_argument_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_reliability(Y_TRUE, Y_PROB, **kwargs)


def test_reliability_bad_probability_raises():
    with pytest.raises(ValueError, match=r"y_prob has values outside \[0, 1\]: \[-0.1\]"):
        bootstrap_reliability(Y_TRUE, [-0.1, 0.8, 0.6, 0.3])


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 5), r"n_units must be an integer >= 1; got 0"),
        ((5, 0), r"n_resamples must be an integer >= 1; got 0"),
    ],
)
def test_counts_bad_argument_raises(args, message):
    with pytest.raises(ValueError, match=message):
        next(iter_resample_counts(*args))


def test_docstring_examples():
    failures, _ = doctest.testmod(bootstrap)
    assert failures == 0
