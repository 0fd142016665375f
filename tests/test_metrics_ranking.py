"""Tests for casestudy.metrics.ranking.

Expected values come from hand-worked formulas, from scikit-learn's ``ndcg_score`` run on
one query at a time, or from a brute-force average over every order of the tied items.
"""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from casestudy.metrics.ranking import (
    compare_orders,
    count_ties,
    dcg_at_k,
    home_depot_gain,
    home_depot_grade,
    mrr,
    ndcg_at_k,
    precision_at_k,
)


# ---------------------------------------------------------------------------
# Brute-force second implementation: enumerate every order consistent with the scores.


def _orders(scores):
    """All orders of the items that sort the scores in non-increasing order."""
    for order in itertools.permutations(range(len(scores))):
        ranked = [scores[i] for i in order]
        if all(a >= b for a, b in zip(ranked, ranked[1:])):
            yield order


def _brute_ndcg(gains, scores, k):
    cutoff = len(gains) if k is None else k
    ideal = sorted(gains, reverse=True)
    ideal_dcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal[:cutoff]))
    values = []
    for order in _orders(scores):
        dcg = sum(gains[j] / math.log2(i + 2) for i, j in enumerate(order[:cutoff]))
        values.append(dcg / ideal_dcg)
    return sum(values) / len(values)


def _brute_precision(labels, scores, k):
    values = [sum(labels[j] for j in order[:k]) / min(k, len(labels)) for order in _orders(scores)]
    return sum(values) / len(values)


def _brute_reciprocal_rank(labels, scores, k):
    values = []
    for order in _orders(scores):
        first = next(i + 1 for i, j in enumerate(order) if labels[j] == 1)
        values.append(1.0 / first if k is None or first <= k else 0.0)
    return sum(values) / len(values)


def _random_queries(rng, n_queries, max_items=6):
    """Small random queries with integer scores, so that ties are common."""
    rows = []
    for query in range(n_queries):
        n = rng.integers(1, max_items + 1)
        for _ in range(n):
            rows.append((query * 3 + 100, rng.integers(0, 4), rng.integers(0, 3) / 2))
    frame = pd.DataFrame(rows, columns=["query_id", "relevance", "score"])
    return frame


# ---------------------------------------------------------------------------
# NDCG: the documented edge cases


def test_ndcg_query_without_relevant_excluded():
    result = ndcg_at_k([1, 0, 1, 0, 0, 0], [1, 0, 1, 0, 0, 0], [1, 1, 1, 2, 2, 2], gain="linear")
    assert result.mean == 1.0
    assert result.n_excluded == 1
    assert result.n_queries == 2
    assert result.n_evaluated == 1
    assert np.isnan(result.per_query.loc[2])


@pytest.mark.parametrize(
    "scores, expected",
    [
        ([1, 1, 1, 1, 1], 0.690979),
        ([1, 1, 1, 0.5, 0.5], 0.699812),
        ([0.1, 0.2, 0.3, 4, 70], 0.695694),
    ],
)
def test_ndcg_ties_documented_values(scores, expected):
    relevance = [10, 0, 0, 1, 5]
    result = ndcg_at_k(relevance, scores, [0] * 5, gain="linear")
    assert result.mean == pytest.approx(expected, abs=1e-6)
    assert result.mean == pytest.approx(_brute_ndcg(relevance, scores, None), rel=1e-12)
    assert result.mean == pytest.approx(ndcg_score([relevance], [scores]), rel=1e-12)


def test_ndcg_all_ties_by_hand():
    # Every position gets the mean gain 16 / 5; ideal order is 10, 5, 1, 0, 0.
    discounts = [1 / math.log2(i + 2) for i in range(5)]
    expected = (16 / 5) * sum(discounts) / (10 * discounts[0] + 5 * discounts[1] + 1 * discounts[2])
    result = ndcg_at_k([10, 0, 0, 1, 5], [1, 1, 1, 1, 1], [0] * 5, gain="linear")
    assert result.mean == pytest.approx(expected, rel=1e-12)


