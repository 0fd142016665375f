"""Tests of the query-grouped cross-validation wrapper and the hyperparameter search."""

import numpy as np
import pytest
from scipy.special import expit
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupKFold

from casestudy.calibration import (
    CalibratorSearchCV,
    GroupedCrossValidatedCalibrator,
    HistogramBinningCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    pooled_log_loss,
)


def _grouped_data(n_queries=60, per_query=5, seed=0):
    rng = np.random.default_rng(seed)
    query_id = np.repeat(np.arange(n_queries), per_query)
    query_effect = rng.normal(size=n_queries)[query_id]
    logits = rng.normal(scale=2.0, size=query_id.size) + query_effect
    y = (rng.random(query_id.size) < expit(0.8 * logits)).astype(int)
    return logits, y, query_id


def _manual_folds(query_id, n_splits=5, random_state=0):
    splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(query_id.size), groups=query_id))


def test_out_of_fold_matches_manual_loop():
    logits, y, query_id = _grouped_data()
    wrapper = GroupedCrossValidatedCalibrator(PlattCalibrator()).fit(logits, y, groups=query_id)
    expected = np.empty(y.size)
    for train, test in _manual_folds(query_id):
        expected[test] = PlattCalibrator().fit(logits[train], y[train]).predict_proba(logits[test])
    np.testing.assert_allclose(wrapper.oof_proba_, expected, rtol=1e-12)


def test_folds_never_share_a_query():
    _, _, query_id = _grouped_data()
    for train, test in _manual_folds(query_id):
        assert not set(query_id[train]) & set(query_id[test])


def test_cv_log_loss_matches_sklearn():
    logits, y, query_id = _grouped_data()
    wrapper = GroupedCrossValidatedCalibrator(PlattCalibrator()).fit(logits, y, groups=query_id)
    assert wrapper.cv_log_loss_ == pytest.approx(log_loss(y, wrapper.oof_proba_), rel=1e-12)


def test_ensemble_averages_folds():
    logits, y, query_id = _grouped_data()
    wrapper = GroupedCrossValidatedCalibrator(IsotonicCalibrator(), n_splits=4).fit(logits, y, groups=query_id)
    grid = np.linspace(-6, 6, 101)
    expected = np.mean([member.predict_proba(grid) for member in wrapper.calibrators_], axis=0)
    np.testing.assert_allclose(wrapper.predict_proba(grid), expected)


def test_refit_uses_all_items():
    logits, y, query_id = _grouped_data()
    wrapper = GroupedCrossValidatedCalibrator(PlattCalibrator(), ensemble=False).fit(logits, y, groups=query_id)
    direct = PlattCalibrator().fit(logits, y)
    np.testing.assert_allclose(wrapper.predict_proba(logits), direct.predict_proba(logits))


def test_wrapper_without_groups_runs():
    logits, y, _ = _grouped_data()
    wrapper = GroupedCrossValidatedCalibrator(PlattCalibrator(), n_splits=3).fit(logits, y)
    assert len(wrapper.calibrators_) == 3


def test_search_picks_manual_argmin():
    logits, y, query_id = _grouped_data(n_queries=80)
    grid = [2, 4, 8]
    manual = []
    for n_bins in grid:
        out_of_fold = np.empty(y.size)
        for train, test in _manual_folds(query_id):
            calibrator = HistogramBinningCalibrator(n_bins=n_bins).fit(logits[train], y[train])
            out_of_fold[test] = calibrator.predict_proba(logits[test])
        assert out_of_fold.min() > 0
        assert out_of_fold.max() < 1
        manual.append(log_loss(y, out_of_fold))
    search = CalibratorSearchCV(HistogramBinningCalibrator(), {"n_bins": grid}).fit(logits, y, groups=query_id)
    np.testing.assert_allclose(search.cv_results_["mean_log_loss"], manual, rtol=1e-10)
    assert search.best_params_ == {"n_bins": grid[int(np.argmin(manual))]}


def test_search_refits_best_on_all():
    logits, y, query_id = _grouped_data()
    search = CalibratorSearchCV(HistogramBinningCalibrator(), {"n_bins": [3, 8]}).fit(logits, y, groups=query_id)
    direct = HistogramBinningCalibrator(**search.best_params_).fit(logits, y)
    np.testing.assert_array_equal(search.predict_proba(logits), direct.predict_proba(logits))


def test_search_rank_one_is_best():
    logits, y, query_id = _grouped_data()
    search = CalibratorSearchCV(HistogramBinningCalibrator(), {"n_bins": [3, 8, 20]}).fit(logits, y, groups=query_id)
    best = int(np.flatnonzero(search.cv_results_["rank"] == 1)[0])
    assert search.cv_results_["params"][best] == search.best_params_


