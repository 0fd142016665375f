"""Query-grouped train / calibration / test splits and query subsampling.

All the rows of one query go to the same split. Rows of one query share the query text, so a
row-level split would let the model and the calibrator see test queries during training and
report optimistic scores.
"""

from __future__ import annotations

import logging
import math
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

_SPLIT_NAMES = ("train", "calibration", "test")


class QuerySplits(NamedTuple):
    """Three disjoint sets of queries, each with all of its rows.

    Attributes
    ----------
    train : pandas.DataFrame
        Rows used to fit the scoring model.
    calibration : pandas.DataFrame
        Rows used to fit the calibrators.
    test : pandas.DataFrame
        Rows held out for the final measurements.
    """

    train: pd.DataFrame
    calibration: pd.DataFrame
    test: pd.DataFrame


def split_by_query(
    frame: pd.DataFrame,
    *,
    fractions: tuple[float, float, float] = (0.5, 0.25, 0.25),
    seed: int = 0,
    query_column: str = "query_id",
) -> QuerySplits:
    """Split rows into train, calibration and test sets so that no query is in two of them.

    The distinct query ids are sorted, shuffled by a generator seeded with ``seed``, and cut
    in that order into three consecutive blocks sized by ``fractions``. Split sizes are
    counted in queries, not rows. The first block has ``round(fractions[0] * n_queries)``
    queries and the first two together ``round((fractions[0] + fractions[1]) * n_queries)``,
    so each split is within one query of its share. Rows follow their query, so the row
    shares vary with the number of products per query.

    One seeded permutation is used instead of scikit-learn's ``GroupShuffleSplit`` because
    that class cuts off one group-disjoint test set per call, so a three-way split would need
    two nested calls, and the second call's fractions would refer to the remainder.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to split, one per (query, item) pair.
    fractions : tuple of 3 floats, default=(0.5, 0.25, 0.25)
        Shares of the queries for train, calibration and test. Each must be positive and
        they must sum to 1.
    seed : int, default=0
        Seed of the permutation of the queries. The same seed gives the same rows in each
        split whatever the order of the input rows.
    query_column : str, default="query_id"
        Column that identifies the query. Its values must not be missing.

    Returns
    -------
    QuerySplits
        Named tuple ``(train, calibration, test)`` of DataFrames with the columns and index
        labels of ``frame``. Rows are sorted by index label (a stable sort), so a shuffled
        copy of a frame yields the same rows in the same order.

    Raises
    ------
    ValueError
        ``frame`` is not a non-empty DataFrame, ``query_column`` is missing or has missing
        values, ``fractions`` is invalid, ``seed`` is not a non-negative integer, or there
        are too few queries to give each split at least one.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"query_id": [0, 0, 1, 2, 2, 3], "label": [1, 0, 1, 0, 0, 1]})
    >>> splits = split_by_query(frame, fractions=(0.5, 0.25, 0.25), seed=0)
    >>> [split["query_id"].nunique() for split in splits]
    [2, 1, 1]
    """
    _check_frame(frame, query_column)
    fractions = _check_fractions(fractions)
    _check_seed(seed)

    query_ids = np.unique(frame[query_column].to_numpy())
    n_queries = query_ids.size
    ends = [round(math.fsum(fractions[: i + 1]) * n_queries) for i in range(len(fractions))]
    ends[-1] = n_queries
    starts = [0, *ends[:-1]]
    sizes = [end - start for start, end in zip(starts, ends)]
    if min(sizes) < 1:
        raise ValueError(
            f"frame has {n_queries} distinct values in {query_column!r}, too few to give every "
            f"split at least one query with fractions={fractions}; the query counts would be "
            f"{dict(zip(_SPLIT_NAMES, sizes))}. Pass more queries or larger fractions."
        )

    permuted = np.random.default_rng(seed).permutation(query_ids)
    split_frames = []
    for start, end in zip(starts, ends):
        selected = frame[query_column].isin(permuted[start:end])
        split_frames.append(frame.loc[selected].sort_index(kind="stable"))

    logger.info(
        "Split %d queries into %s queries and %s rows (seed=%d)",
        n_queries,
        sizes,
        [len(split) for split in split_frames],
        seed,
    )
    return QuerySplits(*split_frames)