def test_ndcg_mean_over_queries_not_flattened():
    result = ndcg_at_k(
        [0, 1, 0, 1, 0, 0],
        [0.1, 0.2, 0.3, 0.8, 0.1, 0.05],
        ["a", "a", "a", "b", "b", "b"],
        gain="linear",
    )
    first = 1 / math.log2(3)
    assert result.per_query.loc["a"] == pytest.approx(first, rel=1e-12)
    assert result.per_query.loc["b"] == pytest.approx(1.0, rel=1e-12)
    assert result.per_query.loc["a"] == pytest.approx(0.630930, abs=1e-6)
    assert result.mean == pytest.approx(0.815465, abs=1e-6)
    assert result.mean == pytest.approx((first + 1.0) / 2, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ndcg_input_order_of_ties_irrelevant(seed):
    frame = _random_queries(np.random.default_rng(seed), 30)
    shuffled = frame.sample(frac=1.0, random_state=seed)
    before = ndcg_at_k(frame.relevance, frame.score, frame.query_id, k=3)
    after = ndcg_at_k(shuffled.relevance, shuffled.score, shuffled.query_id, k=3)
    pd.testing.assert_series_equal(before.per_query, after.per_query, check_exact=True)
    assert before.mean == after.mean


# ---------------------------------------------------------------------------
# NDCG: second implementations


@pytest.mark.parametrize("k", [1, 2, 3, None])
def test_ndcg_matches_sklearn_per_query(k):
    frame = _random_queries(np.random.default_rng(10), 40)
    result = ndcg_at_k(frame.relevance, frame.score, frame.query_id, k=k, gain="linear")
    for query, group in frame.groupby("query_id"):
        if group.relevance.sum() == 0:
            assert np.isnan(result.per_query.loc[query])
        elif len(group) == 1:
            # scikit-learn rejects a single document; one relevant item always scores 1.
            assert result.per_query.loc[query] == 1.0
        else:
            expected = ndcg_score([group.relevance.to_numpy()], [group.score.to_numpy()], k=k)
            assert result.per_query.loc[query] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_ndcg_matches_brute_force_exponential(k):
    frame = _random_queries(np.random.default_rng(11), 25)
    result = ndcg_at_k(frame.relevance, frame.score, frame.query_id, k=k, gain="exponential")
    for query, group in frame.groupby("query_id"):
        gains = [2.0**r - 1 for r in group.relevance]
        if sum(gains) == 0:
            continue
        expected = _brute_ndcg(gains, list(group.score), k)
        assert result.per_query.loc[query] == pytest.approx(expected, rel=1e-12)


def test_ndcg_exponential_by_hand():
    # Gains 3, 1, 0 ranked in the order 0, 1, 3.
    dcg = 0 / math.log2(2) + 1 / math.log2(3) + 3 / math.log2(4)
    ideal = 3 / math.log2(2) + 1 / math.log2(3)
    result = ndcg_at_k([2, 1, 0], [0.1, 0.2, 0.3], [5, 5, 5])
    assert result.mean == pytest.approx(dcg / ideal, rel=1e-12)


def test_ndcg_mapping_gain():
    mapped = ndcg_at_k([2, 1, 0], [0.1, 0.2, 0.3], [5, 5, 5], gain={0: 0, 1: 1, 2: 3})
    exponential = ndcg_at_k([2, 1, 0], [0.1, 0.2, 0.3], [5, 5, 5], gain="exponential")
    assert mapped.mean == pytest.approx(exponential.mean, rel=1e-12)


def test_ndcg_callable_gain():
    doubled = ndcg_at_k([2, 1, 0], [0.1, 0.2, 0.3], [5, 5, 5], gain=lambda y: 2 * y)
    linear = ndcg_at_k([2, 1, 0], [0.1, 0.2, 0.3], [5, 5, 5], gain="linear")
    assert doubled.mean == pytest.approx(linear.mean, rel=1e-12)


def test_ndcg_cutoff_by_hand():
    # Only the first position counts at k=1: the item with gain 1 against the ideal 3.
    result = ndcg_at_k([2, 1, 0], [0.1, 0.2, 0.3], [5, 5, 5], k=1, gain={0: 0, 1: 1, 2: 3})
    assert result.per_query.loc[5] == 0.0
    result = ndcg_at_k([2, 1, 0], [0.1, 0.3, 0.2], [5, 5, 5], k=1, gain={0: 0, 1: 1, 2: 3})
    assert result.per_query.loc[5] == pytest.approx(1 / 3, rel=1e-12)


def test_ndcg_per_query_index_sorted():
    result = ndcg_at_k([1, 1, 0, 1], [1, 2, 3, 4], [30, 10, 20, 10], gain="linear")
    assert list(result.per_query.index) == [10, 20, 30]


def test_ndcg_all_queries_excluded():
    result = ndcg_at_k([0, 0], [1, 2], [1, 2])
    assert np.isnan(result.mean)
    assert result.n_excluded == 2


def test_ndcg_scale_invariant_under_monotone_map():
    frame = _random_queries(np.random.default_rng(12), 30)
    raw = ndcg_at_k(frame.relevance, frame.score, frame.query_id)
    mapped = ndcg_at_k(frame.relevance, 1 / (1 + np.exp(-3 * frame.score)), frame.query_id)
    pd.testing.assert_series_equal(raw.per_query, mapped.per_query, check_exact=True)


# ---------------------------------------------------------------------------
# Precision@k


def test_precision_by_hand():
    # Top 2 by score: labels 1 and 0.
    result = precision_at_k([1, 0, 1, 0], [0.9, 0.8, 0.1, 0.5], [1, 1, 1, 1], k=2)
    assert result.mean == 0.5


def test_precision_tie_straddles_cutoff():
    # The top item is relevant. Two of the three tied items fill positions 2 and 3, and one
    # tied item in three is relevant, so the expected hits are 1 + 2 * (1 / 3).
    result = precision_at_k([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.5], [1, 1, 1, 1], k=3)
    assert result.mean == pytest.approx((1 + 2 / 3) / 3, rel=1e-12)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_precision_matches_brute_force(k):
    frame = _random_queries(np.random.default_rng(13), 30)
    frame["label"] = (frame.relevance >= 2).astype(int)
    result = precision_at_k(frame.label, frame.score, frame.query_id, k=k)
    for query, group in frame.groupby("query_id"):
        if group.label.sum() == 0:
            assert np.isnan(result.per_query.loc[query])
            continue
        expected = _brute_precision(list(group.label), list(group.score), k)
        assert result.per_query.loc[query] == pytest.approx(expected, rel=1e-12)


def test_precision_denominator_k():
    # Two items, both relevant: 2 / 2 with the shown denominator, 2 / 5 with k=5.
    shown = precision_at_k([1, 1], [0.3, 0.2], [1, 1], k=5)
    padded = precision_at_k([1, 1], [0.3, 0.2], [1, 1], k=5, denominator="k")
    assert shown.mean == 1.0
    assert padded.mean == pytest.approx(0.4)


def test_precision_query_without_relevant_excluded():
    result = precision_at_k([1, 0, 0, 0], [1, 2, 1, 2], [1, 1, 2, 2], k=1)
    assert result.n_excluded == 1
    assert result.mean == 0.0


# ---------------------------------------------------------------------------
# MRR


def test_mrr_by_hand():
    result = mrr([0, 1, 0, 0, 0, 1], [0.9, 0.5, 0.1, 0.3, 0.2, 0.1], [1, 1, 1, 2, 2, 2])
    assert result.per_query.loc[1] == 0.5
    assert result.per_query.loc[2] == pytest.approx(1 / 3)
    assert result.mean == pytest.approx((1 / 2 + 1 / 3) / 2)


def test_mrr_all_tied_one_relevant():
    # The relevant item is equally likely at positions 1..4.
    result = mrr([0, 0, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1])
    assert result.mean == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4, rel=1e-12)


