"""Tests for casestudy.metrics.grouped: per-group values checked against pandas groupby loops."""

import doctest

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from casestudy.metrics import grouped
from casestudy.metrics.grouped import grouped_metric


@pytest.fixture
def frame():
    """Twelve rows in three groups of sizes 5, 4 and 3 with hand-picked probabilities."""
    return pd.DataFrame(
        {
            "group": ["b", "b", "b", "b", "b", "a", "a", "a", "a", "c", "c", "c"],
            "y_true": [1, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0],
            "y_prob": [0.9, 0.2, 0.6, 0.7, 0.4, 0.1, 0.3, 0.8, 0.5, 0.3, 0.2, 0.9],
        }
    )


def test_values_match_groupby(frame):
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"])
    expected = frame.groupby("group").apply(
        lambda part: brier_score_loss(part["y_true"], part["y_prob"]), include_groups=False
    )
    np.testing.assert_allclose(result.table["value"].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-15)


def test_index_sorted_labels(frame):
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"])
    assert result.table.index.tolist() == ["a", "b", "c"]


def test_sizes_and_positives(frame):
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"])
    assert result.table["size"].tolist() == [4, 5, 3]
    assert result.table["n_positive"].tolist() == [1, 3, 2]


def test_weighted_mean_equals_overall_brier(frame):
    # The Brier score is a mean over rows, so its size-weighted mean over groups is the overall score.
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"])
    assert result.weighted_mean == pytest.approx(brier_score_loss(frame["y_true"], frame["y_prob"]), abs=1e-15)


def test_unweighted_mean_by_hand(frame):
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"])
    # Squared errors worked by hand for each group.
    group_a = (0.01 + 0.09 + 0.04 + 0.25) / 4
    group_b = (0.01 + 0.04 + 0.16 + 0.09 + 0.16) / 5
    group_c = (0.49 + 0.64 + 0.81) / 3
    assert result.mean == pytest.approx((group_a + group_b + group_c) / 3, abs=1e-15)


def test_worst_group_error_metric(frame):
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"])
    assert result.worst_group == "c"
    assert result.worst_value == pytest.approx((0.49 + 0.64 + 0.81) / 3, abs=1e-15)


def test_worst_group_greater_is_better(frame):
    result = grouped_metric(
        roc_auc_score, frame["y_true"], frame["y_prob"], frame["group"], greater_is_better=True
    )
    # Group c ranks its negative above both positives, so its AUC is 0.
    assert result.worst_group == "c"
    assert result.worst_value == 0.0


def test_worst_group_tie_first():
    result = grouped_metric(
        brier_score_loss, [1, 1, 0, 0], [0.5, 0.5, 0.5, 0.5], [2, 2, 1, 1]
    )
    assert result.worst_group == 1


def test_metric_kwargs_passed(frame):
    def weighted_gap(y_true, y_prob, *, scale):
        return scale * float(np.mean(y_prob - y_true))

    result = grouped_metric(weighted_gap, frame["y_true"], frame["y_prob"], frame["group"], scale=10.0)
    expected_a = 10.0 * (0.1 + 0.3 + 0.8 + 0.5 - 1) / 4
    assert result.table.loc["a", "value"] == pytest.approx(expected_a, abs=1e-12)


def test_min_size_reported(frame):
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"], min_size=4)
    assert result.table.loc["c", "status"] == "too small"
    assert np.isnan(result.table.loc["c", "value"])
    assert "3 rows" in result.table.loc["c", "reason"]


def test_min_size_excluded_from_summaries(frame):
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"], min_size=4)
    kept = frame[frame["group"] != "c"]
    assert result.weighted_mean == pytest.approx(brier_score_loss(kept["y_true"], kept["y_prob"]), abs=1e-15)
    assert result.worst_group == "a"
    assert result.n_evaluated == 2
    assert result.n_groups == 3


def test_skipped_property(frame):
    result = grouped_metric(brier_score_loss, frame["y_true"], frame["y_prob"], frame["group"], min_size=4)
    assert result.skipped.index.tolist() == ["c"]


def test_single_class_reported():
    y_true = [0, 0, 1, 0, 1, 1]
    y_prob = [0.2, 0.3, 0.6, 0.4, 0.7, 0.8]
    groups = [1, 1, 2, 2, 3, 3]
    result = grouped_metric(roc_auc_score, y_true, y_prob, groups, requires_both_classes=True)
    assert result.table["status"].tolist() == ["single class", "ok", "single class"]
    assert result.table.loc[2, "value"] == 1.0
    assert result.n_evaluated == 1


def rate_ratio(y_true, y_prob):
    """Calibration ratio that rejects groups without a positive label."""
    if np.sum(y_true) == 0:
        raise ValueError("y_true has no positive label")
    return float(np.sum(y_prob) / np.sum(y_true))


