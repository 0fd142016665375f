"""Tests for casestudy.evaluation: model-judged ranking metrics and prediction-powered inference.

Model-judged expectations are checked against an exact enumeration of every label vector
(independent Bernoulli labels) and every order of tied items. PPI is checked against the
formulas worked by hand and by a seeded coverage simulation.
"""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from casestudy.evaluation import (
    classical_mean,
    compare_with_human,
    expected_dcg_at_k,
    expected_ndcg_at_k,
    expected_precision_at_k,
    ppi_mean,
    simulate_label_budgets,
)
from casestudy.metrics.ranking import ndcg_at_k, precision_at_k


# ---------------------------------------------------------------------------
# Exact enumeration: every label vector, every order of tied items.


def _orders(scores):
    for order in itertools.permutations(range(len(scores))):
        ranked = [scores[i] for i in order]
        if all(a >= b for a, b in zip(ranked, ranked[1:])):
            yield order


def _precision(labels, order, k):
    return sum(labels[j] for j in order[:k]) / min(k, len(labels))


def _dcg(labels, order, k):
    cutoff = len(labels) if k is None else k
    return sum(labels[j] / math.log2(i + 2) for i, j in enumerate(order[:cutoff]))


def _ndcg(labels, order, k):
    ideal = _dcg(sorted(labels, reverse=True), range(len(labels)), k)
    return _dcg(labels, order, k) / ideal


def _enumerate(prob, scores, metric, k):
    """Return E[metric | at least one relevant] and P(at least one relevant)."""
    orders = list(_orders(scores))
    joint = p_any = 0.0
    for labels in itertools.product([0, 1], repeat=len(prob)):
        weight = math.prod(p if y else 1 - p for p, y in zip(prob, labels))
        if sum(labels) == 0:
            continue
        value = sum(metric(labels, order, k) for order in orders) / len(orders)
        joint += weight * value
        p_any += weight
    return joint / p_any, p_any


def _random_queries(seed, n_queries=25, max_items=6):
    rng = np.random.default_rng(seed)
    rows = []
    for query in range(n_queries):
        n = rng.integers(1, max_items + 1)
        for _ in range(n):
            rows.append((query + 1000, rng.uniform(0.02, 0.98), rng.integers(0, 3)))
    return pd.DataFrame(rows, columns=["query_id", "y_prob", "score"])


@pytest.mark.parametrize("k", [1, 2, 4])
def test_expected_precision_enumeration(k):
    frame = _random_queries(30)
    result = expected_precision_at_k(frame.y_prob, frame.score, frame.query_id, k=k)
    for query, group in frame.groupby("query_id"):
        expected, p_any = _enumerate(list(group.y_prob), list(group.score), _precision, k)
        assert result.per_query.loc[query] == pytest.approx(expected, rel=1e-10)
        assert result.p_any_relevant.loc[query] == pytest.approx(p_any, rel=1e-10)


@pytest.mark.parametrize("k", [1, 3, None])
def test_expected_dcg_enumeration(k):
    frame = _random_queries(31)
    result = expected_dcg_at_k(frame.y_prob, frame.score, frame.query_id, k=k)
    for query, group in frame.groupby("query_id"):
        expected, _ = _enumerate(list(group.y_prob), list(group.score), _dcg, k)
        assert result.per_query.loc[query] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("k", [1, 2, 3, 10, None])
def test_expected_ndcg_enumeration(k):
    frame = _random_queries(32)
    result = expected_ndcg_at_k(frame.y_prob, frame.score, frame.query_id, k=k)
    for query, group in frame.groupby("query_id"):
        expected, _ = _enumerate(list(group.y_prob), list(group.score), _ndcg, k)
        assert result.per_query.loc[query] == pytest.approx(expected, rel=1e-10)


def test_expected_ndcg_mean_weighted():
    frame = _random_queries(33)
    result = expected_ndcg_at_k(frame.y_prob, frame.score, frame.query_id, k=3)
    joint = sum_p = 0.0
    for _, group in frame.groupby("query_id"):
        expected, p_any = _enumerate(list(group.y_prob), list(group.score), _ndcg, 3)
        joint += expected * p_any
        sum_p += p_any
    assert result.mean == pytest.approx(joint / sum_p, rel=1e-10)


def test_expected_ndcg_long_query_finite():
    # 300 items: the truncated count distributions must stay a valid distribution.
    rng = np.random.default_rng(34)
    prob = rng.uniform(0, 1, 300)
    result = expected_ndcg_at_k(prob, rng.normal(size=300), np.zeros(300), k=10)
    assert 0 < result.mean < 1