@pytest.mark.parametrize("k", [None, 1, 2, 4])
def test_mrr_matches_brute_force(k):
    frame = _random_queries(np.random.default_rng(14), 40)
    frame["label"] = (frame.relevance >= 2).astype(int)
    result = mrr(frame.label, frame.score, frame.query_id, k=k)
    for query, group in frame.groupby("query_id"):
        if group.label.sum() == 0:
            assert np.isnan(result.per_query.loc[query])
            continue
        expected = _brute_reciprocal_rank(list(group.label), list(group.score), k)
        assert result.per_query.loc[query] == pytest.approx(expected, rel=1e-12)


def test_mrr_large_tie_group_finite():
    # 400 tied items with 3 relevant: binomial coefficients overflow without logs.
    labels = np.zeros(400, dtype=int)
    labels[[5, 50, 300]] = 1
    result = mrr(labels, np.ones(400), np.zeros(400))
    assert np.isfinite(result.mean)
    assert 0 < result.mean < 1


def test_mrr_input_order_irrelevant():
    frame = _random_queries(np.random.default_rng(15), 30)
    frame["label"] = (frame.relevance >= 2).astype(int)
    shuffled = frame.sample(frac=1.0, random_state=3)
    before = mrr(frame.label, frame.score, frame.query_id)
    after = mrr(shuffled.label, shuffled.score, shuffled.query_id)
    pd.testing.assert_series_equal(before.per_query, after.per_query, check_exact=True)