def test_metric_error_recorded():
    result = grouped_metric(rate_ratio, [0, 0, 1, 0], [0.2, 0.3, 0.6, 0.4], ["x", "x", "y", "y"])
    assert result.table.loc["x", "status"] == "metric error"
    assert result.table.loc["x", "reason"] == "y_true has no positive label"
    assert result.table.loc["y", "value"] == pytest.approx(1.0, abs=1e-15)


@pytest.mark.filterwarnings("ignore:Only one class is present")
def test_nan_value_undefined():
    # scikit-learn 1.9 returns NaN with a warning for AUC on a single class.
    result = grouped_metric(roc_auc_score, [0, 0, 0, 1], [0.2, 0.3, 0.6, 0.4], ["x", "x", "y", "y"])
    assert result.table.loc["x", "status"] == "undefined"
    assert result.n_evaluated == 1
    assert result.mean == 0.0


def test_no_group_evaluated_nan():
    result = grouped_metric(brier_score_loss, [0, 1], [0.2, 0.7], ["x", "y"], min_size=2)
    assert result.worst_group is None
    assert np.isnan(result.weighted_mean)
    assert np.isnan(result.mean)


def test_categorical_groups_observed():
    buckets = pd.cut(pd.Series([1, 2, 5, 6]), bins=[0, 3, 10])
    result = grouped_metric(brier_score_loss, [1, 0, 1, 1], [0.5, 0.5, 1.0, 1.0], buckets)
    assert result.table["value"].tolist() == [0.25, 0.0]


def test_numpy_integer_groups():
    result = grouped_metric(brier_score_loss, [1, 0, 1], [1.0, 0.0, 0.5], np.array([7, 7, 3]))
    assert result.table.index.tolist() == [3, 7]


def test_error_every_group_raises():
    with pytest.raises(ValueError, match="every group .* first error: y_true has no positive label"):
        grouped_metric(rate_ratio, [0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4], [1, 1, 2, 2])


def test_length_mismatch_raises():
    with pytest.raises(ValueError, match="groups has 3 entries"):
        grouped_metric(brier_score_loss, [0, 1], [0.2, 0.7], [1, 1, 2])


def test_label_length_mismatch_raises():
    with pytest.raises(ValueError, match="same length"):
        grouped_metric(brier_score_loss, [0, 1, 1], [0.2, 0.7], [1, 1, 2])


def test_empty_category_raises():
    buckets = pd.cut(pd.Series([1, 2]), bins=[0, 3, 10])
    with pytest.raises(ValueError, match=r"groups has categories with no rows: \[Interval\(3, 10"):
        grouped_metric(brier_score_loss, [1, 0], [0.5, 0.5], buckets)


def test_missing_group_raises():
    with pytest.raises(ValueError, match=r"groups contains missing labels .* positions \[1\]"):
        grouped_metric(brier_score_loss, [1, 0], [0.5, 0.5], ["a", None])


def test_nan_group_raises():
    with pytest.raises(ValueError, match="groups contains missing labels"):
        grouped_metric(brier_score_loss, [1, 0], [0.5, 0.5], [1.0, np.nan])


def test_groups_2d_raises():
    with pytest.raises(ValueError, match=r"groups must be 1-dimensional; got shape \(2, 1\)"):
        grouped_metric(brier_score_loss, [1, 0], [0.5, 0.5], [[1], [2]])


def test_empty_input_raises():
    with pytest.raises(ValueError, match="y_true is empty"):
        grouped_metric(brier_score_loss, [], [], [])


def test_probability_outside_raises():
    with pytest.raises(ValueError, match=r"y_prob has values outside \[0, 1\]: \[1.2\]"):
        grouped_metric(brier_score_loss, [1, 0], [1.2, 0.5], [1, 1])


def test_nan_probability_raises():
    with pytest.raises(ValueError, match="y_prob contains NaN"):
        grouped_metric(brier_score_loss, [1, 0], [np.nan, 0.5], [1, 1])


def test_bad_labels_raise():
    with pytest.raises(ValueError, match=r"y_true must contain only the labels 0 and 1; got \[2\]"):
        grouped_metric(brier_score_loss, [2, 0], [0.5, 0.5], [1, 1])


@pytest.mark.parametrize("min_size", [0, -1, 1.5, True])
def test_bad_min_size_raises(min_size):
    with pytest.raises(ValueError, match="min_size must be an integer >= 1"):
        grouped_metric(brier_score_loss, [1, 0], [0.5, 0.5], [1, 1], min_size=min_size)


def test_metric_not_callable_raises():
    with pytest.raises(ValueError, match="metric must be a callable"):
        grouped_metric("ece", [1, 0], [0.5, 0.5], [1, 1])


def test_docstring_examples():
    failures, _ = doctest.testmod(grouped)
    assert failures == 0