def subsample_queries(
    frame: pd.DataFrame,
    n_queries: int,
    *,
    seed: int = 0,
    query_column: str = "query_id",
) -> pd.DataFrame:
    """Keep all rows of ``n_queries`` queries drawn at random without replacement.

    Whole queries are kept, so per-query metrics such as NDCG stay meaningful on the sample.
    The distinct query ids are sorted and then shuffled by a generator seeded with ``seed``,
    so the sample does not depend on the order of the input rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to sample from, one per (query, item) pair.
    n_queries : int
        Number of distinct queries to keep, from 1 to the number of queries in ``frame``.
    seed : int, default=0
        Seed of the draw.
    query_column : str, default="query_id"
        Column that identifies the query. Its values must not be missing.

    Returns
    -------
    pandas.DataFrame
        The rows of the drawn queries, with the columns and index labels of ``frame``,
        sorted by index label (a stable sort).

    Raises
    ------
    ValueError
        ``frame`` is not a non-empty DataFrame, ``query_column`` is missing or has missing
        values, ``n_queries`` is not an integer in the accepted range, or ``seed`` is not a
        non-negative integer.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"query_id": [0, 0, 1, 2, 2, 3], "label": [1, 0, 1, 0, 0, 1]})
    >>> subsample_queries(frame, 2, seed=0)["query_id"].nunique()
    2
    """
    _check_frame(frame, query_column)
    _check_seed(seed)
    query_ids = np.unique(frame[query_column].to_numpy())
    if (
        isinstance(n_queries, bool)
        or not isinstance(n_queries, Integral)
        or not 1 <= n_queries <= query_ids.size
    ):
        raise ValueError(
            f"n_queries must be an integer from 1 to {query_ids.size} (the number of distinct "
            f"values in {query_column!r}); got {n_queries!r}"
        )

    drawn = np.random.default_rng(seed).permutation(query_ids)[:n_queries]
    sample = frame.loc[frame[query_column].isin(drawn)].sort_index(kind="stable")
    logger.info(
        "Kept %d of %d queries (%d rows, seed=%d)", n_queries, query_ids.size, len(sample), seed
    )
    return sample


def _check_frame(frame, query_column: str) -> None:
    """Reject input that is not a non-empty DataFrame with a complete query column."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    if query_column not in frame.columns:
        raise ValueError(
            f"query_column {query_column!r} is not a column of frame; "
            f"the columns are {list(frame.columns)}"
        )
    if frame.empty:
        raise ValueError("frame is empty; at least one row is required")
    missing = frame[query_column].isna()
    if missing.any():
        raise ValueError(
            f"query_column {query_column!r} has {int(missing.sum())} missing values, at index "
            f"labels {list(frame.index[missing][:5])}; every row needs a query id"
        )


def _check_fractions(fractions) -> tuple[float, float, float]:
    """Return ``fractions`` as three positive floats after checking that they sum to 1."""
    try:
        values = tuple(fractions)
    except TypeError:
        values = None
    if (
        values is None
        or len(values) != len(_SPLIT_NAMES)
        or not all(isinstance(value, Real) and not isinstance(value, bool) for value in values)
    ):
        raise ValueError(
            "fractions must be 3 numbers (train, calibration, test) that are positive and "
            f"sum to 1; got {fractions!r}"
        )
    if not all(math.isfinite(value) and value > 0 for value in values):
        raise ValueError(f"fractions must all be positive and finite; got {fractions!r}")
    total = math.fsum(values)
    if not math.isclose(total, 1.0, rel_tol=0.0, abs_tol=1e-9):
        raise ValueError(f"fractions must sum to 1; got {fractions!r}, which sums to {total!r}")
    return tuple(float(value) for value in values)


def _check_seed(seed) -> None:
    """Reject a seed that is not a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