# ---------------------------------------------------------------------------
# Home Depot scale


def test_home_depot_grade_shift():
    assert home_depot_grade([1.0, 2.0, 3.0]).tolist() == [0.0, 1.0, 2.0]


def test_home_depot_gain_values():
    assert home_depot_gain([1.0, 2.0, 3.0]).tolist() == [0.0, 1.0, 3.0]


def test_home_depot_gain_as_callable():
    relevance = [3.0, 1.0, 2.33]
    direct = ndcg_at_k(relevance, [0.2, 0.9, 0.5], [1, 1, 1], gain=home_depot_gain)
    shifted = ndcg_at_k(home_depot_grade(relevance), [0.2, 0.9, 0.5], [1, 1, 1], gain="exponential")
    assert direct.mean == pytest.approx(shifted.mean, rel=1e-12)


@pytest.mark.parametrize("relevance", [[0.5, 2.0], [2.0, 3.5], [np.nan, 2.0]])
def test_home_depot_grade_rejects_off_scale(relevance):
    with pytest.raises(ValueError, match="relevance"):
        home_depot_grade(relevance)


# ---------------------------------------------------------------------------
# Bad input


METRICS = [
    (ndcg_at_k, [1, 0, 1]),
    (precision_at_k, [1, 0, 1]),
    (mrr, [1, 0, 1]),
]


@pytest.mark.parametrize("metric, labels", METRICS)
def test_bad_input_empty(metric, labels):
    with pytest.raises(ValueError, match="empty"):
        metric([], [], [])


@pytest.mark.parametrize("metric, labels", METRICS)
def test_bad_input_length_mismatch_scores(metric, labels):
    with pytest.raises(ValueError, match="y_score has 2"):
        metric(labels, [0.1, 0.2], [1, 1, 1])


@pytest.mark.parametrize("metric, labels", METRICS)
def test_bad_input_length_mismatch_queries(metric, labels):
    with pytest.raises(ValueError, match="query_id has 4"):
        metric(labels, [0.1, 0.2, 0.3], [1, 1, 1, 1])


@pytest.mark.parametrize("metric, labels", METRICS)
def test_bad_input_nonfinite_score(metric, labels):
    with pytest.raises(ValueError, match="y_score contains NaN"):
        metric(labels, [0.1, np.nan, 0.3], [1, 1, 1])


@pytest.mark.parametrize("metric, labels", METRICS)
def test_bad_input_infinite_score(metric, labels):
    with pytest.raises(ValueError, match="y_score contains NaN or infinite values \\[inf\\]"):
        metric(labels, [0.1, np.inf, 0.3], [1, 1, 1])


@pytest.mark.parametrize("metric, labels", METRICS)
def test_bad_input_missing_query_id(metric, labels):
    with pytest.raises(ValueError, match="query_id contains missing values"):
        metric(labels, [0.1, 0.2, 0.3], [1.0, np.nan, 1.0])


@pytest.mark.parametrize("metric, labels", METRICS)
@pytest.mark.parametrize("k", [0, -1, 2.5, True, "10"])
def test_bad_input_k(metric, labels, k):
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        metric(labels, [0.1, 0.2, 0.3], [1, 1, 1], k=k)


def test_bad_input_precision_k_none():
    with pytest.raises(ValueError, match="k must be an integer >= 1; got None"):
        precision_at_k([1, 0], [0.1, 0.2], [1, 1], k=None)


