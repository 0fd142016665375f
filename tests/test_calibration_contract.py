"""scikit-learn estimator contract of every calibrator.

``check_estimator`` runs with a documented list of expected failures, each with its
reason. Most of those checks build an ``X`` with several feature columns, arbitrary
labels (1 and 2, strings) or values outside [0, 1]. A binary calibrator takes one score
per item, and a multiclass one takes one column per class with labels that index the
columns. The second half of this file runs the same properties on data that calibrators
accept.
"""

import pickle
import warnings

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

from casestudy.calibration import (
    ArticleSigmoidCalibrator,
    BetaCalibrator,
    CalibratorSearchCV,
    CentredIsotonicCalibrator,
    DirichletCalibrator,
    GroupedCrossValidatedCalibrator,
    HistogramBinningCalibrator,
    IsotonicCalibrator,
    MatrixScalingCalibrator,
    MulticlassCalibrator,
    MulticlassTemperatureCalibrator,
    PlattCalibrator,
    ScalingBinningCalibrator,
    TemperatureCalibrator,
    VectorScalingCalibrator,
    VennAbersCalibrator,
)

SEVERAL_COLUMNS = "builds X with several columns; a binary calibrator takes one score per item, so fit raises ValueError"

BINARY_EXPECTED_FAILURES = {
    "check_all_zero_sample_weights_error": SEVERAL_COLUMNS,
    "check_dict_unchanged": SEVERAL_COLUMNS,
    "check_dont_overwrite_parameters": SEVERAL_COLUMNS,
    "check_dtype_object": SEVERAL_COLUMNS,
    "check_estimators_dtypes": SEVERAL_COLUMNS,
    "check_estimators_fit_returns_self": SEVERAL_COLUMNS,
    "check_estimators_nan_inf": SEVERAL_COLUMNS + " before the NaN check (bad-input tests cover NaN and inf)",
    "check_estimators_overwrite_params": SEVERAL_COLUMNS,
    "check_estimators_pickle": SEVERAL_COLUMNS,
    "check_f_contiguous_array_estimator": SEVERAL_COLUMNS,
    "check_fit2d_1feature": "fits labels 1 and 2 (or values outside [0, 1]); labels must be 0/1",
    "check_fit2d_1sample": SEVERAL_COLUMNS,
    "check_fit2d_predict1d": SEVERAL_COLUMNS,
    "check_fit_check_is_fitted": SEVERAL_COLUMNS,
    "check_fit_idempotent": SEVERAL_COLUMNS,
    "check_fit_score_takes_y": SEVERAL_COLUMNS,
    "check_methods_sample_order_invariance": SEVERAL_COLUMNS,
    "check_methods_subset_invariance": SEVERAL_COLUMNS,
    "check_n_features_in": SEVERAL_COLUMNS,
    "check_n_features_in_after_fitting": SEVERAL_COLUMNS,
    "check_pipeline_consistency": SEVERAL_COLUMNS,
    "check_positive_only_tag_during_fit": SEVERAL_COLUMNS,
    "check_readonly_memmap_input": SEVERAL_COLUMNS,
    "check_sample_weight_equivalence_on_dense_data": SEVERAL_COLUMNS,
    "check_sample_weights_list": SEVERAL_COLUMNS,
    "check_sample_weights_not_an_array": SEVERAL_COLUMNS,
    "check_sample_weights_not_overwritten": SEVERAL_COLUMNS,
    "check_sample_weights_pandas_series": SEVERAL_COLUMNS + ", and its labels are 1 and 2",
    "check_sample_weights_shape": SEVERAL_COLUMNS,
}

LABELS_INDEX_COLUMNS = "uses labels 0, 1, 2 with two columns; labels must index the columns of the logits"

MULTICLASS_EXPECTED_FAILURES = {
    "check_dtype_object": "passes string labels; labels must be integer column indices",
    "check_estimators_fit_returns_self": LABELS_INDEX_COLUMNS,
    "check_estimators_overwrite_params": LABELS_INDEX_COLUMNS,
    "check_fit2d_1sample": "one sample has one class; the error names the single class, not the sample count",
    "check_n_features_in_after_fitting": "the column-count error names the argument scores, not X",
    "check_readonly_memmap_input": LABELS_INDEX_COLUMNS,
    "check_sample_weights_not_an_array": LABELS_INDEX_COLUMNS,
    "check_sample_weights_not_overwritten": LABELS_INDEX_COLUMNS,
    "check_sample_weights_pandas_series": "its labels are 1 and 2; labels must be column indices from 0",
    "check_sample_weights_shape": LABELS_INDEX_COLUMNS,
    "check_sample_weight_equivalence_on_dense_data": (
        "its data are separable, so the unpenalised optimum is at infinity and two fits stop about 1e-7 "
        "apart, above the check's rtol of 1e-7; test_sample_weight_equals_repetition covers weights"
    ),
}

NOT_PROBABILITIES = "builds X with values outside [0, 1] or rows that do not sum to 1; Dirichlet calibration takes probabilities"

DIRICHLET_EXPECTED_FAILURES = dict.fromkeys(
    [
        "check_all_zero_sample_weights_error",
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimators_dtypes",
        "check_estimators_fit_returns_self",
        "check_estimators_nan_inf",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1sample",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weights_list",
        "check_sample_weights_not_an_array",
        "check_sample_weights_not_overwritten",
        "check_sample_weights_pandas_series",
        "check_sample_weights_shape",
    ],
    NOT_PROBABILITIES,
)