def test_expected_ndcg_certain_labels_match_human():
    rng = np.random.default_rng(35)
    query_id = np.repeat(np.arange(40), 5)
    labels = rng.integers(0, 2, query_id.size)
    scores = rng.integers(0, 3, query_id.size)
    model = expected_ndcg_at_k(labels.astype(float), scores, query_id, k=3)
    human = ndcg_at_k(labels, scores, query_id, k=3, gain="linear")
    pd.testing.assert_series_equal(model.per_query, human.per_query, check_names=False, rtol=1e-12)
    assert model.mean == pytest.approx(human.mean, rel=1e-12)


def test_expected_precision_certain_labels_match_human():
    rng = np.random.default_rng(36)
    query_id = np.repeat(np.arange(40), 5)
    labels = rng.integers(0, 2, query_id.size)
    scores = rng.normal(size=query_id.size)
    model = expected_precision_at_k(labels.astype(float), scores, query_id, k=2)
    human = precision_at_k(labels, scores, query_id, k=2)
    assert model.mean == pytest.approx(human.mean, rel=1e-12)


def test_expected_metrics_unbiased_when_calibrated():
    # Labels drawn from y_prob: the model-judged mean must match the human mean closely.
    rng = np.random.default_rng(37)
    query_id = np.repeat(np.arange(4000), 6)
    y_prob = rng.beta(1, 1.5, query_id.size)
    labels = (rng.uniform(size=query_id.size) < y_prob).astype(int)
    scores = y_prob + rng.normal(0, 0.3, query_id.size)
    model = expected_ndcg_at_k(y_prob, scores, query_id, k=3)
    human = ndcg_at_k(labels, scores, query_id, k=3, gain="linear")
    assert abs(model.mean - human.mean) < 0.01


def test_p_any_relevant_by_hand():
    result = expected_precision_at_k([0.5, 0.2, 0.0, 0.0], [1, 2, 1, 2], [1, 1, 2, 2])
    assert result.p_any_relevant.loc[1] == pytest.approx(1 - 0.5 * 0.8)
    assert result.p_any_relevant.loc[2] == 0.0
    assert np.isnan(result.per_query.loc[2])


def test_precision_conditional_by_hand():
    # Top 1 of query 1 is the item with p = 0.2; P(any relevant) = 0.6.
    result = expected_precision_at_k([0.5, 0.2, 0.0, 0.0], [1, 2, 1, 2], [1, 1, 2, 2], k=1)
    assert result.per_query.loc[1] == pytest.approx(0.2 / 0.6)
    assert result.mean == pytest.approx(0.2 / 0.6)


def test_expected_ndcg_input_order_irrelevant():
    frame = _random_queries(38)
    shuffled = frame.sample(frac=1.0, random_state=1)
    before = expected_ndcg_at_k(frame.y_prob, frame.score, frame.query_id, k=2)
    after = expected_ndcg_at_k(shuffled.y_prob, shuffled.score, shuffled.query_id, k=2)
    pd.testing.assert_series_equal(before.per_query, after.per_query, rtol=1e-12)


MODEL_JUDGED = [expected_precision_at_k, expected_dcg_at_k, expected_ndcg_at_k]


@pytest.mark.parametrize("metric", MODEL_JUDGED)
@pytest.mark.parametrize("bad", [[0.5, 1.2, 0.1], [0.5, -0.1, 0.1]])
def test_bad_input_probability_outside(metric, bad):
    with pytest.raises(ValueError, match=r"y_prob has values outside \[0, 1\]"):
        metric(bad, [1, 2, 3], [1, 1, 1])


@pytest.mark.parametrize("metric", MODEL_JUDGED)
def test_bad_input_probability_nan(metric):
    with pytest.raises(ValueError, match="y_prob contains NaN"):
        metric([0.5, np.nan, 0.1], [1, 2, 3], [1, 1, 1])


@pytest.mark.parametrize("metric", MODEL_JUDGED)
def test_bad_input_length_mismatch(metric):
    with pytest.raises(ValueError, match="y_score has 2"):
        metric([0.5, 0.3, 0.1], [1, 2], [1, 1, 1])


