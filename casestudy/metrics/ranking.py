"""Per-query ranking metrics: NDCG@k, precision@k and MRR, with tie averaging.

Every metric here is computed per query and then averaged over queries, never on one
flattened list. The conventions, shared by all three metrics:

- **Ranking.** Items are ranked by ``y_score`` in decreasing order within each query.
- **Ties.** Items with exactly equal scores in one query form a tie group. A metric is the
  average over all orders of the items inside each tie group, as
  ``sklearn.metrics.ndcg_score`` does for DCG. The result therefore never depends on the
  input order of tied items. A calibrator with flat steps (isotonic regression, histogram
  binning) creates such ties, and averaging is the only convention that does not reward or
  punish an arbitrary tie break.
- **Queries without a relevant item** (every gain 0, or every label 0) have no defined NDCG
  and no reciprocal rank. By default (``no_relevant="exclude"``) they are excluded from
  the mean, reported as NaN in ``per_query`` and counted in ``n_excluded``. For
  precision@k the same rule applies, so that all metrics average over the same queries.
  ``no_relevant="zero"`` scores them 0 and keeps them in the mean instead, as
  ``sklearn.metrics.ndcg_score`` and trec_eval do. That choice matters when a model's
  probabilities stand in for the labels, because whether a query has any relevant item
  is exactly what the model is unsure of.

Home Depot relevance is the mean rating on a 1-3 scale, where 1 means irrelevant. NDCG
needs a gain of 0 for an irrelevant item, so shift the scale first: pass
``home_depot_grade(relevance)`` (that is ``relevance - 1``, grades 0-2) with
``gain="exponential"`` (gains 0-3) or ``gain="linear"`` (gains 0-2), or pass the raw
relevance with ``gain=home_depot_gain``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln

from casestudy._validation import _show, check_1d_array, check_binary_labels, check_same_length

logger = logging.getLogger(__name__)

__all__ = [
    "OrderComparison",
    "RankingResult",
    "TieCount",
    "compare_orders",
    "count_ties",
    "dcg_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "mrr",
    "home_depot_grade",
    "home_depot_gain",
]

HOME_DEPOT_MIN_RELEVANCE = 1.0
HOME_DEPOT_MAX_RELEVANCE = 3.0


@dataclass(frozen=True)
class RankingResult:
    """Mean of a per-query ranking metric, with the per-query values behind it.

    Attributes
    ----------
    mean : float
        Mean of ``per_query`` over the queries that have at least one relevant item.
        NaN when every query is excluded.
    per_query : pandas.Series
        One value per query, indexed by query id in sorted order; NaN for an excluded query.
    n_queries : int
        Number of distinct queries in the input, excluded ones included.
    n_excluded : int
        Number of queries without a relevant item, left out of ``mean``; 0 with
        ``no_relevant="zero"``.
    no_relevant : str
        How queries without a relevant item were treated: ``"exclude"`` or ``"zero"``.
    """

    mean: float
    per_query: pd.Series
    n_queries: int
    n_excluded: int
    no_relevant: str = "exclude"

    @property
    def n_evaluated(self) -> int:
        """Number of queries that enter the mean."""
        return self.n_queries - self.n_excluded


# ---------------------------------------------------------------------------
# Input checks


def check_k(k, *, allow_none: bool = True) -> int | None:
    """Check a rank cutoff: an integer of at least 1, or None for no cutoff.

    Parameters
    ----------
    k : int or None
        The cutoff to check.
    allow_none : bool, default=True
        Accept ``None``, meaning every item of a query counts.

    Returns
    -------
    int or None
    """
    if k is None and allow_none:
        return None
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        accepted = "an integer >= 1" + (" or None" if allow_none else "")
        raise ValueError(f"k must be {accepted}; got {k!r}")
    return int(k)


def encode_query_ids(query_id, name: str = "query_id") -> tuple[np.ndarray, pd.Index]:
    """Encode query ids as integer codes 0..n_queries-1 in sorted id order.

    Parameters
    ----------
    query_id : array-like of shape (n_samples,)
        Any hashable, sortable ids (integers or strings). Missing values are rejected.
    name : str, default="query_id"
        Argument name used in error messages.

    Returns
    -------
    codes : ndarray of int64, shape (n_samples,)
    uniques : pandas.Index of shape (n_queries,)
        The distinct ids; ``uniques[codes]`` gives back the input.
    """
    values = np.asarray(query_id)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional; got shape {values.shape}")
    if values.size == 0:
        raise ValueError(f"{name} is empty; at least one query is required")
    missing = pd.isna(values)
    if missing.any():
        raise ValueError(
            f"{name} contains missing values at positions {_show(np.flatnonzero(missing))}; "
            "every item needs a query id"
        )
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), pd.Index(uniques, name="query_id")


def apply_gain(y_true: np.ndarray, gain) -> np.ndarray:
    """Map graded relevance to gains and check that every gain is finite and non-negative.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,)
        Graded relevance.
    gain : {"exponential", "linear"}, mapping or callable
        ``"exponential"`` is ``2**y_true - 1``, ``"linear"`` is ``y_true`` itself, a mapping
        looks up each relevance value (every value must be a key), and a callable is applied
        to the whole array and must return an array of the same shape.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    if isinstance(gain, str):
        if gain == "exponential":
            with np.errstate(over="ignore"):
                gains = np.exp2(y_true) - 1.0
        elif gain == "linear":
            gains = y_true.astype(float, copy=True)
        else:
            raise ValueError(
                f"gain must be 'exponential', 'linear', a mapping or a callable; got {gain!r}"
            )
    elif isinstance(gain, Mapping):
        unknown = np.array([value for value in np.unique(y_true) if value.item() not in gain])
        if unknown.size:
            raise ValueError(
                f"gain mapping has no entry for the relevance values {_show(unknown)}; "
                f"its keys are {sorted(gain)!r:.200}"
            )
        gains = np.array([gain[value] for value in y_true.tolist()], dtype=float)
    elif callable(gain):
        gains = np.asarray(gain(y_true), dtype=float)
        if gains.shape != y_true.shape:
            raise ValueError(
                f"gain callable must return an array of shape {y_true.shape}; got shape {gains.shape}"
            )
    else:
        raise ValueError(
            f"gain must be 'exponential', 'linear', a mapping or a callable; got {gain!r:.80}"
        )

    bad = ~np.isfinite(gains) | (gains < 0)
    if bad.any():
        raise ValueError(
            f"gains must be finite and non-negative; the relevance values {_show(y_true[bad])} "
            f"map to the gains {_show(gains[bad])}. Shift the relevance scale so that an "
            "irrelevant item has gain 0 (for Home Depot, use home_depot_grade)"
        )
    return gains