def test_pooled_log_loss_multiclass():
    # -(log 0.7 + log 0.5) / 2 worked by hand.
    y_prob = np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]])
    assert pooled_log_loss([0, 2], y_prob) == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2)


@pytest.mark.parametrize(
    ("y", "y_prob", "message"),
    [
        # Label 2 used to count as a negative and 1.5 used to be clipped, both without a word.
        ([1, 2], [0.8, 0.4], r"y must contain only the labels 0 and 1; got \[2\]"),
        ([1, 0], [1.5, 0.4], r"y_prob has values outside \[0, 1\]: \[1.5\]"),
        ([1, 0], [0.8, np.nan], r"y_prob contains NaN or infinite values \[nan\]"),
        ([1, 0, 1], [0.8, 0.4], "Inputs must have the same length: y has 3, y_prob has 2"),
        ([], [], "y_prob is empty"),
        ([0, 3], [[0.7, 0.3], [0.4, 0.6]], r"y must contain integer class indices 0 to 1; got \[3\]"),
        ([0, 1], [[0.7, 0.2], [0.4, 0.6]], "y_prob rows must sum to 1"),
    ],
)
def test_pooled_log_loss_bad_input(y, y_prob, message):
    with pytest.raises(ValueError, match=message):
        pooled_log_loss(y, y_prob)


@pytest.mark.parametrize(
    ("sample_weight", "message"),
    [([1.0], "sample_weight has 1"), ([-1.0, 1.0], "sample_weight must be non-negative"), ([0.0, 0.0], "positive sum")],
)
def test_pooled_log_loss_bad_weight(sample_weight, message):
    with pytest.raises(ValueError, match=message):
        pooled_log_loss([1, 0], [0.8, 0.4], sample_weight)


def test_pooled_log_loss_weighted():
    # Weights 3 and 1 on the losses -log 0.8 and -log 0.6.
    expected = -(3 * np.log(0.8) + np.log(0.6)) / 4
    assert pooled_log_loss([1, 0], [0.8, 0.4], [3.0, 1.0]) == pytest.approx(expected)


def test_too_few_groups():
    logits, y, _ = _grouped_data()
    with pytest.raises(ValueError, match="groups has 3 distinct values but n_splits=5"):
        GroupedCrossValidatedCalibrator(PlattCalibrator()).fit(logits, y, groups=np.arange(y.size) % 3)


@pytest.mark.parametrize("value", [1, 0, 2.5, True])
def test_bad_n_splits(value):
    logits, y, query_id = _grouped_data()
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2"):
        GroupedCrossValidatedCalibrator(PlattCalibrator(), n_splits=value).fit(logits, y, groups=query_id)


def test_groups_length_mismatch():
    logits, y, query_id = _grouped_data()
    with pytest.raises(ValueError, match="groups must have one entry per item"):
        GroupedCrossValidatedCalibrator(PlattCalibrator()).fit(logits, y, groups=query_id[:-1])


def test_empty_param_grid():
    logits, y, query_id = _grouped_data()
    with pytest.raises(ValueError, match="param_grid defines no candidates"):
        CalibratorSearchCV(PlattCalibrator(), []).fit(logits, y, groups=query_id)


def test_fold_failure_names_fold():
    # Every positive sits in one query, so a fold trained without it has a single class.
    logits, _, query_id = _grouped_data()
    y = (query_id == 0).astype(int)
    with pytest.raises(ValueError, match="fitting PlattCalibrator on the training part of fold"):
        GroupedCrossValidatedCalibrator(PlattCalibrator()).fit(logits, y, groups=query_id)


def test_search_multiclass_regularisation():
    from scipy.special import softmax

    from casestudy.calibration import MatrixScalingCalibrator

    rng = np.random.default_rng(3)
    logits = rng.normal(scale=2.0, size=(300, 3))
    y = np.array([rng.choice(3, p=row) for row in softmax(0.5 * logits, axis=1)])
    query_id = np.repeat(np.arange(60), 5)
    grid = [0.0, 1.0, 100.0]
    manual = []
    for reg_lambda in grid:
        out_of_fold = np.empty((y.size, 3))
        for train, test in _manual_folds(query_id):
            calibrator = MatrixScalingCalibrator(reg_lambda=reg_lambda).fit(logits[train], y[train])
            out_of_fold[test] = calibrator.predict_proba(logits[test])
        manual.append(log_loss(y, out_of_fold))
    search = CalibratorSearchCV(MatrixScalingCalibrator(), {"reg_lambda": grid}).fit(logits, y, groups=query_id)
    np.testing.assert_allclose(search.cv_results_["mean_log_loss"], manual, rtol=1e-8)
    assert search.best_params_ == {"reg_lambda": grid[int(np.argmin(manual))]}