@pytest.mark.parametrize("metric", MODEL_JUDGED)
def test_bad_input_query_length_mismatch(metric):
    with pytest.raises(ValueError, match="query_id has 2"):
        metric([0.5, 0.3, 0.1], [1, 2, 3], [1, 1])


@pytest.mark.parametrize("metric", MODEL_JUDGED)
def test_bad_input_empty(metric):
    with pytest.raises(ValueError, match="empty"):
        metric([], [], [])


@pytest.mark.parametrize("metric", MODEL_JUDGED)
@pytest.mark.parametrize("k", [0, -2, 1.5])
def test_bad_input_k(metric, k):
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        metric([0.5, 0.3], [1, 2], [1, 1], k=k)


@pytest.mark.parametrize("metric", MODEL_JUDGED)
def test_bad_input_missing_query(metric):
    with pytest.raises(ValueError, match="query_id contains missing values"):
        metric([0.5, 0.3], [1, 2], [1, None])


def test_bad_input_precision_denominator():
    with pytest.raises(ValueError, match="denominator must be 'shown' or 'k'"):
        expected_precision_at_k([0.5, 0.3], [1, 2], [1, 1], denominator="n")


# ---------------------------------------------------------------------------
# Prediction-powered inference


Y_LABELED = [1, 0, 1, 1]
PRED_LABELED = [0.8, 0.4, 0.6, 0.9]
PRED_UNLABELED = [0.7, 0.5, 0.9, 0.3, 0.6]


def test_ppi_estimate_by_hand():
    # mean(unlabeled) = 3.0 / 5 = 0.6; rectifier mean((0.2, -0.4, 0.4, 0.1)) = 0.075.
    result = ppi_mean(Y_LABELED, PRED_LABELED, PRED_UNLABELED)
    assert result.estimate == pytest.approx(0.675, abs=1e-12)


def test_ppi_std_error_by_hand():
    # var(unlabeled) = 0.2 / 4 = 0.05; var(rectifier) = 0.3475 / 3.
    expected = math.sqrt(0.05 / 5 + (0.3475 / 3) / 4)
    result = ppi_mean(Y_LABELED, PRED_LABELED, PRED_UNLABELED)
    assert result.std_error == pytest.approx(expected, rel=1e-12)


def test_ppi_interval_by_hand():
    result = ppi_mean(Y_LABELED, PRED_LABELED, PRED_UNLABELED, alpha=0.1)
    half_width = 1.6448536269514722 * math.sqrt(0.05 / 5 + (0.3475 / 3) / 4)
    assert result.ci_low == pytest.approx(0.675 - half_width, rel=1e-12)
    assert result.ci_high == pytest.approx(0.675 + half_width, rel=1e-12)
    assert result.n_labeled == 4
    assert result.n_unlabeled == 5


def test_classical_by_hand():
    # mean 0.75, sample variance 0.25, standard error sqrt(0.25 / 4).
    result = classical_mean(Y_LABELED)
    assert result.estimate == 0.75
    assert result.std_error == pytest.approx(0.25, rel=1e-12)
    assert result.width == pytest.approx(2 * 1.959963984540054 * 0.25, rel=1e-12)


def test_ppi_tuned_weight_by_hand():
    # Cov(y, f) = 0.06 / 3 = 0.02; Var(all nine predictions) = 0.3 / 8 = 0.0375 (mean 0.633..).
    predictions = np.array(PRED_LABELED + PRED_UNLABELED)
    variance = ((predictions - predictions.mean()) ** 2).sum() / 8
    covariance = sum((y - 0.75) * (f - 0.675) for y, f in zip(Y_LABELED, PRED_LABELED)) / 3
    weight = min(1.0, max(0.0, covariance / ((1 + 4 / 5) * variance)))
    result = ppi_mean(Y_LABELED, PRED_LABELED, PRED_UNLABELED, power_tuning=True)
    assert result.weight == pytest.approx(weight, rel=1e-12)
    assert result.estimate == pytest.approx(0.75 + weight * (0.6 - 0.675), rel=1e-12)


def test_ppi_tuned_weight_zero_for_noise():
    rng = np.random.default_rng(40)
    y = rng.integers(0, 2, 200)
    result = ppi_mean(y, -y + rng.normal(0, 0.01, 200), rng.uniform(size=500), power_tuning=True)
    assert result.weight == 0.0
    assert result.estimate == pytest.approx(y.mean())


