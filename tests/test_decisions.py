"""Tests for casestudy.decisions: precision thresholds and merged candidate lists.

Expected thresholds come from a brute-force loop over every candidate threshold; merged
lists are checked against hand-built cases.
"""

import numpy as np
import pandas as pd
import pytest

from casestudy.decisions import evaluate_threshold, merge_candidate_lists, threshold_for_precision
from casestudy.metrics.ranking import ndcg_at_k


def _brute_threshold(y_prob, outcome, target):
    """Lowest candidate t whose shown items (y_prob >= t) reach the target precision."""
    best = None
    for t in sorted(set(y_prob)):
        shown = [o for p, o in zip(y_prob, outcome) if p >= t]
        if sum(shown) / len(shown) >= target - 1e-12:
            best = t
            break
    return best


@pytest.mark.parametrize("target", [0.5, 0.7, 0.9])
def test_threshold_labels_brute_force(target):
    rng = np.random.default_rng(50)
    y_prob = np.round(rng.uniform(size=300), 2)
    y_true = (rng.uniform(size=300) < y_prob).astype(int)
    choice = threshold_for_precision(y_prob, y_true, target_precision=target)
    assert choice.threshold == _brute_threshold(list(y_prob), list(y_true), target)
    assert choice.method == "labels"
    assert choice.n_shown == int((y_prob >= choice.threshold).sum())
    assert choice.estimated_precision == pytest.approx(y_true[y_prob >= choice.threshold].mean())


@pytest.mark.parametrize("target", [0.6, 0.8])
def test_threshold_model_brute_force(target):
    rng = np.random.default_rng(51)
    y_prob = np.round(rng.uniform(size=300), 3)
    choice = threshold_for_precision(y_prob, target_precision=target)
    assert choice.threshold == _brute_threshold(list(y_prob), list(y_prob), target)
    assert choice.method == "model"
    assert choice.estimated_precision == pytest.approx(y_prob[y_prob >= choice.threshold].mean())


def test_threshold_ties_never_split():
    # The run of 0.5s is either shown whole or hidden whole: with all three shown the
    # precision is 2 / 4, so the lowest valid threshold for 0.75 is 0.9.
    choice = threshold_for_precision([0.9, 0.5, 0.5, 0.5], [1, 1, 0, 0], target_precision=0.75)
    assert choice.threshold == 0.9
    assert choice.n_shown == 1


def test_threshold_precision_not_monotone():
    # Precision by cut: 0/1, 1/2, 2/3, 3/4. The lowest threshold reaching 0.7 is the last.
    choice = threshold_for_precision([0.9, 0.8, 0.7, 0.6], [0, 1, 1, 1], target_precision=0.7)
    assert choice.threshold == 0.6


def test_threshold_unreachable():
    choice = threshold_for_precision([0.9, 0.8], [0, 0], target_precision=0.5)
    assert choice.threshold == float("inf")
    assert choice.n_shown == 0
    assert np.isnan(choice.estimated_precision)


def test_threshold_model_calibrated_meets_target():
    # Labels drawn from y_prob: the threshold picked without labels reaches the target on
    # fresh data from the same distribution.
    rng = np.random.default_rng(52)
    fit_prob = rng.beta(2, 2, 20000)
    choice = threshold_for_precision(fit_prob, target_precision=0.8)
    test_prob = rng.beta(2, 2, 20000)
    test_true = (rng.uniform(size=20000) < test_prob).astype(int)
    outcome = evaluate_threshold(test_true, test_prob, choice.threshold)
    assert abs(outcome.precision - 0.8) < 0.015


def test_evaluate_threshold_by_hand():
    outcome = evaluate_threshold([1, 0, 1, 1, 0], [0.9, 0.8, 0.6, 0.2, 0.1], 0.6)
    assert outcome.precision == pytest.approx(2 / 3)
    assert outcome.recall == pytest.approx(2 / 3)
    assert outcome.fraction_shown == pytest.approx(3 / 5)
    assert outcome.n_shown == 3