def test_bad_input_2d_scores():
    with pytest.raises(ValueError, match="y_score must be 1-dimensional"):
        ndcg_at_k([1, 0], [[0.1, 0.2]], [1, 1])


def test_bad_input_negative_gain():
    with pytest.raises(ValueError, match=r"gains must be finite and non-negative.*\[-1\.0\]"):
        ndcg_at_k([1, -1, 0], [0.1, 0.2, 0.3], [1, 1, 1], gain="linear")


def test_bad_input_negative_exponential_gain():
    with pytest.raises(ValueError, match="gains must be finite and non-negative"):
        ndcg_at_k([1, -2, 0], [0.1, 0.2, 0.3], [1, 1, 1])


def test_bad_input_overflowing_gain():
    with pytest.raises(ValueError, match="gains must be finite"):
        ndcg_at_k([1, 2000, 0], [0.1, 0.2, 0.3], [1, 1, 1])


def test_bad_input_nonfinite_relevance():
    with pytest.raises(ValueError, match="y_true contains NaN"):
        ndcg_at_k([1, np.nan, 0], [0.1, 0.2, 0.3], [1, 1, 1])


def test_bad_input_unknown_gain_name():
    with pytest.raises(ValueError, match="gain must be 'exponential', 'linear'.*'log'"):
        ndcg_at_k([1, 0], [0.1, 0.2], [1, 1], gain="log")


def test_bad_input_gain_mapping_missing_key():
    with pytest.raises(ValueError, match=r"no entry for the relevance values \[2\.0\]"):
        ndcg_at_k([1, 2, 0], [0.1, 0.2, 0.3], [1, 1, 1], gain={0: 0, 1: 1})


def test_bad_input_gain_mapping_negative_value():
    with pytest.raises(ValueError, match="gains must be finite and non-negative"):
        ndcg_at_k([1, 0], [0.1, 0.2], [1, 1], gain={0: -1, 1: 1})


def test_bad_input_gain_callable_shape():
    with pytest.raises(ValueError, match="gain callable must return an array of shape"):
        ndcg_at_k([1, 0], [0.1, 0.2], [1, 1], gain=lambda y: y[:1])


def test_bad_input_gain_type():
    with pytest.raises(ValueError, match="gain must be"):
        ndcg_at_k([1, 0], [0.1, 0.2], [1, 1], gain=3)


@pytest.mark.parametrize("metric", [precision_at_k, mrr])
def test_bad_input_nonbinary_labels(metric):
    with pytest.raises(ValueError, match=r"y_true must contain only the labels 0 and 1; got \[2"):
        metric([1, 2, 0], [0.1, 0.2, 0.3], [1, 1, 1])


def test_bad_input_precision_denominator():
    with pytest.raises(ValueError, match="denominator must be 'shown' or 'k'; got 'all'"):
        precision_at_k([1, 0], [0.1, 0.2], [1, 1], denominator="all")


# ---------------------------------------------------------------------------
# DCG@k


def test_dcg_by_hand():
    # Gains 3 and 1 at positions 2 and 1.
    result = dcg_at_k([2, 1, 0], [0.2, 0.3, 0.1], [4, 4, 4], gain="exponential")
    assert result.mean == pytest.approx(1 / math.log2(2) + 3 / math.log2(3), rel=1e-12)


@pytest.mark.parametrize("k", [1, 3])
def test_dcg_matches_brute_force(k):
    frame = _random_queries(np.random.default_rng(16), 25)
    result = dcg_at_k(frame.relevance, frame.score, frame.query_id, k=k, gain="linear")
    for query, group in frame.groupby("query_id"):
        if group.relevance.sum() == 0:
            assert np.isnan(result.per_query.loc[query])
            continue
        orders = list(_orders(list(group.score)))
        gains = list(group.relevance)
        expected = sum(
            sum(gains[j] / math.log2(i + 2) for i, j in enumerate(order[:k])) for order in orders
        ) / len(orders)
        assert result.per_query.loc[query] == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------
# Ties and order comparison