def _simulate_population(rng, size):
    """Labels with a miscalibrated but informative prediction: f = p**2 + noise."""
    p = rng.beta(2, 2, size)
    y = (rng.uniform(size=size) < p).astype(float)
    pred = np.clip(p**2 + rng.normal(0, 0.05, size), 0, 1)
    return y, pred


@pytest.mark.parametrize("power_tuning", [False, True])
def test_ppi_coverage_simulation(power_tuning):
    # Beta(2, 2) has mean 0.5, which is the true mean of y.
    rng = np.random.default_rng(41)
    covered = 0
    for _ in range(200):
        y, pred = _simulate_population(rng, 2200)
        result = ppi_mean(y[:200], pred[:200], pred[200:], power_tuning=power_tuning)
        covered += result.covers(0.5)
    assert covered >= 180


def test_classical_coverage_simulation():
    rng = np.random.default_rng(42)
    covered = sum(classical_mean(_simulate_population(rng, 200)[0]).covers(0.5) for _ in range(200))
    assert covered >= 180


def test_ppi_narrower_with_good_predictions():
    rng = np.random.default_rng(43)
    p = rng.uniform(size=5000)
    y = (rng.uniform(size=5000) < p).astype(float)
    ppi = ppi_mean(y[:300], p[:300], p[300:])
    classical = classical_mean(y[:300])
    assert ppi.width < classical.width


def test_ppi_unbiased_with_biased_predictions():
    # Predictions off by +0.3 everywhere; the rectifier removes the bias on average.
    rng = np.random.default_rng(44)
    estimates = []
    for _ in range(300):
        y = (rng.uniform(size=1100) < 0.4).astype(float)
        pred = np.full(1100, 0.7)
        estimates.append(ppi_mean(y[:100], pred[:100], pred[100:]).estimate)
    assert abs(np.mean(estimates) - 0.4) < 0.01


def test_simulate_label_budgets_table():
    y, pred = _simulate_population(np.random.default_rng(45), 3000)
    table = simulate_label_budgets(y, pred, [50, 400], n_repetitions=40, seed=0, progress=False)
    assert list(table.columns) == ["budget", "method", "coverage", "mean_width", "mean_error", "n_repetitions"]
    assert len(table) == 6
    widths = table.set_index(["budget", "method"]).mean_width
    assert widths.loc[(400, "ppi")] < widths.loc[(50, "ppi")]
    assert table.coverage.between(0, 1).all()


def test_simulate_label_budgets_seeded():
    y, pred = _simulate_population(np.random.default_rng(46), 500)
    first = simulate_label_budgets(y, pred, [30], n_repetitions=10, seed=3, progress=False)
    second = simulate_label_budgets(y, pred, [30], n_repetitions=10, seed=3, progress=False)
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, True, "0.05"])
def test_bad_input_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must be a number strictly between 0 and 1"):
        ppi_mean(Y_LABELED, PRED_LABELED, PRED_UNLABELED, alpha=alpha)


def test_bad_input_classical_alpha():
    with pytest.raises(ValueError, match="alpha must be"):
        classical_mean(Y_LABELED, alpha=2)


def test_bad_input_ppi_length_mismatch():
    with pytest.raises(ValueError, match="pred_labeled has 3"):
        ppi_mean(Y_LABELED, PRED_LABELED[:3], PRED_UNLABELED)


def test_bad_input_ppi_single_label():
    with pytest.raises(ValueError, match="y_labeled has 1 value; at least 2"):
        ppi_mean([1], [0.5], PRED_UNLABELED)


def test_bad_input_ppi_single_unlabeled():
    with pytest.raises(ValueError, match="pred_unlabeled has 1 value; at least 2"):
        ppi_mean(Y_LABELED, PRED_LABELED, [0.5])


def test_bad_input_ppi_nonfinite():
    with pytest.raises(ValueError, match="pred_unlabeled contains NaN"):
        ppi_mean(Y_LABELED, PRED_LABELED, [0.5, np.inf])


def test_bad_input_classical_empty():
    with pytest.raises(ValueError, match="y_labeled is empty"):
        classical_mean([])


@pytest.mark.parametrize("budgets", [[1], [499], [], [10, 600]])
def test_bad_input_budgets(budgets):
    y, pred = _simulate_population(np.random.default_rng(47), 500)
    with pytest.raises(ValueError, match="budgets must be integers between 2 and 498"):
        simulate_label_budgets(y, pred, budgets, progress=False)