BINARY = [
    ArticleSigmoidCalibrator(),
    PlattCalibrator(),
    TemperatureCalibrator(),
    IsotonicCalibrator(),
    CentredIsotonicCalibrator(),
    HistogramBinningCalibrator(),
    ScalingBinningCalibrator(),
    BetaCalibrator(),
    VennAbersCalibrator(),
]
WRAPPERS = [
    GroupedCrossValidatedCalibrator(PlattCalibrator(), n_splits=3),
    CalibratorSearchCV(HistogramBinningCalibrator(), {"n_bins": [2, 5]}, n_splits=3),
]
MULTICLASS = [MulticlassTemperatureCalibrator(), VectorScalingCalibrator(), MatrixScalingCalibrator()]


def _name(estimator):
    return type(estimator).__name__


@pytest.mark.parametrize("estimator", BINARY + WRAPPERS, ids=_name)
def test_check_estimator_binary(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(estimator, expected_failed_checks=BINARY_EXPECTED_FAILURES)


@pytest.mark.parametrize("estimator", MULTICLASS, ids=_name)
def test_check_estimator_multiclass(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(estimator, expected_failed_checks=MULTICLASS_EXPECTED_FAILURES)


def test_check_estimator_dirichlet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(DirichletCalibrator(), expected_failed_checks=DIRICHLET_EXPECTED_FAILURES)


# --- the same properties on data that calibrators accept --------------------------------


def _binary_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(int)
    return 1 / (1 + np.exp(-logits)), y


def _multiclass_data(n=150, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(n, n_classes))
    y = np.array([rng.choice(n_classes, p=row) for row in softmax(logits, axis=1)])
    return logits, y


def _fit(estimator, scores, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clone(estimator).fit(scores, y, **kwargs)


ALL = BINARY + MULTICLASS + [DirichletCalibrator()]


def _data_for(estimator):
    if isinstance(estimator, DirichletCalibrator):
        logits, y = _multiclass_data()
        return softmax(logits, axis=1), y
    if isinstance(estimator, MulticlassCalibrator):
        return _multiclass_data()
    return _binary_data()


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_fit_idempotent(estimator):
    scores, y = _data_for(estimator)
    first = _fit(estimator, scores, y)
    second = _fit(first, scores, y)
    np.testing.assert_array_equal(first.predict_proba(scores), second.predict_proba(scores))


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_params_not_overwritten(estimator):
    scores, y = _data_for(estimator)
    before = clone(estimator).get_params()
    fitted = _fit(estimator, scores, y)
    assert fitted.get_params() == before


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_predict_leaves_state_unchanged(estimator):
    scores, y = _data_for(estimator)
    fitted = _fit(estimator, scores, y)
    before = pickle.dumps(fitted.__dict__)
    fitted.predict_proba(scores)
    assert pickle.dumps(fitted.__dict__) == before


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_pickle_round_trip(estimator):
    scores, y = _data_for(estimator)
    fitted = _fit(estimator, scores, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(scores), fitted.predict_proba(scores))


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_subset_invariance(estimator):
    scores, y = _data_for(estimator)
    fitted = _fit(estimator, scores, y)
    full = fitted.predict_proba(scores)
    np.testing.assert_allclose(fitted.predict_proba(scores[:7]), full[:7], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_sample_order_invariance(estimator):
    scores, y = _data_for(estimator)
    fitted = _fit(estimator, scores, y)
    order = np.random.default_rng(1).permutation(len(y))
    np.testing.assert_allclose(fitted.predict_proba(scores[order]), fitted.predict_proba(scores)[order], rtol=1e-12)


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_readonly_input(estimator):
    scores, y = _data_for(estimator)
    scores = np.array(scores)
    scores.setflags(write=False)
    fitted = _fit(estimator, scores, y)
    assert np.isfinite(fitted.predict_proba(scores)).all()


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_float32_input(estimator):
    scores, y = _data_for(estimator)
    fitted = _fit(estimator, scores.astype(np.float32), y)
    assert np.isfinite(fitted.predict_proba(scores.astype(np.float32))).all()


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_n_features_in(estimator):
    scores, y = _data_for(estimator)
    fitted = _fit(estimator, scores, y)
    expected = 1 if np.ndim(scores) == 1 else scores.shape[1]
    assert fitted.n_features_in_ == expected


@pytest.mark.parametrize(
    "estimator",
    [PlattCalibrator(), TemperatureCalibrator(), IsotonicCalibrator(), HistogramBinningCalibrator(n_bins=4),
     BetaCalibrator(), ArticleSigmoidCalibrator(), VennAbersCalibrator(), MatrixScalingCalibrator()],
    ids=_name,
)
def test_sample_weight_equals_repetition(estimator):
    scores, y = _data_for(estimator)
    weights = np.random.default_rng(2).integers(1, 4, size=len(y))
    weighted = _fit(estimator, scores, y, sample_weight=weights)
    repeated = _fit(estimator, np.repeat(scores, weights, axis=0), np.repeat(y, weights))
    np.testing.assert_allclose(weighted.predict_proba(scores), repeated.predict_proba(scores), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_clone_is_unfitted(estimator):
    scores, y = _data_for(estimator)
    fitted = _fit(estimator, scores, y)
    fresh = clone(fitted)
    assert not [name for name in vars(fresh) if name.endswith("_") and not name.startswith("_")]


@pytest.mark.parametrize("estimator", ALL, ids=_name)
def test_set_params_round_trip(estimator):
    params = estimator.get_params()
    assert clone(estimator).set_params(**params).get_params() == params