def _brute_pairs(before, after, query_id):
    """Count discordant, newly tied and newly untied pairs with a double loop."""
    discordant = created = broken = 0
    for i in range(len(before)):
        for j in range(i + 1, len(before)):
            if query_id[i] != query_id[j]:
                continue
            d_before = np.sign(before[i] - before[j])
            d_after = np.sign(after[i] - after[j])
            discordant += int(d_before * d_after < 0)
            created += int(d_before != 0 and d_after == 0)
            broken += int(d_before == 0 and d_after != 0)
    return discordant, created, broken


def test_count_ties_brute_force():
    frame = _random_queries(np.random.default_rng(17), 40)
    result = count_ties(frame.score, frame.query_id)
    scores, queries = frame.score.to_numpy(), frame.query_id.to_numpy()
    pairs = [
        (i, j)
        for i in range(len(scores))
        for j in range(i + 1, len(scores))
        if queries[i] == queries[j] and scores[i] == scores[j]
    ]
    assert result.n_tied_pairs == len(pairs)
    assert result.n_tied_items == len({i for pair in pairs for i in pair})
    assert result.n_queries_with_ties == len({queries[i] for i, _ in pairs})
    assert result.n_queries == frame.query_id.nunique()


def test_count_ties_distinct_scores():
    result = count_ties([0.1, 0.2, 0.1], [1, 1, 2])
    assert result.n_tied_pairs == 0
    assert result.n_queries_with_ties == 0


