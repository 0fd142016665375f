"""Versioned JSON export and import of fitted calibrators (no pickle).

A document has six keys::

    {"format": "casestudy.calibrator", "schema_version": 1, "class": "PlattCalibrator",
     "params": {...}, "fitted": {...}, "sha256": "..."}

``params`` contains the constructor arguments (``get_params(deep=False)``) and ``fitted``
the learned attributes that ``predict_proba`` needs. Arrays are stored as
``{"__ndarray__": {"dtype": "float64", "shape": [...], "data": [...]}}`` and nested
calibrators (inside the cross-validation wrappers) as ``{"__estimator__": {...}}`` with the
same ``class``/``params``/``fitted`` layout, or ``{"__unfitted_estimator__": {...}}``
without ``fitted`` for the unfitted template in a wrapper's ``estimator`` parameter. Python writes each float with the shortest
repr that reads back to the same double, so predictions after a round trip are
bit-identical.

``sha256`` is the SHA-256 of the canonical JSON (sorted keys, no spaces) of the other five
keys. It detects edits and corruption; it is not a signature, so it does not stop someone
who recomputes it. On import every key, class, parameter name, attribute name, type and
shape is checked as well, and each class checks its own invariants (increasing
thresholds, a positive temperature, probabilities in [0, 1]).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

logger = logging.getLogger(__name__)

FORMAT_NAME = "casestudy.calibrator"
SCHEMA_VERSION = 1
_TOP_LEVEL_KEYS = {"format", "schema_version", "class", "params", "fitted", "sha256"}
_ALLOWED_DTYPES = {"float64", "int64"}


def _registry() -> dict[str, type]:
    # Imported here because casestudy.calibration imports this module.
    import casestudy.calibration as calibration

    names = (
        "ArticleSigmoidCalibrator",
        "BetaCalibrator",
        "CalibratorSearchCV",
        "CentredIsotonicCalibrator",
        "DirichletCalibrator",
        "GroupedCrossValidatedCalibrator",
        "HistogramBinningCalibrator",
        "IsotonicCalibrator",
        "MatrixScalingCalibrator",
        "MulticlassTemperatureCalibrator",
        "PlattCalibrator",
        "ScalingBinningCalibrator",
        "TemperatureCalibrator",
        "VectorScalingCalibrator",
        "VennAbersCalibrator",
    )
    return {name: getattr(calibration, name) for name in names}


# --- export ---------------------------------------------------------------------------


def _encode(value, where: str, *, fitted: bool = True):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not np.isfinite(number):
            raise ValueError(f"{where} is {number!r}; only finite numbers can be exported")
        return number
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            array = value.astype(np.float64)
            if not np.isfinite(array).all():
                raise ValueError(f"{where} contains NaN or infinite values; only finite arrays can be exported")
            dtype = "float64"
        elif value.dtype.kind in "iu":
            array, dtype = value.astype(np.int64), "int64"
        else:
            raise ValueError(f"{where} has dtype {value.dtype}; only float and integer arrays can be exported")
        return {"__ndarray__": {"dtype": dtype, "shape": list(array.shape), "data": array.ravel().tolist()}}
    if isinstance(value, (list, tuple)):
        return [_encode(item, f"{where}[{i}]", fitted=fitted) for i, item in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError(f"{where} has non-string keys; only string keys can be exported")
        return {key: _encode(item, f"{where}.{key}", fitted=fitted) for key, item in value.items()}
    if isinstance(value, BaseEstimator):
        if fitted:
            return {"__estimator__": _describe(value, where)}
        return {"__unfitted_estimator__": _describe(value, where, fitted=False)}
    raise ValueError(f"{where} has type {type(value).__name__}, which cannot be exported to JSON")


def _describe(calibrator, where: str, *, fitted: bool = True) -> dict:
    name = type(calibrator).__name__
    if name not in _registry():
        raise ValueError(f"{where}: class {name} is not a calibrator of this package and cannot be exported")
    params = {
        key: _encode(value, f"{where}.params.{key}", fitted=False)
        for key, value in calibrator.get_params(deep=False).items()
    }
    if not fitted:
        return {"class": name, "params": params}
    fitted = {}
    for attribute in _exported_attributes(type(calibrator)):
        if not hasattr(calibrator, attribute):
            raise ValueError(f"{where}: {name} is not fitted (missing {attribute}); call fit before exporting")
        fitted[attribute] = _encode(getattr(calibrator, attribute), f"{where}.fitted.{attribute}")
    return {"class": name, "params": params, "fitted": fitted}


def _exported_attributes(cls) -> tuple[str, ...]:
    return tuple(cls._fitted_attributes) + ("n_features_in_",)


def _checksum(document: dict) -> str:
    body = {key: value for key, value in document.items() if key != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def to_json(calibrator, *, indent: int | None = None) -> str:
    """Export a fitted calibrator to a versioned JSON string.

    Parameters
    ----------
    calibrator : calibrator
        Any fitted calibrator of :mod:`casestudy.calibration`, including the
        cross-validation wrappers.
    indent : int or None, default=None
        Indentation passed to :func:`json.dumps`; None writes one line.

    Returns
    -------
    str
        The JSON document described in this module's docstring.

    Examples
    --------
    >>> from casestudy.calibration import PlattCalibrator
    >>> calibrator = PlattCalibrator().fit([-1.0, 0.5, 1.0, -0.5], [0, 0, 1, 1])
    >>> restored = from_json(to_json(calibrator))
    >>> bool((restored.predict_proba([0.3]) == calibrator.predict_proba([0.3])).all())
    True
    """
    document = {"format": FORMAT_NAME, "schema_version": SCHEMA_VERSION}
    document.update(_describe(calibrator, "calibrator"))
    document["sha256"] = _checksum(document)
    return json.dumps(document, indent=indent, allow_nan=False)


def save_json(calibrator, path) -> Path:
    """Write :func:`to_json` of a fitted calibrator to ``path`` (UTF-8) and return the path.

    Parameters
    ----------
    calibrator : calibrator
        A fitted calibrator.
    path : str or os.PathLike
        Destination file.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.write_text(to_json(calibrator, indent=1), encoding="utf-8")
    logger.info("saved %s to %s", type(calibrator).__name__, path)
    return path


