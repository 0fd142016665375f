"""Tests of the query-grouped splits and the query subsampling, on the real data and small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casestudy.splits import QuerySplits, split_by_query, subsample_queries


@pytest.fixture
def small_frame() -> pd.DataFrame:
    """Twenty queries with 1 to 4 rows each, and a non-default index."""
    sizes = [1, 2, 3, 4] * 5
    query_ids = np.repeat(np.arange(20) * 7, sizes)
    return pd.DataFrame(
        {"query_id": query_ids, "label": np.arange(query_ids.size) % 2},
        index=np.arange(query_ids.size) + 100,
    )


@pytest.fixture(scope="module")
def real_splits(home_depot_frame) -> QuerySplits:
    return split_by_query(home_depot_frame, seed=0)


def query_set(frame: pd.DataFrame, column: str = "query_id") -> set:
    return set(frame[column])


# --- the real data -----------------------------------------------------------------------------


def test_real_train_calibration_disjoint(real_splits):
    assert query_set(real_splits.train).isdisjoint(query_set(real_splits.calibration))


def test_real_train_test_disjoint(real_splits):
    assert query_set(real_splits.train).isdisjoint(query_set(real_splits.test))


def test_real_calibration_test_disjoint(real_splits):
    assert query_set(real_splits.calibration).isdisjoint(query_set(real_splits.test))


def test_real_splits_cover_all_rows(real_splits, home_depot_frame):
    combined = pd.concat(real_splits).sort_index()
    assert len(combined) == len(home_depot_frame)
    pd.testing.assert_frame_equal(combined, home_depot_frame)


def test_real_query_counts_within_one(real_splits, home_depot_frame):
    n_queries = home_depot_frame["query_id"].nunique()
    for split, fraction in zip(real_splits, (0.5, 0.25, 0.25)):
        assert abs(split["query_id"].nunique() - fraction * n_queries) <= 1


def test_real_split_same_seed_same_rows(real_splits, home_depot_frame):
    again = split_by_query(home_depot_frame, seed=0)
    for first, second in zip(real_splits, again):
        pd.testing.assert_frame_equal(first, second)


def test_real_split_ignores_row_order(real_splits, home_depot_frame):
    shuffled = home_depot_frame.sample(frac=1.0, random_state=1)
    from_shuffled = split_by_query(shuffled, seed=0)
    for first, second in zip(real_splits, from_shuffled):
        pd.testing.assert_frame_equal(first, second)


def test_real_split_other_seed_differs(real_splits, home_depot_frame):
    other = split_by_query(home_depot_frame, seed=1)
    assert query_set(other.test) != query_set(real_splits.test)


# --- small frames ------------------------------------------------------------------------------


def test_split_returns_named_tuple(small_frame):
    splits = split_by_query(small_frame)
    assert isinstance(splits, QuerySplits)
    assert splits._fields == ("train", "calibration", "test")


def test_split_query_counts_by_hand(small_frame):
    # 20 queries: round(0.6 * 20) = 12 train, round(0.8 * 20) - 12 = 4 calibration, 4 test.
    splits = split_by_query(small_frame, fractions=(0.6, 0.2, 0.2), seed=3)
    assert splits.train["query_id"].nunique() == 12
    assert splits.calibration["query_id"].nunique() == 4
    assert splits.test["query_id"].nunique() == 4


def test_split_keeps_whole_queries(small_frame):
    rows_per_query = small_frame["query_id"].value_counts()
    for split in split_by_query(small_frame, seed=5):
        split_counts = split["query_id"].value_counts()
        assert split_counts.equals(rows_per_query.loc[split_counts.index])


def test_split_keeps_index_and_columns(small_frame):
    splits = split_by_query(small_frame, seed=2)
    for split in splits:
        pd.testing.assert_frame_equal(split, small_frame.loc[split.index])
    assert sorted(pd.concat(splits).index) == list(small_frame.index)


def test_split_rows_sorted_by_index(small_frame):
    for split in split_by_query(small_frame.iloc[::-1], seed=2):
        assert split.index.is_monotonic_increasing


def test_split_string_query_column(small_frame):
    frame = small_frame.assign(query="q" + small_frame["query_id"].astype(str))
    splits = split_by_query(frame, query_column="query")
    assert query_set(splits.train, "query").isdisjoint(query_set(splits.test, "query"))
    assert sum(len(split) for split in splits) == len(frame)


def test_split_minimum_three_queries():
    frame = pd.DataFrame({"query_id": [4, 5, 6]})
    splits = split_by_query(frame, fractions=(0.34, 0.33, 0.33))
    assert [len(split) for split in splits] == [1, 1, 1]


# --- bad input to split_by_query ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fractions",
    [
        (0.5, 0.5),
        (0.25, 0.25, 0.25, 0.25),
        0.5,
        ("0.5", "0.25", "0.25"),
        (True, 0.0, 0.0),
        None,
    ],
)
def test_split_fractions_wrong_shape(small_frame, fractions):
    with pytest.raises(ValueError, match="fractions must be 3 numbers"):
        split_by_query(small_frame, fractions=fractions)


@pytest.mark.parametrize(
    "fractions",
    [(0.5, 0.5, 0.0), (1.2, -0.1, -0.1), (0.5, float("nan"), 0.5), (float("inf"), 0.5, 0.5)],
)
def test_split_fractions_not_positive(small_frame, fractions):
    with pytest.raises(ValueError, match="positive and finite"):
        split_by_query(small_frame, fractions=fractions)


@pytest.mark.parametrize("fractions", [(0.5, 0.25, 0.2), (0.6, 0.3, 0.3)])
def test_split_fractions_sum_not_one(small_frame, fractions):
    with pytest.raises(ValueError, match="must sum to 1"):
        split_by_query(small_frame, fractions=fractions)


def test_split_fractions_message_shows_value(small_frame):
    with pytest.raises(ValueError, match=r"\(0\.5, 0\.25, 0\.2\)"):
        split_by_query(small_frame, fractions=(0.5, 0.25, 0.2))


def test_split_missing_column(small_frame):
    with pytest.raises(ValueError, match="'query' is not a column of frame.*'query_id', 'label'"):
        split_by_query(small_frame, query_column="query")


def test_split_not_dataframe():
    with pytest.raises(ValueError, match="frame must be a pandas DataFrame; got dict"):
        split_by_query({"query_id": [1, 2, 3]})


def test_split_empty_frame():
    with pytest.raises(ValueError, match="frame is empty"):
        split_by_query(pd.DataFrame({"query_id": []}))


def test_split_missing_query_ids():
    frame = pd.DataFrame({"query_id": [1.0, np.nan, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"1 missing values, at index labels \[1\]"):
        split_by_query(frame)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None, True])
def test_split_bad_seed(small_frame, seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        split_by_query(small_frame, seed=seed)


def test_split_too_few_queries():
    frame = pd.DataFrame({"query_id": [1, 1, 2]})
    with pytest.raises(ValueError, match="2 distinct values in 'query_id'"):
        split_by_query(frame)


# --- subsample_queries -------------------------------------------------------------------------


def test_subsample_query_count(small_frame):
    assert subsample_queries(small_frame, 6, seed=0)["query_id"].nunique() == 6


def test_subsample_keeps_whole_queries(small_frame):
    sample = subsample_queries(small_frame, 6, seed=0)
    expected = small_frame[small_frame["query_id"].isin(set(sample["query_id"]))]
    pd.testing.assert_frame_equal(sample, expected)


def test_subsample_ignores_row_order(small_frame):
    forward = subsample_queries(small_frame, 6, seed=4)
    backward = subsample_queries(small_frame.iloc[::-1], 6, seed=4)
    pd.testing.assert_frame_equal(forward, backward)


def test_subsample_seed_changes_sample(home_depot_frame):
    first = subsample_queries(home_depot_frame, 500, seed=0)
    second = subsample_queries(home_depot_frame, 500, seed=1)
    assert query_set(first) != query_set(second)


def test_subsample_all_queries(small_frame):
    pd.testing.assert_frame_equal(subsample_queries(small_frame, 20, seed=0), small_frame)


@pytest.mark.parametrize("n_queries", [0, -3, 21, 2.0, "5", True, None])
def test_subsample_bad_n_queries(small_frame, n_queries):
    with pytest.raises(ValueError, match="n_queries must be an integer from 1 to 20"):
        subsample_queries(small_frame, n_queries, seed=0)


@pytest.mark.parametrize("seed", [-1, 0.5, None])
def test_subsample_bad_seed(small_frame, seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        subsample_queries(small_frame, 3, seed=seed)


def test_subsample_missing_column(small_frame):
    with pytest.raises(ValueError, match="'query' is not a column of frame"):
        subsample_queries(small_frame, 3, seed=0, query_column="query")