def check_no_relevant(no_relevant) -> str:
    """Check the rule for queries without a relevant item: ``"exclude"`` or ``"zero"``."""
    if no_relevant not in ("exclude", "zero"):
        raise ValueError(f"no_relevant must be 'exclude' or 'zero'; got {no_relevant!r}")
    return no_relevant


def _check_ranking_inputs(y_true, y_score, query_id, *, binary: bool):
    """Validate the three parallel arrays and encode the query ids."""
    if binary:
        y_true = check_binary_labels(y_true, "y_true")
    else:
        y_true = check_1d_array(y_true, "y_true")
    y_score = check_1d_array(y_score, "y_score")
    codes, uniques = encode_query_ids(query_id)
    check_same_length(y_true=y_true, y_score=y_score, query_id=codes)
    return y_true, y_score, codes, uniques


# ---------------------------------------------------------------------------
# Sorted layout shared by the metrics


@dataclass(frozen=True)
class _RankedLayout:
    """Items sorted by query, then by decreasing score, with tie groups marked.

    ``order`` sorts the input; every other array is in sorted order. ``rank`` is the
    0-based position inside the query and ``group`` numbers the tie groups globally.
    """

    order: np.ndarray
    codes: np.ndarray
    rank: np.ndarray
    group: np.ndarray
    n_queries: int


