"""Ranking metrics estimated from a model's relevance probabilities instead of human labels.

A relevance model that outputs P(relevant) for every (query, item) pair can stand in for
human judges: the expected precision@k, DCG@k or NDCG@k of a ranking under those
probabilities estimates what human judges would measure. The estimate is unbiased only if
the probabilities are calibrated, which is why these functions take ``y_prob`` and are
meant to be compared raw against calibrated.

Conventions match :mod:`casestudy.metrics.ranking`: the ranking is by decreasing
``y_score`` within each query, tied items are averaged over their orders, and the gain is
binary (an item is relevant or not). Let S_q be the number of relevant items of query q.
The human-judged metrics treat a query without a relevant item in one of two ways, and
``no_relevant`` selects the matching model-judged estimate:

- ``"zero"``: the query scores 0 and stays in the mean. The model-judged value of a query
  is E[metric_q * 1{S_q >= 1}] and the mean is their plain mean over queries.
- ``"exclude"`` (the default of the human metrics): the query is left out. The model-judged
  value of a query is E[metric_q | S_q >= 1], and the mean weights each query by the
  model's probability that it has a relevant item,
  ``sum_q E[metric_q * 1{S_q >= 1}] / sum_q P(S_q >= 1)``, which estimates the human mean
  over queries with a relevant item.

Precision@k and DCG@k with ``"zero"`` need only the probabilities' means. NDCG@k, and
P(S_q >= 1) for ``"exclude"``, also need a joint distribution of the labels: this module
treats the labels of one query as independent Bernoulli variables with the given
probabilities. Real labels of one query are correlated (some queries have no relevant item
at all far more often than independence predicts), so prefer ``"zero"`` when comparing
with human values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from casestudy._validation import check_1d_array, check_probabilities, check_same_length
from casestudy.metrics.bootstrap import iter_resample_counts
from casestudy.metrics.ranking import (
    _discounts,
    _rank_layout,
    _tie_averaged_sum,
    RankingResult,
    check_k,
    check_no_relevant,
    encode_query_ids,
)

logger = logging.getLogger(__name__)

__all__ = [
    "HumanGap",
    "ModelJudgedResult",
    "compare_with_human",
    "expected_dcg_at_k",
    "expected_ndcg_at_k",
    "expected_precision_at_k",
]


@dataclass(frozen=True)
class ModelJudgedResult:
    """A ranking metric estimated from model probabilities, per query and averaged.

    Attributes
    ----------
    mean : float
        With ``no_relevant="exclude"``, ``sum(per_query * p_any_relevant) /
        sum(p_any_relevant)``, the estimate of the human-judged mean over queries with a
        relevant item (NaN when every ``p_any_relevant`` is 0). With ``"zero"``, the mean of
        ``per_query``.
    per_query : pandas.Series
        Expected metric of each query, indexed by query id in sorted order: given at least
        one relevant item (``"exclude"``, NaN where ``p_any_relevant`` is 0), or with a
        query without a relevant item scoring 0 (``"zero"``).
    p_any_relevant : pandas.Series
        Probability under the model, labels independent, that the query has at least one
        relevant item, ``1 - prod(1 - y_prob)``.
    n_queries : int
        Number of distinct queries.
    no_relevant : str
        ``"exclude"`` or ``"zero"``, as passed.
    """

    mean: float
    per_query: pd.Series
    p_any_relevant: pd.Series
    n_queries: int
    no_relevant: str = "exclude"


def _check_inputs(y_prob, y_score, query_id):
    """Validate probabilities, scores and query ids, and encode the ids."""
    y_prob = check_probabilities(y_prob, "y_prob")
    y_score = check_1d_array(y_score, "y_score")
    codes, uniques = encode_query_ids(query_id)
    check_same_length(y_prob=y_prob, y_score=y_score, query_id=codes)
    return y_prob, y_score, codes, uniques


def _p_any_relevant(y_prob: np.ndarray, codes: np.ndarray, n_queries: int) -> np.ndarray:
    """``1 - prod(1 - p)`` per query, computed in log space so long lists do not underflow."""
    with np.errstate(divide="ignore"):
        log_none = np.bincount(codes, weights=np.log1p(-y_prob), minlength=n_queries)
    return -np.expm1(log_none)


def _package(joint: np.ndarray, p_any: np.ndarray, uniques: pd.Index, metric: str, no_relevant: str) -> ModelJudgedResult:
    """Turn per-query E[metric * 1{S >= 1}] into the per-query values and mean of a rule."""
    if no_relevant == "zero":
        per_query = joint
        mean = float(joint.mean())
    else:
        defined = p_any > 0
        per_query = np.divide(joint, p_any, out=np.full(p_any.size, np.nan), where=defined)
        mean = float(joint.sum() / p_any.sum()) if defined.any() else float("nan")
    return ModelJudgedResult(
        mean=mean,
        per_query=pd.Series(per_query, index=uniques, name=metric),
        p_any_relevant=pd.Series(p_any, index=uniques, name="p_any_relevant"),
        n_queries=int(uniques.size),
        no_relevant=no_relevant,
    )


def expected_precision_at_k(
    y_prob, y_score, query_id, *, k: int = 10, denominator: str = "shown", no_relevant: str = "exclude"
) -> ModelJudgedResult:
    """Estimate precision@k of a ranking from model probabilities.

    The expected number of relevant items in the top k is the sum of their probabilities
    (tie groups straddling position k contribute their mean probability per position). The
    human-judged :func:`casestudy.metrics.ranking.precision_at_k` is its counterpart.

    Parameters
    ----------
    y_prob : array-like of shape (n_samples,)
        Model probability that each pair is relevant, in [0, 1].
    y_score : array-like of shape (n_samples,)
        Score of the ranking under evaluation; higher ranks first. It may come from another
        system than ``y_prob`` (a lexical ranker judged by a cross-encoder).
    query_id : array-like of shape (n_samples,)
        Query of each pair.
    k : int, default=10
        Rank cutoff, at least 1.
    denominator : {"shown", "k"}, default="shown"
        Divide by ``min(k, n_items)`` or by ``k``, as in ``precision_at_k``.

    no_relevant : {"exclude", "zero"}, default="exclude"
        Match the human metric's rule for queries without a relevant item; see the module
        documentation.

    Returns
    -------
    ModelJudgedResult

    Examples
    --------
    >>> result = expected_precision_at_k([0.9, 0.5, 0.1], [3, 2, 1], [1, 1, 1], k=2)
    >>> round(float(result.per_query.loc[1] * result.p_any_relevant.loc[1]), 6)
    0.7
    """
    k = check_k(k, allow_none=False)
    if denominator not in ("shown", "k"):
        raise ValueError(f"denominator must be 'shown' or 'k'; got {denominator!r}")
    no_relevant = check_no_relevant(no_relevant)
    y_prob, y_score, codes, uniques = _check_inputs(y_prob, y_score, query_id)

    layout = _rank_layout(y_score, codes, uniques.size, tiebreak=y_prob)
    hits = _tie_averaged_sum(layout, y_prob, (layout.rank < k).astype(float))
    n_items = np.bincount(codes, minlength=uniques.size)
    positions = np.minimum(n_items, k) if denominator == "shown" else np.full(uniques.size, k)

    # Precision is 0 whenever no item is relevant, so E[P@k * 1{S >= 1}] = E[P@k].
    return _package(hits / positions, _p_any_relevant(y_prob, codes, uniques.size), uniques, "precision", no_relevant)


def expected_dcg_at_k(
    y_prob, y_score, query_id, *, k: int | None = 10, no_relevant: str = "exclude"
) -> ModelJudgedResult:
    """Estimate DCG@k with binary gains from model probabilities.

    E[DCG@k] = sum_i p_i / log2(position_i + 1) over the top k, by linearity. Only the
    conditioning on a relevant item assumes independent labels.

    Parameters
    ----------
    y_prob : array-like of shape (n_samples,)
        Model probability that each pair is relevant, in [0, 1].
    y_score : array-like of shape (n_samples,)
        Score of the ranking under evaluation; higher ranks first.
    query_id : array-like of shape (n_samples,)
        Query of each pair.
    k : int or None, default=10
        Rank cutoff; ``None`` uses every item.

    no_relevant : {"exclude", "zero"}, default="exclude"
        Match the human metric's rule for queries without a relevant item; see the module
        documentation.

    Returns
    -------
    ModelJudgedResult

    Examples
    --------
    >>> result = expected_dcg_at_k([1.0, 0.0], [2, 1], [1, 1])
    >>> float(result.mean)
    1.0
    """
    k = check_k(k)
    no_relevant = check_no_relevant(no_relevant)
    y_prob, y_score, codes, uniques = _check_inputs(y_prob, y_score, query_id)

    layout = _rank_layout(y_score, codes, uniques.size, tiebreak=y_prob)
    dcg = _tie_averaged_sum(layout, y_prob, _discounts(layout.rank, k))
    return _package(dcg, _p_any_relevant(y_prob, codes, uniques.size), uniques, "dcg", no_relevant)


def expected_ndcg_at_k(
    y_prob, y_score, query_id, *, k: int | None = 10, no_relevant: str = "exclude"
) -> ModelJudgedResult:
    """Estimate NDCG@k with binary gains from model probabilities, labels independent.

    With binary labels y_i and S = sum_i y_i relevant items, NDCG@k = sum_i d_i y_i / I(S),
    where d_i is the (tie-averaged) discount of item i's position and
    I(s) = sum_{j=1}^{min(s, k)} 1 / log2(j + 1) is the ideal DCG. Given y_i = 1, S is 1
    plus the number of other relevant items, so

        E[NDCG@k * 1{S >= 1}] = sum_i d_i p_i E[1 / I(1 + S_{-i})],

    with S_{-i} the Poisson-binomial count of the other items. That distribution, truncated
    at k (the ideal DCG stops growing there), comes from the product of a prefix and a
    suffix distribution, so the cost per query is O(n k^2) with no division.

    NOTE: real labels of one query are correlated (a query the model misreads tends to
    get all its items wrong), so with calibrated marginals this estimate can still differ
    from the human NDCG. Precision@k and DCG@k do not depend on independence.

    Parameters
    ----------
    y_prob : array-like of shape (n_samples,)
        Model probability that each pair is relevant, in [0, 1].
    y_score : array-like of shape (n_samples,)
        Score of the ranking under evaluation; higher ranks first.
    query_id : array-like of shape (n_samples,)
        Query of each pair.
    k : int or None, default=10
        Rank cutoff; ``None`` uses every item.

    no_relevant : {"exclude", "zero"}, default="exclude"
        Match the human metric's rule for queries without a relevant item; see the module
        documentation.

    Returns
    -------
    ModelJudgedResult

    Examples
    --------
    With certain labels the estimate is the human NDCG: a relevant item ranked second
    of two gives 1 / log2(3).

    >>> result = expected_ndcg_at_k([0.0, 1.0], [2, 1], [1, 1])
    >>> round(float(result.mean), 6)
    0.63093
    """
    k = check_k(k)
    no_relevant = check_no_relevant(no_relevant)
    y_prob, y_score, codes, uniques = _check_inputs(y_prob, y_score, query_id)

    layout = _rank_layout(y_score, codes, uniques.size, tiebreak=y_prob)
    sorted_prob = y_prob[layout.order]
    discount = _discounts(layout.rank, k)
    group_discount = np.bincount(layout.group, weights=discount) / np.bincount(layout.group)
    mean_discount = group_discount[layout.group]

    # The layout is sorted by query, so each query's items are contiguous.
    counts = np.bincount(codes, minlength=uniques.size)
    starts = np.cumsum(counts) - counts
    inverse_ideal = np.empty(codes.size)
    for n in np.unique(counts):
        queries = np.flatnonzero(counts == n)
        positions = starts[queries][:, None] + np.arange(n)
        cutoff = n if k is None else min(k, n)
        inverse_ideal[positions] = _expected_inverse_ideal_dcg(sorted_prob[positions], cutoff)

    joint = np.bincount(layout.codes, weights=mean_discount * sorted_prob * inverse_ideal, minlength=uniques.size)
    return _package(joint, _p_any_relevant(y_prob, codes, uniques.size), uniques, "ndcg", no_relevant)


def _expected_inverse_ideal_dcg(prob: np.ndarray, cutoff: int) -> np.ndarray:
    """E[1 / I(1 + S_{-i})] for every item of a block of equal-length queries.

    ``prob`` has shape (n_queries, n). Returns the same shape. Counts are tracked exactly
    for 0..cutoff-1 other relevant items; every larger count gives the same ideal DCG.
    """
    n_queries, n = prob.shape
    ideal = np.cumsum(1.0 / np.log2(np.arange(1, cutoff + 1) + 1.0))
    # inverse_ideal_at[s] = 1 / I(1 + s) for s = 0..cutoff-1. Larger s share the last value.
    inverse_ideal_at = 1.0 / ideal

    # prefix[:, i] is the distribution of the count among items 0..i-1, suffix[:, i] among i..n-1.
    prefix = np.zeros((n_queries, n + 1, cutoff))
    suffix = np.zeros((n_queries, n + 1, cutoff))
    prefix[:, 0, 0] = 1.0
    suffix[:, n, 0] = 1.0
    for i in range(n):
        p = prob[:, i][:, None]
        prefix[:, i + 1] = prefix[:, i] * (1 - p)
        prefix[:, i + 1, 1:] += prefix[:, i, :-1] * p
    for i in range(n - 1, -1, -1):
        p = prob[:, i][:, None]
        suffix[:, i] = suffix[:, i + 1] * (1 - p)
        suffix[:, i, 1:] += suffix[:, i + 1, :-1] * p

    # Distribution of S_{-i}: convolve the items before i with the items after i.
    before, after = prefix[:, :n], suffix[:, 1:]
    others = np.zeros((n_queries, n, cutoff))
    for a in range(cutoff):
        others[:, :, a:] += before[:, :, a:a + 1] * after[:, :, :cutoff - a]
    tail = np.clip(1.0 - others.sum(axis=2), 0.0, None)
    return others @ inverse_ideal_at + tail * inverse_ideal_at[-1]


@dataclass(frozen=True)
class HumanGap:
    """Gap between a model-judged mean and the human-judged mean, with bootstrap intervals.

    Attributes
    ----------
    model_mean, human_mean : float
        The two means on the full data.
    gap : float
        ``model_mean - human_mean``; positive when the model overestimates the metric.
    gap_lower, gap_upper : float
        Percentile interval of the gap over query resamples.
    abs_gap_lower, abs_gap_upper : float
        Percentile interval of ``|gap|`` over the same resamples.
    n_queries, n_resamples : int
        Queries resampled and number of resamples.
    confidence_level : float
        Nominal coverage of the intervals.
    seed : int
        Seed of the resampling.
    """

    model_mean: float
    human_mean: float
    gap: float
    gap_lower: float
    gap_upper: float
    abs_gap_lower: float
    abs_gap_upper: float
    n_queries: int
    n_resamples: int
    confidence_level: float
    seed: int

    @property
    def abs_gap(self) -> float:
        """Absolute gap ``|model_mean - human_mean|``."""
        return abs(self.gap)


def compare_with_human(
    model: ModelJudgedResult, human: RankingResult, *, n_resamples: int = 1000,
    confidence_level: float = 0.95, seed: int = 0,
) -> HumanGap:
    """Measure how far a model-judged mean lies from the human-judged one, resampling queries.

    Each bootstrap resample draws queries with replacement and recomputes both means on the
    drawn queries, following the results' ``no_relevant`` rule. With ``"exclude"``, the
    model-judged mean is weighted by ``p_any_relevant`` and the human one covers the drawn
    queries that have a relevant item. Resampling the two together keeps
    their pairing, so the interval reflects the spread of the gap, not of each mean.

    Parameters
    ----------
    model : ModelJudgedResult
        From :func:`expected_precision_at_k`, :func:`expected_dcg_at_k` or
        :func:`expected_ndcg_at_k`.
    human : RankingResult
        The matching human-judged metric on the same queries with the same ``no_relevant``
        rule, for example ``precision_at_k`` or ``ndcg_at_k(..., gain="linear")`` on binary
        labels.
    n_resamples : int, default=1000
        Number of query resamples.
    confidence_level : float, default=0.95
        Nominal coverage of the percentile intervals, in (0, 1).
    seed : int, default=0
        Seed of the resampling.

    Returns
    -------
    HumanGap

    Notes
    -----
    The interval of ``|gap|`` is a plain percentile interval. When the true gap is near 0
    the absolute value folds the resamples and the interval sits above 0, so read the
    signed interval to decide whether a gap is distinguishable from 0.
    """
    if not isinstance(model, ModelJudgedResult):
        raise ValueError(
            f"model must be a ModelJudgedResult from expected_precision_at_k, expected_dcg_at_k or "
            f"expected_ndcg_at_k; got {type(model).__name__}"
        )
    if not isinstance(human, RankingResult):
        raise ValueError(
            f"human must be a RankingResult from a human-judged metric such as precision_at_k; "
            f"got {type(human).__name__}"
        )
    if model.no_relevant != human.no_relevant:
        raise ValueError(
            f"model and human results treat queries without a relevant item differently "
            f"(no_relevant={model.no_relevant!r} and {human.no_relevant!r}); pass the same rule to both"
        )
    if not model.per_query.index.equals(human.per_query.index):
        raise ValueError(
            f"model and human results cover different queries ({model.n_queries} and {human.n_queries}); "
            "compute both on the same rows"
        )
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, (int, float)) \
            or not 0 < confidence_level < 1:
        raise ValueError(f"confidence_level must be a number strictly between 0 and 1; got {confidence_level!r}")

    # Both means are ratios of per-query sums: numerator weights and denominator weights.
    if model.no_relevant == "zero":
        model_weight = np.ones(model.n_queries)
        model_values = model.per_query.to_numpy()
    else:
        model_weight = model.p_any_relevant.to_numpy()
        model_values = np.nan_to_num(model.per_query.to_numpy()) * model_weight
    human_weight = (~np.isnan(human.per_query.to_numpy())).astype(float)
    human_values = np.nan_to_num(human.per_query.to_numpy())

    gaps = []
    for counts in iter_resample_counts(model.n_queries, n_resamples, seed=seed):
        with np.errstate(invalid="ignore", divide="ignore"):
            model_means = counts @ model_values / (counts @ model_weight)
            human_means = counts @ human_values / (counts @ human_weight)
        gaps.append(model_means - human_means)
    gaps = np.concatenate(gaps)
    gaps = gaps[~np.isnan(gaps)]

    tail = (1 - confidence_level) / 2
    gap_lower, gap_upper = np.quantile(gaps, [tail, 1 - tail])
    abs_lower, abs_upper = np.quantile(np.abs(gaps), [tail, 1 - tail])
    return HumanGap(
        model_mean=model.mean,
        human_mean=human.mean,
        gap=model.mean - human.mean,
        gap_lower=float(gap_lower),
        gap_upper=float(gap_upper),
        abs_gap_lower=float(abs_lower),
        abs_gap_upper=float(abs_upper),
        n_queries=int(model.n_queries),
        n_resamples=int(n_resamples),
        confidence_level=float(confidence_level),
        seed=int(seed),
    )
