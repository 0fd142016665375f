"""Decisions that rely on calibrated relevance probabilities.

- A relevance threshold for a target precision: items below it are hidden. The threshold is
  chosen on the calibration split, either from human labels or from the model's own
  probabilities. The second way needs no labels but works only if the probabilities are
  calibrated, which the test split shows.
- Merging candidate lists from two scorers (a lexical baseline and a cross-encoder) into
  one ranking. Raw scores of different scorers live on different scales, while calibrated
  probabilities of relevance can be compared directly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from casestudy._validation import check_1d_array, check_binary_labels, check_probabilities, check_same_length

logger = logging.getLogger(__name__)

__all__ = [
    "ThresholdChoice",
    "ThresholdOutcome",
    "evaluate_threshold",
    "merge_candidate_lists",
    "threshold_for_precision",
]


@dataclass(frozen=True)
class ThresholdChoice:
    """A probability threshold chosen to reach a target precision.

    Attributes
    ----------
    threshold : float
        Show items with ``y_prob >= threshold``. ``inf`` when no threshold reaches the
        target, so that every item is hidden.
    target_precision : float
        The requested precision.
    estimated_precision : float
        Precision of the shown items on the data used for the choice, from the labels or,
        without labels, from the mean probability of the shown items. NaN when nothing is
        shown.
    n_shown : int
        Items at or above the threshold in that data.
    n_samples : int
        Items in that data.
    method : str
        ``"labels"`` or ``"model"``: where the precision estimate came from.
    """

    threshold: float
    target_precision: float
    estimated_precision: float
    n_shown: int
    n_samples: int
    method: str


@dataclass(frozen=True)
class ThresholdOutcome:
    """Precision and recall of the items kept by a threshold, measured with labels.

    Attributes
    ----------
    precision : float
        Share of shown items that are relevant; NaN when nothing is shown.
    recall : float
        Share of relevant items that are shown; NaN when no item is relevant.
    fraction_shown : float
        Share of all items that are shown.
    n_shown : int
        Number of shown items.
    """

    precision: float
    recall: float
    fraction_shown: float
    n_shown: int


def threshold_for_precision(y_prob, y_true=None, *, target_precision: float) -> ThresholdChoice:
    """Choose the lowest probability threshold whose shown items reach a target precision.

    Candidate thresholds are the distinct values of ``y_prob``. For each candidate t the
    items with ``y_prob >= t`` are shown and their precision is estimated. The lowest
    candidate that reaches the target is returned, because it shows the most items
    (highest recall) among those that meet the target.

    Parameters
    ----------
    y_prob : array-like of shape (n_samples,)
        Relevance probabilities on the data used for the choice (the calibration split).
    y_true : array-like of shape (n_samples,), default=None
        Binary human labels. When given, precision is the share of relevant shown items.
        When None, precision is the mean ``y_prob`` of the shown items, the model's own
        estimate, which is right only for calibrated probabilities.
    target_precision : float
        Required precision, in (0, 1].

    Returns
    -------
    ThresholdChoice
        ``threshold`` is ``inf`` (hide everything) when no candidate reaches the target;
        a warning is logged then.

    Examples
    --------
    >>> choice = threshold_for_precision([0.9, 0.8, 0.6, 0.3], [1, 1, 0, 1], target_precision=0.75)
    >>> choice.threshold, choice.n_shown
    (0.3, 4)
    >>> threshold_for_precision([0.9, 0.8, 0.6, 0.3], target_precision=0.85).threshold
    0.8
    """
    if isinstance(target_precision, bool) or not isinstance(target_precision, (int, float, np.floating)) \
            or not 0 < target_precision <= 1:
        raise ValueError(f"target_precision must be a number in (0, 1]; got {target_precision!r}")
    y_prob = check_probabilities(y_prob, "y_prob")
    if y_true is None:
        outcome = y_prob
        method = "model"
    else:
        outcome = check_binary_labels(y_true, "y_true")
        check_same_length(y_prob=y_prob, y_true=outcome)
        method = "labels"

    order = np.argsort(-y_prob, kind="stable")
    sorted_prob = y_prob[order]
    shown = np.arange(1, y_prob.size + 1)
    precision = np.cumsum(outcome[order]) / shown

    # A threshold t shows every item with y_prob >= t, so only the last position of each
    # run of equal probabilities is a valid cut.
    last_of_value = np.r_[sorted_prob[1:] != sorted_prob[:-1], True]
    # A small tolerance keeps a precision that equals the target up to rounding.
    reaches = last_of_value & (precision >= target_precision - 1e-12)
    if not reaches.any():
        logger.warning(
            "no threshold reaches precision %.3f (best %.3f over %d items); hiding every item",
            target_precision, precision[last_of_value].max(), y_prob.size,
        )
        return ThresholdChoice(float("inf"), float(target_precision), float("nan"), 0, int(y_prob.size), method)

    cut = np.flatnonzero(reaches)[-1]
    return ThresholdChoice(
        threshold=float(sorted_prob[cut]),
        target_precision=float(target_precision),
        estimated_precision=float(precision[cut]),
        n_shown=int(cut + 1),
        n_samples=int(y_prob.size),
        method=method,
    )


def evaluate_threshold(y_true, y_prob, threshold: float) -> ThresholdOutcome:
    """Measure precision, recall and share shown when items with ``y_prob >= threshold`` are shown.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary human labels.
    y_prob : array-like of shape (n_samples,)
        Relevance probabilities, in [0, 1].
    threshold : float
        Show items at or above it; ``inf`` shows nothing.

    Returns
    -------
    ThresholdOutcome

    Examples
    --------
    >>> evaluate_threshold([1, 0, 1, 0], [0.9, 0.7, 0.4, 0.2], 0.5)
    ThresholdOutcome(precision=0.5, recall=0.5, fraction_shown=0.5, n_shown=2)
    """
    y_true = check_binary_labels(y_true, "y_true")
    y_prob = check_probabilities(y_prob, "y_prob")
    check_same_length(y_true=y_true, y_prob=y_prob)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise ValueError(f"threshold must be a number (inf hides every item); got {threshold!r}")
    threshold = float(threshold)
    if np.isnan(threshold):
        raise ValueError("threshold is NaN; pass a number (inf hides every item)")

    shown = y_prob >= threshold
    n_shown = int(shown.sum())
    n_relevant = y_true.sum()
    hits = y_true[shown].sum()
    return ThresholdOutcome(
        precision=float(hits / n_shown) if n_shown else float("nan"),
        recall=float(hits / n_relevant) if n_relevant else float("nan"),
        fraction_shown=n_shown / y_true.size,
        n_shown=n_shown,
    )


def merge_candidate_lists(
    lists: Mapping[str, pd.DataFrame],
    *,
    score_column: str = "score",
    query_column: str = "query_id",
    item_column: str = "product_id",
    top_m: int | None = None,
) -> pd.DataFrame:
    """Merge per-query candidate lists from several scorers into one ranked list.

    Each scorer contributes its top ``top_m`` items per query. An item returned by several
    scorers keeps its highest score. The merged list is only as good as the comparability
    of the scores: pass calibrated probabilities to compare relevance across scorers, or
    raw scores to see what mixing scales does.

    Parameters
    ----------
    lists : mapping of str to pandas.DataFrame
        Scorer name to its candidates, each frame with the query, item and score columns.
        A scorer's frame must not repeat a (query, item) pair.
    score_column : str, default="score"
        Column with the score to merge on; higher is better.
    query_column : str, default="query_id"
        Column with the query id.
    item_column : str, default="product_id"
        Column with the item id.
    top_m : int or None, default=None
        Items kept per query and scorer before merging, chosen by decreasing score with
        ties broken by item id. ``None`` keeps every item.

    Returns
    -------
    pandas.DataFrame
        One row per distinct (query, item), sorted by query and rank, with the query, item
        and score columns and three more. ``source`` is the scorer that gave the kept
        score; on equal scores the first name in ``lists`` order wins. ``sources`` joins
        every scorer that returned the item with "+". ``rank`` is the 1-based position in
        the merged list, equal scores sharing the lowest rank.

    Examples
    --------
    >>> lexical = pd.DataFrame({"query_id": [1, 1], "product_id": [10, 11], "score": [0.7, 0.2]})
    >>> neural = pd.DataFrame({"query_id": [1, 1], "product_id": [11, 12], "score": [0.9, 0.4]})
    >>> merged = merge_candidate_lists({"lexical": lexical, "neural": neural})
    >>> merged[["product_id", "score", "sources", "rank"]].to_dict("list")
    {'product_id': [11, 10, 12], 'score': [0.9, 0.7, 0.4], 'sources': ['lexical+neural', 'lexical', 'neural'], 'rank': [1, 2, 3]}
    """
    if not isinstance(lists, Mapping) or not lists:
        raise ValueError(f"lists must be a non-empty mapping of scorer name to DataFrame; got {lists!r:.80}")
    if top_m is not None and (isinstance(top_m, bool) or not isinstance(top_m, (int, np.integer)) or top_m < 1):
        raise ValueError(f"top_m must be an integer >= 1 or None; got {top_m!r}")

    columns = [query_column, item_column, score_column]
    pieces = []
    for position, (name, frame) in enumerate(lists.items()):
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise ValueError(f"candidate list {name!r} has no column {missing}; its columns are {list(frame.columns)}")
        check_1d_array(frame[score_column].to_numpy(), f"{name!r} {score_column}", allow_empty=True)
        duplicated = frame.duplicated([query_column, item_column])
        if duplicated.any():
            pairs = frame.loc[duplicated, [query_column, item_column]].head(3).to_records(index=False).tolist()
            raise ValueError(f"candidate list {name!r} repeats (query, item) pairs such as {pairs}")

        piece = frame[columns].sort_values([query_column, score_column, item_column], ascending=[True, False, True])
        if top_m is not None:
            piece = piece.groupby(query_column, sort=False).head(top_m)
        pieces.append(piece.assign(source=name, _position=position))

    candidates = pd.concat(pieces, ignore_index=True)
    sources = (
        candidates.sort_values("_position")
        .groupby([query_column, item_column], sort=False)["source"]
        .agg("+".join)
        .rename("sources")
    )
    best = (
        candidates.sort_values([score_column, "_position"], ascending=[False, True], kind="stable")
        .drop_duplicates([query_column, item_column])
        .drop(columns="_position")
        .join(sources, on=[query_column, item_column])
    )
    best["rank"] = best.groupby(query_column)[score_column].rank(method="min", ascending=False).astype(int)
    merged = best.sort_values([query_column, "rank", item_column]).reset_index(drop=True)
    logger.debug("merged %d candidate lists into %d rows over %d queries", len(lists), len(merged), merged[query_column].nunique())
    return merged