def _rank_layout(y_score: np.ndarray, codes: np.ndarray, n_queries: int, tiebreak: np.ndarray) -> _RankedLayout:
    """Sort items by query and decreasing score, and number positions and tie groups.

    ``tiebreak`` orders items inside a tie group. Every metric averages over the tie group,
    so the tie break changes only the order of floating-point sums. Breaking ties by a value
    rather than by input position makes those sums, and so the results, independent of the
    input order bit for bit.
    """
    order = np.lexsort((-tiebreak, -y_score, codes))
    sorted_codes = codes[order]
    sorted_scores = y_score[order]

    counts = np.bincount(codes, minlength=n_queries)
    starts = np.cumsum(counts) - counts
    rank = np.arange(codes.size) - starts[sorted_codes]

    new_group = np.ones(codes.size, dtype=bool)
    new_group[1:] = (sorted_codes[1:] != sorted_codes[:-1]) | (sorted_scores[1:] != sorted_scores[:-1])
    group = np.cumsum(new_group) - 1
    return _RankedLayout(order, sorted_codes, rank, group, n_queries)


def _discounts(rank: np.ndarray, k: int | None) -> np.ndarray:
    """Logarithmic DCG discount ``1 / log2(position + 1)`` for 1-based positions, 0 past k."""
    discount = 1.0 / np.log2(rank + 2.0)
    if k is not None:
        discount[rank >= k] = 0.0
    return discount