@pytest.mark.parametrize("n_repetitions", [0, 2.5, True])
def test_bad_input_repetitions(n_repetitions):
    y, pred = _simulate_population(np.random.default_rng(48), 100)
    with pytest.raises(ValueError, match="n_repetitions must be an integer >= 1"):
        simulate_label_budgets(y, pred, [10], n_repetitions=n_repetitions, progress=False)


def test_bad_input_simulation_length():
    with pytest.raises(ValueError, match="pred has 3"):
        simulate_label_budgets([1, 0, 1, 0], [0.1, 0.2, 0.3], [2], progress=False)


# ---------------------------------------------------------------------------
# Gap between model-judged and human-judged means


def _gap_inputs(seed):
    rng = np.random.default_rng(seed)
    query_id = np.repeat(np.arange(60), 4)
    y_prob = rng.uniform(size=query_id.size)
    labels = (rng.uniform(size=query_id.size) < y_prob ** 0.5).astype(int)
    scores = rng.normal(size=query_id.size)
    model = expected_precision_at_k(y_prob, scores, query_id, k=2)
    human = precision_at_k(labels, scores, query_id, k=2)
    return model, human


def test_compare_with_human_point_estimate():
    model, human = _gap_inputs(60)
    gap = compare_with_human(model, human, n_resamples=50)
    assert gap.gap == pytest.approx(model.mean - human.mean)
    assert gap.abs_gap == pytest.approx(abs(model.mean - human.mean))


def test_compare_with_human_resamples_loop():
    # Recompute both means for every resample with a plain loop over the drawn queries.
    from casestudy.metrics.bootstrap import iter_resample_counts

    model, human = _gap_inputs(61)
    gap = compare_with_human(model, human, n_resamples=200, seed=5, confidence_level=0.9)
    per_model = model.per_query.to_numpy()
    p_any = model.p_any_relevant.to_numpy()
    per_human = human.per_query.to_numpy()
    gaps = []
    for counts in iter_resample_counts(len(per_model), 200, seed=5):
        for row in counts:
            drawn = np.repeat(np.arange(len(per_model)), row)
            model_mean = np.sum(per_model[drawn] * p_any[drawn]) / np.sum(p_any[drawn])
            human_mean = np.nanmean(per_human[drawn])
            gaps.append(model_mean - human_mean)
    assert gap.gap_lower == pytest.approx(np.quantile(gaps, 0.05), rel=1e-10)
    assert gap.gap_upper == pytest.approx(np.quantile(gaps, 0.95), rel=1e-10)
    assert gap.abs_gap_upper == pytest.approx(np.quantile(np.abs(gaps), 0.95), rel=1e-10)


def test_bad_input_compare_different_queries():
    model, _ = _gap_inputs(62)
    human = precision_at_k([1, 0], [0.5, 0.2], [1, 1])
    with pytest.raises(ValueError, match="model and human results cover different queries"):
        compare_with_human(model, human)


@pytest.mark.parametrize("level", [0, 1, 1.5])
def test_bad_input_compare_confidence_level(level):
    model, human = _gap_inputs(63)
    with pytest.raises(ValueError, match="confidence_level must be a number strictly between 0 and 1"):
        compare_with_human(model, human, confidence_level=level)


# ---------------------------------------------------------------------------
# Queries without a relevant item scored as 0


@pytest.mark.parametrize(
    "model_metric, metric, k",
    [(expected_precision_at_k, _precision, 2), (expected_dcg_at_k, _dcg, 3), (expected_ndcg_at_k, _ndcg, 2)],
)
def test_zero_rule_enumeration(model_metric, metric, k):
    frame = _random_queries(70)
    result = model_metric(frame.y_prob, frame.score, frame.query_id, k=k, no_relevant="zero")
    expected_values = []
    for query, group in frame.groupby("query_id"):
        conditional, p_any = _enumerate(list(group.y_prob), list(group.score), metric, k)
        expected_values.append(conditional * p_any)
        assert result.per_query.loc[query] == pytest.approx(conditional * p_any, rel=1e-10)
    assert result.mean == pytest.approx(np.mean(expected_values), rel=1e-10)
    assert result.no_relevant == "zero"


