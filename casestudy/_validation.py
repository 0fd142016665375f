"""Input checks shared by the metrics, calibrators and ranking code.

Every check raises ``ValueError`` with the name of the argument, the offending value
(or a few of them) and what is accepted, so that a wrong input never turns into a silent
wrong number further down.
"""

from __future__ import annotations

import numpy as np

_MAX_SHOWN = 5


def _show(values: np.ndarray) -> str:
    """Format up to a few offending values for an error message."""
    values = np.asarray(values).ravel()
    shown = ", ".join(repr(v.item()) for v in values[:_MAX_SHOWN])
    if values.size > _MAX_SHOWN:
        shown += f", ... ({values.size} in all)"
    return f"[{shown}]"


def check_1d_array(values, name: str, *, dtype=float, allow_empty: bool = False) -> np.ndarray:
    """Convert ``values`` to a 1-D array and reject empty, non-numeric or non-finite input.

    Parameters
    ----------
    values : array-like of shape (n,)
        The input to check.
    name : str
        Argument name used in error messages.
    dtype : numpy dtype, default=float
        Target dtype.
    allow_empty : bool, default=False
        Accept an array of length 0.

    Returns
    -------
    ndarray of shape (n,)
    """
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric; got {values!r:.80}") from error
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional; got shape {array.shape}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty; at least one value is required")
    if np.issubdtype(array.dtype, np.floating):
        bad = ~np.isfinite(array)
        if bad.any():
            raise ValueError(
                f"{name} contains NaN or infinite values {_show(array[bad])} "
                f"at positions {_show(np.flatnonzero(bad))}; all values must be finite"
            )
    return array


def check_probabilities(y_prob, name: str = "y_prob") -> np.ndarray:
    """Check that ``y_prob`` is a finite 1-D array of probabilities in [0, 1]."""
    y_prob = check_1d_array(y_prob, name)
    outside = (y_prob < 0.0) | (y_prob > 1.0)
    if outside.any():
        raise ValueError(
            f"{name} has values outside [0, 1]: {_show(y_prob[outside])}; "
            "pass probabilities, or use a calibrator that takes logits"
        )
    return y_prob


def check_binary_labels(y_true, name: str = "y_true", *, require_both: bool = False) -> np.ndarray:
    """Check that ``y_true`` contains only the labels 0 and 1 and return it as float64.

    Booleans are accepted. ``require_both=True`` also rejects input with a single class,
    for estimators that need both classes to be identifiable.
    """
    try:
        raw = np.asarray(y_true)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of 0/1 labels") from error
    if raw.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional; got shape {raw.shape}")
    if raw.size == 0:
        raise ValueError(f"{name} is empty; at least one label is required")
    if raw.dtype == bool:
        labels = raw.astype(np.float64)
    else:
        try:
            labels = raw.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"{name} must contain only the labels 0 and 1; got values such as {_show(np.unique(raw))}"
            ) from error
    invalid = ~np.isin(labels, (0.0, 1.0))
    if invalid.any():
        raise ValueError(
            f"{name} must contain only the labels 0 and 1; got {_show(np.unique(raw[invalid]))}"
        )
    if require_both and np.unique(labels).size < 2:
        raise ValueError(
            f"{name} contains a single class ({int(labels[0])}); both 0 and 1 are required"
        )
    return labels


def check_same_length(**arrays) -> int:
    """Check that all keyword arrays have the same first dimension and return it."""
    lengths = {name: len(values) for name, values in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {length}" for name, length in lengths.items())
        raise ValueError(f"Inputs must have the same length: {described}")
    return next(iter(lengths.values()))


def check_n_bins(n_bins) -> int:
    """Check that ``n_bins`` is an integer of at least 1."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1; got {n_bins!r}")
    return int(n_bins)


def check_probability_matrix(y_prob, name: str = "y_prob", *, atol: float = 1e-6) -> np.ndarray:
    """Check a 2-D array of class probabilities whose rows sum to one."""
    try:
        matrix = np.asarray(y_prob, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a numeric 2-D array") from error
    if matrix.ndim != 2 or matrix.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n_samples, n_classes >= 2); got shape {matrix.shape}")
    if matrix.shape[0] == 0:
        raise ValueError(f"{name} is empty; at least one row is required")
    bad = ~np.isfinite(matrix)
    if bad.any():
        raise ValueError(
            f"{name} contains NaN or infinite values {_show(matrix[bad])} "
            f"in rows {_show(np.flatnonzero(bad.any(axis=1)))}; all values must be finite"
        )
    outside = (matrix < 0) | (matrix > 1)
    if outside.any():
        raise ValueError(f"{name} has values outside [0, 1]: {_show(matrix[outside])}")
    row_sums = matrix.sum(axis=1)
    off = np.abs(row_sums - 1.0) > atol
    if off.any():
        raise ValueError(
            f"{name} rows must sum to 1 (tolerance {atol}); rows {_show(np.flatnonzero(off))} "
            f"sum to {_show(row_sums[off])}"
        )
    return matrix


def check_class_labels(y_true, n_classes: int, name: str = "y_true") -> np.ndarray:
    """Check that ``y_true`` contains integer class indices in ``range(n_classes)``.

    Floats with integral values (such as 2.0) are accepted. Returns an int64 array.
    """
    try:
        raw = np.asarray(y_true)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of class indices") from error
    if raw.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional; got shape {raw.shape}")
    if raw.size == 0:
        raise ValueError(f"{name} is empty; at least one label is required")
    if raw.dtype == bool or not np.issubdtype(raw.dtype, np.number):
        raise ValueError(
            f"{name} must contain integer class indices 0 to {n_classes - 1}; "
            f"got values such as {_show(raw[:_MAX_SHOWN])}"
        )
    as_float = raw.astype(np.float64)
    invalid = ~np.isfinite(as_float) | (as_float != np.round(as_float)) | (as_float < 0) | (as_float >= n_classes)
    if invalid.any():
        raise ValueError(
            f"{name} must contain integer class indices 0 to {n_classes - 1}; "
            f"got {_show(np.unique(raw[invalid]))}"
        )
    return as_float.astype(np.int64)