# --- import ---------------------------------------------------------------------------


def _decode(value, where: str):
    if isinstance(value, list):
        return [_decode(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        if set(value) == {"__ndarray__"}:
            return _decode_array(value["__ndarray__"], where)
        if set(value) == {"__estimator__"}:
            return _build(value["__estimator__"], where)
        if set(value) == {"__unfitted_estimator__"}:
            return _build(value["__unfitted_estimator__"], where, fitted=False)
        return {key: _decode(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, float) and not np.isfinite(value):
        raise ValueError(f"{where} is {value!r}; only finite numbers are accepted")
    return value


def _decode_array(spec, where: str) -> np.ndarray:
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data"}:
        raise ValueError(f"{where}: an array needs exactly the keys dtype, shape and data")
    if spec["dtype"] not in _ALLOWED_DTYPES:
        raise ValueError(f"{where}: array dtype {spec['dtype']!r} is not one of {sorted(_ALLOWED_DTYPES)}")
    shape = spec["shape"]
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError(f"{where}: array shape must be a list of non-negative integers; got {shape!r}")
    data = spec["data"]
    if not isinstance(data, list) or not all(
        isinstance(item, (int, float)) and not isinstance(item, bool) for item in data
    ):
        raise ValueError(f"{where}: array data must be a flat list of numbers")
    if len(data) != int(np.prod(shape)):
        raise ValueError(f"{where}: array data has {len(data)} values but shape {shape} needs {int(np.prod(shape))}")
    array = np.array(data, dtype=spec["dtype"]).reshape(shape)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{where}: array contains NaN or infinite values")
    return array


def _build(description, where: str, *, fitted: bool = True):
    expected_keys = {"class", "params", "fitted"} if fitted else {"class", "params"}
    if not isinstance(description, dict) or set(description) != expected_keys:
        raise ValueError(f"{where}: a calibrator needs exactly the keys {sorted(expected_keys)}")
    name = description["class"]
    registry = _registry()
    if name not in registry:
        raise ValueError(f"{where}: unknown calibrator class {name!r}; known classes are {sorted(registry)}")
    cls = registry[name]

    params = description["params"]
    if not isinstance(params, dict):
        raise ValueError(f"{where}: params must be a JSON object")
    expected_params = set(cls._get_param_names())
    if set(params) != expected_params:
        raise ValueError(
            f"{where}: {name} takes the parameters {sorted(expected_params)}; the document has {sorted(params)}"
        )
    calibrator = cls(**{key: _decode(value, f"{where}.params.{key}") for key, value in params.items()})
    if not fitted:
        return calibrator

    fitted = description["fitted"]
    expected_fitted = set(_exported_attributes(cls))
    if not isinstance(fitted, dict) or set(fitted) != expected_fitted:
        found = sorted(fitted) if isinstance(fitted, dict) else type(fitted).__name__
        raise ValueError(f"{where}: {name} needs the fitted attributes {sorted(expected_fitted)}; got {found}")
    for attribute, value in fitted.items():
        setattr(calibrator, attribute, _decode(value, f"{where}.fitted.{attribute}"))

    try:
        _check_state(calibrator)
    except (TypeError, ValueError, IndexError) as error:
        raise ValueError(f"{where}: invalid fitted state for {name}: {error}") from error
    return calibrator


def from_json(text: str):
    """Import a calibrator exported by :func:`to_json`.

    Parameters
    ----------
    text : str
        The JSON document.

    Returns
    -------
    calibrator
        A fitted calibrator whose ``predict_proba`` gives bit-identical results to the
        exported one. The wrappers' ``oof_proba_`` and ``cv_results_`` are not exported.

    Raises
    ------
    ValueError
        If the text is not JSON, the format or schema version is unknown, the checksum does
        not match, or any key, class, parameter, attribute, type or shape is invalid.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"the calibrator document is not valid JSON: {error}") from error
    if not isinstance(document, dict) or set(document) != _TOP_LEVEL_KEYS:
        found = sorted(document) if isinstance(document, dict) else type(document).__name__
        raise ValueError(f"the calibrator document needs exactly the keys {sorted(_TOP_LEVEL_KEYS)}; got {found}")
    if document["format"] != FORMAT_NAME:
        raise ValueError(f"format must be {FORMAT_NAME!r}; got {document['format']!r}")
    if document["schema_version"] != SCHEMA_VERSION or isinstance(document["schema_version"], bool):
        raise ValueError(
            f"unsupported schema_version {document['schema_version']!r}; this version of casestudy reads "
            f"schema_version {SCHEMA_VERSION} only"
        )
    if document["sha256"] != _checksum(document):
        raise ValueError(
            "the sha256 checksum does not match the document's content; it was edited or corrupted after export"
        )
    body = {key: document[key] for key in ("class", "params", "fitted")}
    return _build(body, "calibrator")


def load_json(path):
    """Read a calibrator written by :func:`save_json`.

    Parameters
    ----------
    path : str or os.PathLike
        Source file.

    Returns
    -------
    calibrator
    """
    return from_json(Path(path).read_text(encoding="utf-8"))


# --- invariants of the fitted state ------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _as_float(value, name):
    _require(isinstance(value, (int, float)) and not isinstance(value, bool), f"{name} must be a number")
    return float(value)


def _as_vector(value, name, *, length=None):
    _require(isinstance(value, np.ndarray) and value.ndim == 1, f"{name} must be a 1-D array")
    if length is not None:
        _require(value.size == length, f"{name} must have {length} values; got {value.size}")
    return value


def _check_probabilities(values, name):
    _require(bool(np.all((values >= 0) & (values <= 1))), f"{name} must lie in [0, 1]")


def _check_increasing(values, name, *, strict):
    steps = np.diff(values)
    _require(bool(np.all(steps > 0) if strict else np.all(steps >= 0)), f"{name} must be increasing")


def _check_state(calibrator) -> None:
    """Check the invariants that ``predict_proba`` relies on, per class."""
    name = type(calibrator).__name__
    n_features = calibrator.n_features_in_
    _require(isinstance(n_features, int) and n_features >= 1, "n_features_in_ must be a positive integer")

    if name == "ArticleSigmoidCalibrator":
        alpha = _as_float(calibrator.alpha_, "alpha_")
        beta = _as_float(calibrator.beta_, "beta_")
        _as_float(calibrator.loss_, "loss_")
        _require(-np.exp(min(alpha, 0.0)) < beta < 1.0, "beta_ must lie in (-exp(min(alpha_, 0)), 1)")
    elif name == "PlattCalibrator":
        _as_float(calibrator.coef_, "coef_")
        _as_float(calibrator.intercept_, "intercept_")
    elif name == "TemperatureCalibrator":
        _require(_as_float(calibrator.temperature_, "temperature_") > 0, "temperature_ must be positive")
    elif name == "IsotonicCalibrator":
        x = _as_vector(calibrator.X_thresholds_, "X_thresholds_")
        y = _as_vector(calibrator.y_thresholds_, "y_thresholds_", length=x.size)
        _require(x.size >= 1, "X_thresholds_ must not be empty")
        _check_increasing(x, "X_thresholds_", strict=True)
        _check_increasing(y, "y_thresholds_", strict=False)
        _check_probabilities(y, "y_thresholds_")
    elif name == "CentredIsotonicCalibrator":
        x = _as_vector(calibrator.knots_x_, "knots_x_")
        y = _as_vector(calibrator.knots_y_, "knots_y_", length=x.size)
        _require(x.size >= 1, "knots_x_ must not be empty")
        _check_increasing(x, "knots_x_", strict=True)
        _check_increasing(y, "knots_y_", strict=True)
        _check_probabilities(y, "knots_y_")
        _as_float(calibrator.tie_break_center_, "tie_break_center_")
        _require(_as_float(calibrator.tie_break_scale_, "tie_break_scale_") > 0, "tie_break_scale_ must be positive")
    elif name in ("HistogramBinningCalibrator", "ScalingBinningCalibrator"):
        edges = _as_vector(calibrator.bin_edges_, "bin_edges_")
        values = _as_vector(calibrator.bin_values_, "bin_values_", length=edges.size + 1)
        _check_increasing(edges, "bin_edges_", strict=True)
        _check_probabilities(values, "bin_values_")
        if name == "ScalingBinningCalibrator":
            _require(type(calibrator.scaler_).__name__ == "PlattCalibrator", "scaler_ must be a PlattCalibrator")
    elif name == "BetaCalibrator":
        _require(_as_float(calibrator.a_, "a_") >= 0, "a_ must be non-negative")
        _require(_as_float(calibrator.b_, "b_") >= 0, "b_ must be non-negative")
        _as_float(calibrator.c_, "c_")
    elif name == "VennAbersCalibrator":
        unique = _as_vector(calibrator.unique_scores_, "unique_scores_")
        _require(unique.size >= 1, "unique_scores_ must not be empty")
        _check_increasing(unique, "unique_scores_", strict=True)
        for attribute, length in (("gap_p0_", unique.size + 1), ("gap_p1_", unique.size + 1),
                                  ("tie_p0_", unique.size), ("tie_p1_", unique.size)):
            _check_probabilities(_as_vector(getattr(calibrator, attribute), attribute, length=length), attribute)
    elif name == "MulticlassTemperatureCalibrator":
        _require(calibrator.n_classes_ == n_features and n_features >= 2, "n_classes_ must equal n_features_in_")
        _require(_as_float(calibrator.temperature_, "temperature_") > 0, "temperature_ must be positive")
    elif name in ("VectorScalingCalibrator", "MatrixScalingCalibrator", "DirichletCalibrator"):
        n_classes = calibrator.n_classes_
        _require(n_classes == n_features and n_classes >= 2, "n_classes_ must equal n_features_in_")
        coef = calibrator.coef_
        _require(isinstance(coef, np.ndarray) and coef.shape == (n_classes, n_classes), "coef_ must be square")
        _as_vector(calibrator.intercept_, "intercept_", length=n_classes)
        if name == "VectorScalingCalibrator":
            _require(bool(np.all(coef == np.diag(np.diag(coef)))), "coef_ must be diagonal for vector scaling")
    elif name == "GroupedCrossValidatedCalibrator":
        members = calibrator.calibrators_
        _require(isinstance(members, list) and len(members) == calibrator.n_splits, "calibrators_ must have n_splits entries")
        _require(all(type(member) is type(calibrator.estimator) for member in members),
                 "calibrators_ must match the class of estimator")
        _as_float(calibrator.cv_log_loss_, "cv_log_loss_")
        final = calibrator.final_calibrator_
        _require((final is None) == bool(calibrator.ensemble), "final_calibrator_ must be set exactly when ensemble=False")
    elif name == "CalibratorSearchCV":
        _require(type(calibrator.best_estimator_) is type(calibrator.estimator),
                 "best_estimator_ must match the class of estimator")
        _require(isinstance(calibrator.best_params_, dict), "best_params_ must be an object")
        _as_float(calibrator.best_score_, "best_score_")