def test_zero_rule_unbiased_with_correlated_labels():
    # Half of the queries have no relevant item at all; elsewhere labels follow q. The
    # marginal probability 0.5 * q is calibrated, but labels of a query are correlated.
    rng = np.random.default_rng(71)
    query_id = np.repeat(np.arange(6000), 5)
    q = rng.uniform(0.2, 1.0, query_id.size)
    active = np.repeat(rng.uniform(size=6000) < 0.5, 5)
    labels = (active & (rng.uniform(size=query_id.size) < q)).astype(int)
    y_prob = 0.5 * q
    scores = q + rng.normal(0, 0.2, query_id.size)
    zero_model = expected_precision_at_k(y_prob, scores, query_id, k=2, no_relevant="zero")
    zero_human = precision_at_k(labels, scores, query_id, k=2, no_relevant="zero")
    exclude_model = expected_precision_at_k(y_prob, scores, query_id, k=2)
    exclude_human = precision_at_k(labels, scores, query_id, k=2)
    assert abs(zero_model.mean - zero_human.mean) < 0.01
    assert exclude_human.mean - exclude_model.mean > 0.2


def test_compare_with_human_zero_rule_loop():
    from casestudy.metrics.bootstrap import iter_resample_counts

    rng = np.random.default_rng(72)
    query_id = np.repeat(np.arange(50), 4)
    y_prob = rng.uniform(size=query_id.size)
    labels = (rng.uniform(size=query_id.size) < y_prob).astype(int)
    scores = rng.normal(size=query_id.size)
    model = expected_ndcg_at_k(y_prob, scores, query_id, k=3, no_relevant="zero")
    human = ndcg_at_k(labels, scores, query_id, k=3, gain="linear", no_relevant="zero")
    gap = compare_with_human(model, human, n_resamples=100, seed=2)
    gaps = []
    for counts in iter_resample_counts(50, 100, seed=2):
        for row in counts:
            drawn = np.repeat(np.arange(50), row)
            gaps.append(model.per_query.to_numpy()[drawn].mean() - human.per_query.to_numpy()[drawn].mean())
    assert gap.gap == pytest.approx(model.mean - human.mean)
    assert gap.gap_lower == pytest.approx(np.quantile(gaps, 0.025), rel=1e-10)
    assert gap.gap_upper == pytest.approx(np.quantile(gaps, 0.975), rel=1e-10)


def test_bad_input_compare_rule_mismatch():
    model, _ = _gap_inputs(73)
    rng = np.random.default_rng(73)
    query_id = np.repeat(np.arange(60), 4)
    human = precision_at_k(rng.integers(0, 2, 240), rng.normal(size=240), query_id, k=2, no_relevant="zero")
    with pytest.raises(ValueError, match="treat queries without a relevant item differently"):
        compare_with_human(model, human)


@pytest.mark.parametrize("metric", MODEL_JUDGED)
def test_bad_input_no_relevant(metric):
    with pytest.raises(ValueError, match="no_relevant must be 'exclude' or 'zero'; got 'skip'"):
        metric([0.5, 0.3], [1, 2], [1, 1], no_relevant="skip")


@pytest.mark.parametrize(("budgets", "value_pattern"), [([2.5], r"\[2.5\]"), ([10, 20.5], r"\[20.5\]"), (["10"], r"\['10'\]"), ([np.nan], r"\[nan\]")])
def test_bad_input_budgets_not_integers(budgets, value_pattern):
    # 2.5 used to be truncated to 2 without a word.
    y, pred = _simulate_population(np.random.default_rng(49), 100)
    with pytest.raises(ValueError, match=rf"budgets must be integers; got {value_pattern}"):
        simulate_label_budgets(y, pred, budgets, progress=False)


def test_bad_input_budgets_scalar():
    y, pred = _simulate_population(np.random.default_rng(50), 100)
    with pytest.raises(ValueError, match=r"budgets must be a sequence of integers such as \[50, 100\]; got 10"):
        simulate_label_budgets(y, pred, 10, progress=False)


def test_budgets_integral_floats_accepted():
    y, pred = _simulate_population(np.random.default_rng(51), 100)
    table = simulate_label_budgets(y, pred, [10.0, np.int64(20)], n_repetitions=2, progress=False)
    assert sorted(table.budget.unique()) == [10, 20]


def test_bad_input_compare_swapped_results():
    # Swapped arguments used to fail with an AttributeError on p_any_relevant.
    model, human = _gap_inputs(64)
    with pytest.raises(ValueError, match="model must be a ModelJudgedResult .*; got RankingResult"):
        compare_with_human(human, model)


def test_bad_input_compare_plain_numbers():
    model, _ = _gap_inputs(65)
    with pytest.raises(ValueError, match="human must be a RankingResult .*; got float"):
        compare_with_human(model, 0.5)