def test_evaluate_threshold_infinite():
    outcome = evaluate_threshold([1, 0], [0.9, 0.8], float("inf"))
    assert outcome.n_shown == 0
    assert np.isnan(outcome.precision)
    assert outcome.recall == 0.0


@pytest.mark.parametrize("target", [0, -0.1, 1.5, True, None])
def test_bad_input_target_precision(target):
    with pytest.raises(ValueError, match="target_precision must be a number in \\(0, 1\\]"):
        threshold_for_precision([0.5, 0.4], [1, 0], target_precision=target)


def test_bad_input_threshold_probability():
    with pytest.raises(ValueError, match=r"y_prob has values outside \[0, 1\]"):
        threshold_for_precision([0.5, 1.4], [1, 0], target_precision=0.5)


def test_bad_input_threshold_length():
    with pytest.raises(ValueError, match="y_true has 3"):
        threshold_for_precision([0.5, 0.4], [1, 0, 1], target_precision=0.5)


def test_bad_input_threshold_labels():
    with pytest.raises(ValueError, match="y_true must contain only the labels 0 and 1"):
        threshold_for_precision([0.5, 0.4], [1, 2], target_precision=0.5)


def test_bad_input_threshold_empty():
    with pytest.raises(ValueError, match="y_prob is empty"):
        threshold_for_precision([], target_precision=0.5)


def test_bad_input_evaluate_nan_threshold():
    with pytest.raises(ValueError, match="threshold is NaN"):
        evaluate_threshold([1, 0], [0.5, 0.4], float("nan"))


def test_bad_input_evaluate_length():
    with pytest.raises(ValueError, match="y_prob has 1"):
        evaluate_threshold([1, 0], [0.5], 0.5)


def test_bad_input_evaluate_probability():
    with pytest.raises(ValueError, match="y_prob contains NaN"):
        evaluate_threshold([1, 0], [0.5, np.nan], 0.5)


# ---------------------------------------------------------------------------
# Merging candidate lists


def _frame(query, item, score):
    return pd.DataFrame({"query_id": query, "product_id": item, "score": score})


def test_merge_keeps_max_score():
    lexical = _frame([1, 1, 2], [10, 11, 20], [5.0, 1.0, 3.0])
    neural = _frame([1, 1, 2], [11, 12, 21], [7.0, 0.5, 4.0])
    merged = merge_candidate_lists({"lexical": lexical, "neural": neural})
    by_item = merged.set_index("product_id")
    assert by_item.loc[11, "score"] == 7.0
    assert by_item.loc[11, "source"] == "neural"
    assert by_item.loc[11, "sources"] == "lexical+neural"
    assert merged.product_id.tolist() == [11, 10, 12, 21, 20]
    assert merged["rank"].tolist() == [1, 2, 3, 1, 2]


def test_merge_top_m_per_scorer():
    lexical = _frame([1, 1, 1, 2], [10, 11, 12, 20], [3.0, 2.0, 1.0, 9.0])
    neural = _frame([1, 1, 1], [12, 13, 14], [0.9, 0.8, 0.1])
    merged = merge_candidate_lists({"lexical": lexical, "neural": neural}, top_m=2)
    assert sorted(merged[merged.query_id == 1].product_id) == [10, 11, 12, 13]
    assert merged[merged.query_id == 2].product_id.tolist() == [20]


def test_merge_top_m_ties_by_item_id():
    lexical = _frame([1, 1, 1], [12, 10, 11], [1.0, 1.0, 1.0])
    merged = merge_candidate_lists({"lexical": lexical}, top_m=2)
    assert sorted(merged.product_id) == [10, 11]


def test_merge_equal_scores_share_rank():
    merged = merge_candidate_lists({"a": _frame([1, 1], [1, 2], [0.5, 0.5])})
    assert merged["rank"].tolist() == [1, 1]


def test_merge_tie_between_scorers_first_wins():
    merged = merge_candidate_lists({"a": _frame([1], [1], [0.5]), "b": _frame([1], [1], [0.5])})
    assert merged.source.tolist() == ["a"]
    assert merged.sources.tolist() == ["a+b"]


