"""Tests of the versioned JSON export and import of calibrators."""

import hashlib
import inspect
import json
import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax

import casestudy.calibration.serialization as serialization
from casestudy.calibration import (
    SCHEMA_VERSION,
    ArticleSigmoidCalibrator,
    BetaCalibrator,
    CalibratorSearchCV,
    CentredIsotonicCalibrator,
    DirichletCalibrator,
    GroupedCrossValidatedCalibrator,
    HistogramBinningCalibrator,
    IsotonicCalibrator,
    MatrixScalingCalibrator,
    MulticlassTemperatureCalibrator,
    PlattCalibrator,
    ScalingBinningCalibrator,
    TemperatureCalibrator,
    VectorScalingCalibrator,
    VennAbersCalibrator,
    from_json,
    load_json,
    save_json,
    to_json,
)

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(scale=2.0, size=400)
LABELS = (RNG.random(400) < expit(0.8 * LOGITS)).astype(int)
QUERY_ID = np.repeat(np.arange(80), 5)
MULTI_LOGITS = RNG.normal(scale=2.0, size=(300, 3))
MULTI_LABELS = np.array([RNG.choice(3, p=row) for row in softmax(0.7 * MULTI_LOGITS, axis=1)])
PROBE = np.r_[np.linspace(-9, 9, 997), LOGITS[:50]]


def _fitted_cases():
    probabilities = expit(LOGITS)
    cases = [
        (ArticleSigmoidCalibrator(), probabilities, LABELS, expit(PROBE)),
        (PlattCalibrator(smooth_targets=True), LOGITS, LABELS, PROBE),
        (TemperatureCalibrator(), LOGITS, LABELS, PROBE),
        (IsotonicCalibrator(), LOGITS, LABELS, PROBE),
        (CentredIsotonicCalibrator(), LOGITS, LABELS, PROBE),
        (HistogramBinningCalibrator(n_bins=9), LOGITS, LABELS, PROBE),
        (ScalingBinningCalibrator(n_bins=6), LOGITS, LABELS, PROBE),
        (BetaCalibrator(), probabilities, LABELS, expit(PROBE)),
        (VennAbersCalibrator(), LOGITS, LABELS, PROBE),
        (MulticlassTemperatureCalibrator(), MULTI_LOGITS, MULTI_LABELS, MULTI_LOGITS),
        (VectorScalingCalibrator(), MULTI_LOGITS, MULTI_LABELS, MULTI_LOGITS),
        (MatrixScalingCalibrator(reg_lambda=0.1), MULTI_LOGITS, MULTI_LABELS, MULTI_LOGITS),
        (DirichletCalibrator(), softmax(MULTI_LOGITS, axis=1), MULTI_LABELS, softmax(MULTI_LOGITS, axis=1)),
    ]
    fitted = []
    for calibrator, scores, y, probe in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted.append((calibrator.fit(scores, y), probe))
    fitted.append((GroupedCrossValidatedCalibrator(IsotonicCalibrator(), n_splits=4).fit(LOGITS, LABELS, groups=QUERY_ID), PROBE))
    fitted.append((GroupedCrossValidatedCalibrator(PlattCalibrator(), ensemble=False).fit(LOGITS, LABELS, groups=QUERY_ID), PROBE))
    search = CalibratorSearchCV(HistogramBinningCalibrator(), {"n_bins": [3, 6]}, n_splits=4)
    fitted.append((search.fit(LOGITS, LABELS, groups=QUERY_ID), PROBE))
    return fitted


CASES = _fitted_cases()


@pytest.mark.parametrize("calibrator, probe", CASES, ids=[type(c).__name__ for c, _ in CASES])
def test_round_trip_bit_identical(calibrator, probe):
    restored = from_json(to_json(calibrator))
    np.testing.assert_array_equal(restored.predict_proba(probe), calibrator.predict_proba(probe))


@pytest.mark.parametrize("calibrator, probe", CASES, ids=[type(c).__name__ for c, _ in CASES])
def test_round_trip_same_params(calibrator, probe):
    restored = from_json(to_json(calibrator))
    assert repr(restored) == repr(calibrator)


def test_round_trip_file(tmp_path):
    calibrator, probe = CASES[3]
    path = save_json(calibrator, tmp_path / "isotonic.json")
    np.testing.assert_array_equal(load_json(path).predict_proba(probe), calibrator.predict_proba(probe))