def _tie_averaged_sum(layout: _RankedLayout, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-query sum of ``weight * value`` with values averaged inside each tie group.

    ``values`` is in input order and ``weights`` in sorted order. Replacing every value by
    the mean value of its tie group gives the expectation over all orders of the tied items,
    because each item of a group of size m sits at each of the group's positions with
    probability 1/m.
    """
    sorted_values = values[layout.order]
    group_size = np.bincount(layout.group)
    group_mean = np.bincount(layout.group, weights=sorted_values) / group_size
    return np.bincount(layout.codes, weights=group_mean[layout.group] * weights, minlength=layout.n_queries)


def _result(values: np.ndarray, defined: np.ndarray, uniques: pd.Index, metric: str, no_relevant: str) -> RankingResult:
    """Package per-query values as a RankingResult, applying the no-relevant-item rule."""
    if no_relevant == "zero":
        per_query = pd.Series(np.where(defined, values, 0.0), index=uniques, name=metric)
        return RankingResult(float(per_query.mean()), per_query, int(uniques.size), 0, no_relevant)

    per_query = pd.Series(np.where(defined, values, np.nan), index=uniques, name=metric)
    n_excluded = int((~defined).sum())
    if n_excluded:
        logger.debug("%s: %d of %d queries have no relevant item and are excluded", metric, n_excluded, uniques.size)
    mean = float(per_query[defined].mean()) if defined.any() else float("nan")
    return RankingResult(mean, per_query, int(uniques.size), n_excluded, no_relevant)


# ---------------------------------------------------------------------------
# Metrics


def dcg_at_k(
    y_true, y_score, query_id, *, k: int | None = 10, gain="exponential", no_relevant: str = "exclude"
) -> RankingResult:
    """Compute DCG@k per query, averaging over the orders of tied items.

    DCG@k = sum over positions i = 1..k of gain(rel_i) / log2(i + 1), unnormalised, so its
    scale depends on the number and grade of the relevant items. The conventions (gain map,
    ties, excluded queries) are those of :func:`ndcg_at_k`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Graded relevance; every gain must be finite and non-negative.
    y_score : array-like of shape (n_samples,)
        Ranking score; higher ranks first.
    query_id : array-like of shape (n_samples,)
        Query of each pair.
    k : int or None, default=10
        Rank cutoff. ``None`` uses every item of the query.
    gain : {"exponential", "linear"}, mapping or callable, default="exponential"
        Map from relevance to gain, as in :func:`ndcg_at_k`.
    no_relevant : {"exclude", "zero"}, default="exclude"
        Queries without a relevant item: leave them out of the mean (NaN in
        ``per_query``), or score them 0 and keep them in.

    Returns
    -------
    RankingResult
        With ``no_relevant="exclude"``, queries without a relevant item are NaN in
        ``per_query`` and counted in ``n_excluded``.

    Examples
    --------
    >>> round(dcg_at_k([0, 1, 0], [0.1, 0.2, 0.3], [1, 1, 1], gain="linear").mean, 6)
    0.63093
    """
    k = check_k(k)
    no_relevant = check_no_relevant(no_relevant)
    y_true, y_score, codes, uniques = _check_ranking_inputs(y_true, y_score, query_id, binary=False)
    gains = apply_gain(y_true, gain)

    layout = _rank_layout(y_score, codes, uniques.size, tiebreak=gains)
    dcg = _tie_averaged_sum(layout, gains, _discounts(layout.rank, k))
    defined = np.bincount(codes, weights=gains, minlength=uniques.size) > 0
    return _result(dcg, defined, uniques, "dcg", no_relevant)


def ndcg_at_k(
    y_true, y_score, query_id, *, k: int | None = 10, gain="exponential", no_relevant: str = "exclude"
) -> RankingResult:
    """Compute NDCG@k per query, averaging over the orders of tied items.

    For one query with items ranked by decreasing ``y_score``,
    DCG@k = sum over positions i = 1..k of gain(rel_i) / log2(i + 1), and NDCG@k is DCG@k
    divided by the DCG@k of the ideal order (items sorted by gain). Tied scores are handled
    as in ``sklearn.metrics.ndcg_score``: each position in a tie group gets the mean gain of
    the group. scikit-learn is not called directly because its ``ndcg_score`` takes one
    padded row per query, scores a query without a relevant item as 0 instead of leaving it
    out, and has only the linear gain.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Graded relevance of each (query, item) pair. After the gain map every gain must be
        finite and non-negative, with 0 meaning irrelevant. For the Home Depot 1-3 scale,
        pass ``home_depot_grade(relevance)``.
    y_score : array-like of shape (n_samples,)
        Ranking score; higher ranks first. Only the order inside each query matters.
    query_id : array-like of shape (n_samples,)
        Query of each pair. Pairs of one query need not be contiguous.
    k : int or None, default=10
        Rank cutoff. ``None`` uses every item of the query.
    gain : {"exponential", "linear"}, mapping or callable, default="exponential"
        Map from relevance to gain. ``"exponential"`` is ``2**y_true - 1``, which stresses
        the most relevant items; ``"linear"`` is ``y_true`` (scikit-learn's choice). A
        mapping such as ``{0: 0, 1: 1, 2: 3}`` looks up each value, and a callable is
        applied to the whole ``y_true`` array.
    no_relevant : {"exclude", "zero"}, default="exclude"
        Queries without a relevant item: leave them out of the mean (NaN in
        ``per_query``), or score them 0 and keep them in.

    Returns
    -------
    RankingResult
        ``mean`` over queries with a positive ideal DCG, ``per_query`` (Series of shape
        (n_queries,), NaN for a query without a relevant item), ``n_queries`` and
        ``n_excluded``. With ``no_relevant="zero"`` such queries score 0 and enter the mean.

    References
    ----------
    K. Järvelin and J. Kekäläinen, "Cumulated gain-based evaluation of IR techniques",
    ACM Transactions on Information Systems 20(4), 2002.

    F. McSherry and M. Najork, "Computing information retrieval performance measures
    efficiently in the presence of tied scores", ECIR 2008.

    Examples
    --------
    >>> result = ndcg_at_k([1, 0, 1, 0, 0, 0], [1, 0, 1, 0, 0, 0], [7, 7, 7, 8, 8, 8], gain="linear")
    >>> result.mean, result.n_excluded
    (1.0, 1)
    >>> round(ndcg_at_k([0, 1, 0], [0.1, 0.2, 0.3], [1, 1, 1], gain="linear").mean, 6)
    0.63093
    """
    k = check_k(k)
    no_relevant = check_no_relevant(no_relevant)
    y_true, y_score, codes, uniques = _check_ranking_inputs(y_true, y_score, query_id, binary=False)
    gains = apply_gain(y_true, gain)

    layout = _rank_layout(y_score, codes, uniques.size, tiebreak=gains)
    discount = _discounts(layout.rank, k)
    dcg = _tie_averaged_sum(layout, gains, discount)

    # The ideal order sorts by gain; ties in gain do not change the ideal DCG.
    ideal_order = np.lexsort((-gains, codes))
    ideal_dcg = np.bincount(codes[ideal_order], weights=gains[ideal_order] * discount, minlength=uniques.size)

    defined = ideal_dcg > 0
    ndcg = np.divide(dcg, ideal_dcg, out=np.full(uniques.size, np.nan), where=defined)
    return _result(ndcg, defined, uniques, "ndcg", no_relevant)


def precision_at_k(
    y_true, y_score, query_id, *, k: int = 10, denominator: str = "shown", no_relevant: str = "exclude"
) -> RankingResult:
    """Compute precision@k per query, averaging over the orders of tied items.

    Precision@k of one query is the number of relevant items among the first k positions
    divided by the number of positions. When a tie group straddles position k, each of its
    items counts with the probability that a random order of the group puts it inside the
    first k.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary relevance labels, 0 or 1.
    y_score : array-like of shape (n_samples,)
        Ranking score; higher ranks first.
    query_id : array-like of shape (n_samples,)
        Query of each pair.
    k : int, default=10
        Rank cutoff, at least 1.
    denominator : {"shown", "k"}, default="shown"
        ``"shown"`` divides by ``min(k, n_items)``, the number of items actually in the top
        k, so a short result list that is fully relevant scores 1. ``"k"`` divides by k as
        trec_eval does, which penalises queries with fewer than k judged items.
    no_relevant : {"exclude", "zero"}, default="exclude"
        Queries without a relevant item: leave them out of the mean (NaN in
        ``per_query``), or score them 0 and keep them in.

    Returns
    -------
    RankingResult
        With ``no_relevant="exclude"``, queries without a relevant item are NaN in
        ``per_query`` and counted in ``n_excluded``.

    Examples
    --------
    >>> result = precision_at_k([1, 0, 1, 0], [0.9, 0.8, 0.1, 0.5], [1, 1, 1, 1], k=2)
    >>> float(result.mean)
    0.5
    """
    k = check_k(k, allow_none=False)
    if denominator not in ("shown", "k"):
        raise ValueError(f"denominator must be 'shown' or 'k'; got {denominator!r}")
    no_relevant = check_no_relevant(no_relevant)
    y_true, y_score, codes, uniques = _check_ranking_inputs(y_true, y_score, query_id, binary=True)

    layout = _rank_layout(y_score, codes, uniques.size, tiebreak=y_true)
    in_top_k = (layout.rank < k).astype(float)
    hits = _tie_averaged_sum(layout, y_true, in_top_k)

    n_items = np.bincount(codes, minlength=uniques.size)
    positions = np.minimum(n_items, k) if denominator == "shown" else np.full(uniques.size, k)
    defined = np.bincount(codes, weights=y_true, minlength=uniques.size) > 0
    return _result(hits / positions, defined, uniques, "precision", no_relevant)


def mrr(y_true, y_score, query_id, *, k: int | None = None, no_relevant: str = "exclude") -> RankingResult:
    """Compute the reciprocal rank of the first relevant item per query, and its mean (MRR).

    With ties, the reciprocal rank is its expectation over the orders of the tied items.
    Suppose the first tie group with a relevant item starts after s items and contains m
    items, r of them relevant. Then the first relevant item lands at offset j = 1..m-r+1
    inside the group with probability C(m-j, r-1) / C(m, r), which gives
    E[1/rank] = sum_j C(m-j, r-1) / C(m, r) / (s + j).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary relevance labels, 0 or 1.
    y_score : array-like of shape (n_samples,)
        Ranking score; higher ranks first.
    query_id : array-like of shape (n_samples,)
        Query of each pair.
    k : int or None, default=None
        Rank cutoff: a first relevant item below position k contributes 0. ``None`` means
        no cutoff.
    no_relevant : {"exclude", "zero"}, default="exclude"
        Queries without a relevant item: leave them out of the mean (NaN in
        ``per_query``), or score them 0 and keep them in.

    Returns
    -------
    RankingResult
        With ``no_relevant="exclude"``, queries without a relevant item are NaN in
        ``per_query`` and counted in ``n_excluded``.

    Examples
    --------
    >>> float(mrr([0, 1, 0, 0, 0, 1], [0.9, 0.5, 0.1, 0.3, 0.2, 0.1], [1, 1, 1, 2, 2, 2]).mean)
    0.41666666666666663
    """
    k = check_k(k)
    no_relevant = check_no_relevant(no_relevant)
    y_true, y_score, codes, uniques = _check_ranking_inputs(y_true, y_score, query_id, binary=True)
    layout = _rank_layout(y_score, codes, uniques.size, tiebreak=y_true)

    sorted_labels = y_true[layout.order]
    group_size = np.bincount(layout.group)
    group_relevant = np.bincount(layout.group, weights=sorted_labels).astype(np.int64)
    first_item = np.flatnonzero(np.r_[True, layout.group[1:] != layout.group[:-1]])
    group_query = layout.codes[first_item]
    group_start = layout.rank[first_item]

    # Groups are sorted by query and decreasing score, so the first group with a relevant
    # item in each query is the first hit of np.unique on the relevant groups.
    relevant_groups = np.flatnonzero(group_relevant > 0)
    queries, first = np.unique(group_query[relevant_groups], return_index=True)
    chosen = relevant_groups[first]
    m = group_size[chosen]
    r = group_relevant[chosen]
    s = group_start[chosen]

    # Expand every chosen group into its possible offsets j = 1..m-r+1.
    n_offsets = m - r + 1
    owner = np.repeat(np.arange(chosen.size), n_offsets)
    offset = np.arange(owner.size) - np.repeat(np.cumsum(n_offsets) - n_offsets, n_offsets) + 1
    m_j, r_j = m[owner], r[owner]
    log_prob = (
        gammaln(m_j - offset + 1) - gammaln(r_j) - gammaln(m_j - offset - r_j + 2)
        - (gammaln(m_j + 1) - gammaln(r_j + 1) - gammaln(m_j - r_j + 1))
    )
    position = s[owner] + offset
    reciprocal = 1.0 / position
    if k is not None:
        reciprocal[position > k] = 0.0
    expected = np.bincount(owner, weights=np.exp(log_prob) * reciprocal, minlength=chosen.size)

    values = np.full(uniques.size, np.nan)
    values[queries] = expected
    defined = np.zeros(uniques.size, dtype=bool)
    defined[queries] = True
    return _result(values, defined, uniques, "reciprocal_rank", no_relevant)


# ---------------------------------------------------------------------------
# Ties and order changes inside queries


@dataclass(frozen=True)
class TieCount:
    """Tied scores inside queries.

    Attributes
    ----------
    n_tied_pairs : int
        Pairs of items of one query with exactly equal scores.
    n_tied_items : int
        Items that share their score with at least one other item of their query.
    n_queries_with_ties : int
        Queries with at least one tied pair.
    n_queries : int
        Number of distinct queries.
    """

    n_tied_pairs: int
    n_tied_items: int
    n_queries_with_ties: int
    n_queries: int


def count_ties(y_score, query_id) -> TieCount:
    """Count the items whose scores tie with another item of the same query.

    A calibrator with flat steps (isotonic regression, histogram binning) maps many distinct
    model scores to one value. Items of one query that land on the same step can no longer
    be ordered, and every ranking metric here then averages over their orders.

    Parameters
    ----------
    y_score : array-like of shape (n_samples,)
        Scores; ties are exact equality.
    query_id : array-like of shape (n_samples,)
        Query of each item.

    Returns
    -------
    TieCount

    Examples
    --------
    >>> count_ties([0.5, 0.5, 0.5, 0.2, 0.5], [1, 1, 1, 1, 2])
    TieCount(n_tied_pairs=3, n_tied_items=3, n_queries_with_ties=1, n_queries=2)
    """
    y_score = check_1d_array(y_score, "y_score")
    codes, uniques = encode_query_ids(query_id)
    check_same_length(y_score=y_score, query_id=codes)

    layout = _rank_layout(y_score, codes, uniques.size, tiebreak=np.zeros_like(y_score))
    group_size = np.bincount(layout.group)
    group_query = layout.codes[np.flatnonzero(np.r_[True, layout.group[1:] != layout.group[:-1]])]
    tied = group_size > 1
    return TieCount(
        n_tied_pairs=int((group_size * (group_size - 1) // 2).sum()),
        n_tied_items=int(group_size[tied].sum()),
        n_queries_with_ties=int(np.unique(group_query[tied]).size),
        n_queries=int(uniques.size),
    )


@dataclass(frozen=True)
class OrderComparison:
    """Pairwise changes in the order of items inside queries between two sets of scores.

    Attributes
    ----------
    n_pairs : int
        Pairs of items that share a query.
    n_discordant : int
        Pairs strictly ordered by both scores, in opposite directions.
    n_ties_created : int
        Pairs with distinct scores before and equal scores after.
    n_ties_broken : int
        Pairs with equal scores before and distinct scores after.
    n_queries_changed : int
        Queries with at least one discordant, newly tied or newly untied pair.
    n_queries : int
        Number of distinct queries.
    """

    n_pairs: int
    n_discordant: int
    n_ties_created: int
    n_ties_broken: int
    n_queries_changed: int
    n_queries: int

    @property
    def order_preserved(self) -> bool:
        """True when every query keeps exactly the same order, ties included."""
        return self.n_discordant == 0 and self.n_ties_created == 0 and self.n_ties_broken == 0


_PAIRWISE_BLOCK_ELEMENTS = 2_000_000


def compare_orders(y_score_before, y_score_after, query_id) -> OrderComparison:
    """Compare the within-query orders that two sets of scores induce, pair by pair.

    Use it to check that a calibrator keeps every query's ranking: a strictly increasing map
    gives ``order_preserved`` True, so every ranking metric is unchanged. A map with flat
    steps shows up as ``n_ties_created``, and a map that is not monotone as
    ``n_discordant``. Only pairs of items in the same query are compared, because a ranking
    never orders items of different queries against each other.

    Parameters
    ----------
    y_score_before : array-like of shape (n_samples,)
        Scores before the map, for example logits.
    y_score_after : array-like of shape (n_samples,)
        Scores after the map, for example calibrated probabilities.
    query_id : array-like of shape (n_samples,)
        Query of each item.

    Returns
    -------
    OrderComparison

    Examples
    --------
    >>> compare_orders([0.1, 0.2, 0.3], [0.5, 0.5, 0.9], [1, 1, 1])
    OrderComparison(n_pairs=3, n_discordant=0, n_ties_created=1, n_ties_broken=0, n_queries_changed=1, n_queries=1)
    """
    before = check_1d_array(y_score_before, "y_score_before")
    after = check_1d_array(y_score_after, "y_score_after")
    codes, uniques = encode_query_ids(query_id)
    check_same_length(y_score_before=before, y_score_after=after, query_id=codes)

    totals = np.zeros(3, dtype=np.int64)
    changed = np.zeros(uniques.size, dtype=bool)
    n_pairs = 0
    for query_codes, items in _query_blocks(codes, uniques.size):
        n = items.shape[1]
        n_pairs += items.shape[0] * n * (n - 1) // 2
        upper = np.triu(np.ones((n, n), dtype=bool), k=1)
        sign_before = np.sign(before[items][:, :, None] - before[items][:, None, :])
        sign_after = np.sign(after[items][:, :, None] - after[items][:, None, :])

        discordant = (sign_before * sign_after < 0) & upper
        created = (sign_before != 0) & (sign_after == 0) & upper
        broken = (sign_before == 0) & (sign_after != 0) & upper
        counts = np.stack([m.sum(axis=(1, 2)) for m in (discordant, created, broken)])
        totals += counts.sum(axis=1)
        changed[query_codes] = counts.sum(axis=0) > 0

    return OrderComparison(
        n_pairs=int(n_pairs),
        n_discordant=int(totals[0]),
        n_ties_created=int(totals[1]),
        n_ties_broken=int(totals[2]),
        n_queries_changed=int(changed.sum()),
        n_queries=int(uniques.size),
    )


def _query_blocks(codes: np.ndarray, n_queries: int, *, max_elements: int = _PAIRWISE_BLOCK_ELEMENTS):
    """Yield queries of equal size as blocks ``(query_codes, items)`` for batched pair work.

    ``items`` has shape (n_block_queries, n) and holds input positions, one row per query.
    Blocks are cut so that an (n_block_queries, n, n) array stays near ``max_elements``.
    Queries with a single item have no pairs and are skipped.

    NOTE: one query of n items still needs n * n elements, so a query with tens of
    thousands of items needs gigabytes. Ranked lists of judged items are far shorter.
    """
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=n_queries)
    starts = np.cumsum(counts) - counts
    for n in np.unique(counts):
        if n < 2:
            continue
        queries = np.flatnonzero(counts == n)
        per_block = max(1, max_elements // (n * n))
        for first in range(0, queries.size, per_block):
            block = queries[first:first + per_block]
            items = order[starts[block][:, None] + np.arange(n)]
            yield block, items


# ---------------------------------------------------------------------------
# Home Depot relevance scale


def home_depot_grade(relevance) -> np.ndarray:
    """Shift Home Depot relevance (mean rating 1-3) to grades 0-2, so irrelevant has grade 0.

    Parameters
    ----------
    relevance : array-like of shape (n_samples,)
        Mean human rating, 1 (irrelevant) to 3 (perfect match).

    Returns
    -------
    ndarray of shape (n_samples,)
        ``relevance - 1``.

    Examples
    --------
    >>> home_depot_grade([1.0, 2.33, 3.0]).tolist()
    [0.0, 1.33, 2.0]
    """
    relevance = check_1d_array(relevance, "relevance")
    outside = (relevance < HOME_DEPOT_MIN_RELEVANCE) | (relevance > HOME_DEPOT_MAX_RELEVANCE)
    if outside.any():
        raise ValueError(
            f"relevance has values outside the Home Depot scale [1, 3]: {_show(relevance[outside])}"
        )
    return relevance - HOME_DEPOT_MIN_RELEVANCE


def home_depot_gain(relevance) -> np.ndarray:
    """Exponential gain on the shifted Home Depot scale: ``2**(relevance - 1) - 1``.

    Pass it as ``gain=home_depot_gain`` together with the raw 1-3 relevance. The gains run
    from 0 (rating 1, irrelevant) through 1 (rating 2) to 3 (rating 3).

    Parameters
    ----------
    relevance : array-like of shape (n_samples,)
        Mean human rating, 1 to 3.

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> home_depot_gain([1.0, 2.0, 3.0]).tolist()
    [0.0, 1.0, 3.0]
    """
    return np.exp2(home_depot_grade(relevance)) - 1.0