def test_compare_orders_brute_force():
    rng = np.random.default_rng(18)
    frame = _random_queries(rng, 40)
    after = np.round(frame.score.to_numpy() + rng.normal(0, 0.4, len(frame)))
    result = compare_orders(frame.score, after, frame.query_id)
    expected = _brute_pairs(frame.score.to_numpy(), after, frame.query_id.to_numpy())
    assert result.n_discordant == expected[0]
    assert result.n_ties_created == expected[1]
    assert result.n_ties_broken == expected[2]
    assert result.n_pairs == sum(n * (n - 1) // 2 for n in frame.groupby("query_id").size())


def test_compare_orders_identity_preserved():
    frame = _random_queries(np.random.default_rng(19), 20)
    result = compare_orders(frame.score, frame.score, frame.query_id)
    assert result.order_preserved
    assert result.n_queries_changed == 0


def test_compare_orders_reversal():
    result = compare_orders([1, 2, 3, 1, 2], [3, 2, 1, 1, 2], [1, 1, 1, 2, 2])
    assert result.n_discordant == 3
    assert result.n_queries_changed == 1
    assert not result.order_preserved


def test_compare_orders_ignores_cross_query_pairs():
    # Reversed across the two queries, unchanged inside each.
    result = compare_orders([1, 2, 3, 4], [4, 5, 1, 2], [1, 1, 2, 2])
    assert result.order_preserved


def test_compare_orders_small_blocks():
    # Force many blocks to check that block boundaries lose no pair.
    from casestudy.metrics import ranking

    frame = _random_queries(np.random.default_rng(20), 50)
    after = -frame.score.to_numpy()
    codes, uniques = ranking.encode_query_ids(frame.query_id)
    blocks = list(ranking._query_blocks(codes, uniques.size, max_elements=1))
    covered = sorted(i for _, items in blocks for i in items.ravel())
    singles = frame.groupby("query_id").query_id.transform("size").to_numpy() == 1
    assert covered == sorted(np.flatnonzero(~singles))
    result = compare_orders(frame.score, after, frame.query_id)
    assert result.n_discordant == _brute_pairs(frame.score.to_numpy(), after, frame.query_id.to_numpy())[0]


# ---------------------------------------------------------------------------
# Calibrators: strictly monotone maps keep the order, flat steps create ties


def _calibration_sample(seed):
    rng = np.random.default_rng(seed)
    n_queries, n_items = 80, 6
    query_id = np.repeat(np.arange(n_queries), n_items)
    logit = rng.normal(0, 2, n_queries * n_items)
    relevance = rng.integers(0, 3, logit.size) * (logit > rng.normal(0, 2, logit.size))
    label = (relevance > 0).astype(int)
    return query_id, logit, relevance, label


@pytest.mark.parametrize("name", ["PlattCalibrator", "TemperatureCalibrator"])
def test_strictly_monotone_calibrator_keeps_ndcg(name):
    calibration = pytest.importorskip("casestudy.calibration")
    query_id, logit, relevance, label = _calibration_sample(21)
    y_prob = getattr(calibration, name)().fit(logit, label).predict_proba(logit)
    assert compare_orders(logit, y_prob, query_id).order_preserved
    before = ndcg_at_k(relevance, logit, query_id)
    after = ndcg_at_k(relevance, y_prob, query_id)
    pd.testing.assert_series_equal(before.per_query, after.per_query, check_exact=True)


def test_isotonic_calibrator_creates_ties():
    calibration = pytest.importorskip("casestudy.calibration")
    from sklearn.isotonic import IsotonicRegression

    query_id, logit, relevance, label = _calibration_sample(22)
    y_prob = calibration.IsotonicCalibrator().fit(logit, label).predict_proba(logit)
    reference = IsotonicRegression(out_of_bounds="clip").fit(logit, label).predict(logit)
    comparison = compare_orders(logit, y_prob, query_id)
    assert comparison.n_discordant == 0
    assert comparison.n_ties_created == _brute_pairs(logit, reference, query_id)[1]
    assert comparison.n_ties_created > 0
    changed = ndcg_at_k(relevance, y_prob, query_id).per_query
    unchanged = ndcg_at_k(relevance, logit, query_id).per_query
    assert not np.allclose(changed.dropna(), unchanged.dropna())


def test_bad_input_compare_orders_length():
    with pytest.raises(ValueError, match="y_score_after has 2"):
        compare_orders([1, 2, 3], [1, 2], [1, 1, 1])


def test_bad_input_compare_orders_nonfinite():
    with pytest.raises(ValueError, match="y_score_before contains NaN"):
        compare_orders([1, np.nan, 3], [1, 2, 3], [1, 1, 1])


def test_bad_input_count_ties_length():
    with pytest.raises(ValueError, match="query_id has 2"):
        count_ties([1, 2, 3], [1, 1])


def test_bad_input_count_ties_empty():
    with pytest.raises(ValueError, match="y_score is empty"):
        count_ties([], [])


# ---------------------------------------------------------------------------
# Queries without a relevant item scored as 0


def test_ndcg_zero_rule_matches_sklearn():
    # Equal-size queries let scikit-learn score them as rows of one matrix. It gives 0 to a
    # row without a relevant item and averages over every row.
    rng = np.random.default_rng(30)
    relevance = rng.integers(0, 3, (30, 4)) * (rng.uniform(size=(30, 1)) < 0.7)
    scores = rng.integers(0, 3, (30, 4)).astype(float)
    query_id = np.repeat(np.arange(30), 4)
    result = ndcg_at_k(relevance.ravel(), scores.ravel(), query_id, k=3, gain="linear", no_relevant="zero")
    assert (relevance.sum(axis=1) == 0).any()
    assert result.mean == pytest.approx(ndcg_score(relevance, scores, k=3), rel=1e-12)
    assert result.n_excluded == 0
    assert result.no_relevant == "zero"


def test_precision_zero_rule_by_hand():
    # Query 1: precision@1 = 1; query 2 has no relevant item and counts as 0.
    result = precision_at_k([1, 0, 0, 0], [2, 1, 1, 2], [1, 1, 2, 2], k=1, no_relevant="zero")
    assert result.mean == 0.5
    assert result.per_query.loc[2] == 0.0


def test_mrr_zero_rule_by_hand():
    result = mrr([0, 1, 0, 0], [2, 1, 1, 2], [1, 1, 2, 2], no_relevant="zero")
    assert result.mean == 0.25


def test_dcg_zero_rule_by_hand():
    result = dcg_at_k([0, 1, 0, 0], [2, 1, 1, 2], [1, 1, 2, 2], gain="linear", no_relevant="zero")
    assert result.mean == pytest.approx((1 / math.log2(3)) / 2, rel=1e-12)


@pytest.mark.parametrize("metric", [ndcg_at_k, dcg_at_k, precision_at_k, mrr])
def test_bad_input_no_relevant(metric):
    with pytest.raises(ValueError, match="no_relevant must be 'exclude' or 'zero'; got 'drop'"):
        metric([1, 0], [0.5, 0.2], [1, 1], no_relevant="drop")