def test_document_layout():
    document = json.loads(to_json(PlattCalibrator().fit(LOGITS, LABELS)))
    assert sorted(document) == ["class", "fitted", "format", "params", "schema_version", "sha256"]
    assert document["schema_version"] == SCHEMA_VERSION


def test_checksum_is_sha256_of_canonical_body():
    document = json.loads(to_json(PlattCalibrator().fit(LOGITS, LABELS)))
    body = {key: value for key, value in document.items() if key != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    assert document["sha256"] == hashlib.sha256(canonical.encode()).hexdigest()


def test_module_does_not_use_pickle():
    source = inspect.getsource(serialization)
    assert "import pickle" not in source
    assert "pickle." not in source


# --- rejected documents -----------------------------------------------------------------


def _document(calibrator=None):
    calibrator = calibrator or TemperatureCalibrator().fit(LOGITS, LABELS)
    return json.loads(to_json(calibrator))


def _reseal(document):
    body = {key: value for key, value in document.items() if key != "sha256"}
    document["sha256"] = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return json.dumps(document)


def test_unknown_schema_version():
    document = _document()
    document["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(ValueError, match=f"unsupported schema_version {SCHEMA_VERSION + 1}"):
        from_json(_reseal(document))


def test_wrong_format_name():
    document = _document()
    document["format"] = "something.else"
    with pytest.raises(ValueError, match="format must be 'casestudy.calibrator'"):
        from_json(_reseal(document))


def test_tampered_value_fails_checksum():
    document = _document()
    document["fitted"]["temperature_"] *= 1.01
    with pytest.raises(ValueError, match="sha256 checksum does not match"):
        from_json(json.dumps(document))


def test_resealed_negative_temperature():
    document = _document()
    document["fitted"]["temperature_"] = -1.0
    with pytest.raises(ValueError, match="temperature_ must be positive"):
        from_json(_reseal(document))


def test_resealed_unsorted_thresholds():
    document = _document(IsotonicCalibrator().fit(LOGITS, LABELS))
    data = document["fitted"]["X_thresholds_"]["__ndarray__"]["data"]
    data[0], data[1] = data[1], data[0]
    with pytest.raises(ValueError, match="X_thresholds_ must be increasing"):
        from_json(_reseal(document))


def test_resealed_wrong_shape():
    document = _document(IsotonicCalibrator().fit(LOGITS, LABELS))
    document["fitted"]["y_thresholds_"]["__ndarray__"]["shape"] = [1]
    with pytest.raises(ValueError, match="array data has .* values but shape"):
        from_json(_reseal(document))


def test_resealed_unknown_class():
    document = _document()
    document["class"] = "os.system"
    with pytest.raises(ValueError, match="unknown calibrator class 'os.system'"):
        from_json(_reseal(document))


def test_resealed_extra_parameter():
    document = _document()
    document["params"]["extra"] = 1
    with pytest.raises(ValueError, match="takes the parameters"):
        from_json(_reseal(document))


def test_resealed_missing_attribute():
    document = _document()
    del document["fitted"]["temperature_"]
    with pytest.raises(ValueError, match="needs the fitted attributes"):
        from_json(_reseal(document))


def test_resealed_bad_dtype():
    document = _document(IsotonicCalibrator().fit(LOGITS, LABELS))
    document["fitted"]["X_thresholds_"]["__ndarray__"]["dtype"] = "object"
    with pytest.raises(ValueError, match="array dtype 'object' is not one of"):
        from_json(_reseal(document))


def test_resealed_string_in_array():
    document = _document(IsotonicCalibrator().fit(LOGITS, LABELS))
    document["fitted"]["X_thresholds_"]["__ndarray__"]["data"][0] = "0.1"
    with pytest.raises(ValueError, match="array data must be a flat list of numbers"):
        from_json(_reseal(document))


def test_nan_literal_rejected():
    text = to_json(TemperatureCalibrator().fit(LOGITS, LABELS))
    document = json.loads(text)
    value = repr(document["fitted"]["temperature_"])
    with pytest.raises(ValueError):
        from_json(text.replace(value, "NaN"))


def test_missing_top_level_key():
    document = _document()
    del document["sha256"]
    with pytest.raises(ValueError, match="needs exactly the keys"):
        from_json(json.dumps(document))


def test_not_json():
    with pytest.raises(ValueError, match="not valid JSON"):
        from_json("{not json")


def test_export_unfitted():
    with pytest.raises(ValueError, match="PlattCalibrator is not fitted"):
        to_json(PlattCalibrator())