def test_merge_custom_columns():
    frame = pd.DataFrame({"q": [1, 1], "doc": ["x", "y"], "p": [0.1, 0.3]})
    merged = merge_candidate_lists({"a": frame}, score_column="p", query_column="q", item_column="doc")
    assert merged.doc.tolist() == ["y", "x"]


def test_merge_calibrated_beats_raw_scales():
    # Lexical scores live on [0, 30] and neural scores on (0, 1); both are informative.
    # Merging raw scores puts every lexical item first, while probabilities interleave.
    rng = np.random.default_rng(53)
    rows = []
    for query in range(300):
        relevant = rng.uniform(size=8) < 0.4
        quality = relevant + rng.normal(0, 0.5, 8)
        for item in range(8):
            rows.append((query, item, int(relevant[item]), quality[item]))
    frame = pd.DataFrame(rows, columns=["query_id", "product_id", "label", "quality"])
    lexical = frame[frame.product_id < 4].assign(raw=lambda f: 15 + 10 * f.quality)
    neural = frame[frame.product_id >= 4].assign(raw=lambda f: 1 / (1 + np.exp(-3 * f.quality)))
    # Both scorers see the same quality, so the same probability map calibrates both.
    for part in (lexical, neural):
        part["prob"] = 1 / (1 + np.exp(-(part.quality - 0.5) * 4))
    labels = frame.set_index(["query_id", "product_id"]).label

    def merged_ndcg(column):
        merged = merge_candidate_lists(
            {"lexical": lexical.rename(columns={column: "score"}), "neural": neural.rename(columns={column: "score"})}
        )
        y_true = labels.loc[list(zip(merged.query_id, merged.product_id))].to_numpy()
        return ndcg_at_k(y_true, merged.score, merged.query_id, k=4, gain="linear").mean

    assert merged_ndcg("prob") > merged_ndcg("raw") + 0.02


def test_bad_input_merge_empty_mapping():
    with pytest.raises(ValueError, match="lists must be a non-empty mapping"):
        merge_candidate_lists({})


def test_bad_input_merge_missing_column():
    with pytest.raises(ValueError, match=r"candidate list 'a' has no column \['score'\]"):
        merge_candidate_lists({"a": pd.DataFrame({"query_id": [1], "product_id": [1]})})


def test_bad_input_merge_nonfinite_score():
    with pytest.raises(ValueError, match="'a' score contains NaN"):
        merge_candidate_lists({"a": _frame([1, 1], [1, 2], [0.5, np.nan])})


def test_bad_input_merge_duplicate_pair():
    with pytest.raises(ValueError, match=r"candidate list 'a' repeats \(query, item\) pairs"):
        merge_candidate_lists({"a": _frame([1, 1], [1, 1], [0.5, 0.4])})


@pytest.mark.parametrize("top_m", [0, -1, 1.5, True])
def test_bad_input_merge_top_m(top_m):
    with pytest.raises(ValueError, match="top_m must be an integer >= 1 or None"):
        merge_candidate_lists({"a": _frame([1], [1], [0.5])}, top_m=top_m)


@pytest.mark.parametrize(("threshold", "value_pattern"), [(None, "None"), ("0.5", "'0.5'"), (True, "True"), ([0.5], r"\[0.5\]")])
def test_bad_input_evaluate_threshold_not_number(threshold, value_pattern):
    # None used to raise a bare TypeError from float(), and "0.5" was silently converted.
    with pytest.raises(ValueError, match=rf"threshold must be a number \(inf hides every item\); got {value_pattern}"):
        evaluate_threshold([1, 0], [0.5, 0.4], threshold)


def test_evaluate_threshold_numpy_scalars():
    # 0.5 shows only the first item, which is relevant: precision 1, recall 1/2.
    for threshold in (np.float32(0.5), np.float64(0.5)):
        outcome = evaluate_threshold([1, 0, 1], [0.9, 0.4, 0.2], threshold)
        assert outcome.n_shown == 1
        assert outcome.recall == 0.5
    assert evaluate_threshold([1, 0, 1], [0.9, 0.4, 0.2], np.int64(1)).n_shown == 0
