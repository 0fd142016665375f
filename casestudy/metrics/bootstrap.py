"""Bootstrap confidence intervals that resample whole queries.

The pairs of one query share the query's wording, its candidate set and its annotators, so
they are not independent: resampling single pairs understates the spread of any metric
computed over them. The functions here resample queries with replacement (every pair of a
drawn query comes along, as many times as the query is drawn) and return percentile
intervals (Efron, 1979). Without ``query_id`` every row is its own unit, which is the
ordinary pair bootstrap.

Two ways of computing the resampled values, with the same resamples for the same seed:

- **Vectorised**, for metrics that are functions of sums over rows: binned ECE (L1, L2 and
  max), the debiased calibration error, Brier score, log loss, calibration ratio, and the mean
  of per-query values such as NDCG. Each unit's sums form a sparse matrix ``S`` of shape
  (n_units, n_statistics). A resample is a vector of multinomial draw counts ``c`` with
  ``c.sum() == n_units``, and the resample's sums are ``c @ S``. Counts are drawn in chunks
  of resamples, so memory stays O(n_rows + chunk_size * n_units + n_statistics *
  n_resamples), and no (n_rows x n_resamples) matrix is ever built.
- **Loop**, for any other callable (ROC AUC, smooth ECE) and for equal-mass bins, whose
  edges depend on the resample. Each resample becomes an index array and the metric is
  called on the resampled rows, one resample in memory at a time.

Both paths draw the count matrix from ``numpy.random.default_rng(seed).multinomial`` in the
same order, so they see identical resamples, whatever the chunk size.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse
from tqdm import tqdm

from casestudy._validation import (
    check_1d_array,
    check_binary_labels,
    check_n_bins,
    check_probabilities,
    check_same_length,
)
from casestudy.metrics import calibration_error, scoring

__all__ = [
    "BootstrapResult",
    "ReliabilityBands",
    "VECTORISED_METRICS",
    "bootstrap_mean",
    "bootstrap_metric",
    "bootstrap_reliability",
    "iter_resample_counts",
]

logger = logging.getLogger(__name__)

#: Upper bound on the number of entries of one chunk of the (chunk_size, n_units) count matrix
#: when ``chunk_size`` is not given: 2**16 int64 entries are 512 KiB. On the Home Depot test
#: split (2,949 queries, 1,000 resamples, 2 CPUs) chunks of 2**16 entries ran faster than
#: chunks of 2**14 to 2**21 entries (benchmarks/bench_bootstrap.py).
DEFAULT_CHUNK_ENTRIES = 2**16

#: Names of the metrics that :func:`bootstrap_metric` computes from per-unit sums.
VECTORISED_METRICS = (
    "expected_calibration_error",
    "maximum_calibration_error",
    "debiased_calibration_error",
    "brier_score",
    "log_loss",
    "calibration_ratio",
)

_BINNED_METRICS = VECTORISED_METRICS[:3]


@dataclass(frozen=True)
class BootstrapResult:
    """A bootstrap percentile interval with the resampled values behind it.

    Attributes
    ----------
    estimate : float
        The metric on the full data (not the mean of the resamples).
    lower, upper : float
        Percentile interval: the ``(1 - confidence_level) / 2`` and ``(1 + confidence_level)
        / 2`` quantiles of the valid resampled values (``numpy.quantile``, linear method).
    resamples : ndarray of shape (n_resamples,)
        The metric on each resample, NaN where it is undefined on that resample.
    confidence_level : float
        Nominal coverage of the interval.
    method : str
        ``"vectorised"`` or ``"loop"``: how the resampled values were computed.
    unit : str
        ``"query"`` when whole queries were resampled, ``"pair"`` when single rows were.
    n_units : int
        Number of queries (or rows) that each resample draws.
    n_resamples : int
        Number of resamples drawn.
    n_invalid : int
        Resamples on which the metric is undefined (NaN), left out of the interval.
    seed : int
        Seed of ``numpy.random.default_rng`` that drew the resamples.
    """

    estimate: float
    lower: float
    upper: float
    resamples: np.ndarray
    confidence_level: float
    method: str
    unit: str
    n_units: int
    n_resamples: int
    n_invalid: int
    seed: int

    @property
    def half_width(self) -> float:
        """Half the interval width, ``(upper - lower) / 2``."""
        return (self.upper - self.lower) / 2


@dataclass(frozen=True)
class ReliabilityBands:
    """Bootstrap intervals of the observed positive rate in each calibration bin.

    Attributes
    ----------
    bin_edges : ndarray of shape (n_bins + 1,)
        Edges of the bins, fixed from the full data.
    lower, upper : ndarray of shape (n_bins,)
        Percentile interval of each bin's observed rate, NaN for a bin that is empty in the
        full data.
    confidence_level : float
        Nominal coverage of each per-bin interval (not simultaneous over bins).
    unit : str
        ``"query"`` or ``"pair"``.
    n_resamples : int
        Number of resamples.
    seed : int
        Seed of the resampling.
    """

    bin_edges: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    confidence_level: float
    unit: str
    n_resamples: int
    seed: int


# --- Argument checks ----------------------------------------------------------------------


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    return int(value)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    return int(seed)


def _check_confidence_level(confidence_level) -> float:
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, (int, float, np.floating)):
        raise ValueError(f"confidence_level must be a number in (0, 1); got {confidence_level!r}")
    if not 0.0 < confidence_level < 1.0:
        raise ValueError(f"confidence_level must be in (0, 1), for example 0.95; got {confidence_level!r}")
    return float(confidence_level)


def _encode_units(query_id, n_rows: int) -> tuple[np.ndarray, int, str]:
    """Return the unit code of each row, the number of units and the unit name."""
    if query_id is None:
        return np.arange(n_rows), n_rows, "pair"

    labels = query_id.to_numpy() if hasattr(query_id, "to_numpy") else np.asarray(query_id)
    if labels.ndim != 1:
        raise ValueError(f"query_id must be 1-dimensional; got shape {labels.shape}")
    if len(labels) != n_rows:
        raise ValueError(
            f"query_id has {len(labels)} entries but the other inputs have {n_rows}; "
            "pass one query id per row"
        )
    missing = pd.isna(labels)
    if missing.any():
        raise ValueError(
            f"query_id contains missing values (None or NaN) at positions "
            f"{np.flatnonzero(missing)[:5].tolist()}; every row needs a query id"
        )
    codes, uniques = pd.factorize(labels)
    return codes, len(uniques), "query"


# --- Resampling ---------------------------------------------------------------------------


def _default_chunk_size(n_units: int, n_resamples: int) -> int:
    return max(1, min(n_resamples, DEFAULT_CHUNK_ENTRIES // n_units))


def iter_resample_counts(
    n_units: int, n_resamples: int, *, seed: int = 0, chunk_size: int | None = None
) -> Iterator[np.ndarray]:
    """Yield bootstrap draw counts in chunks of resamples.

    Row ``r`` of a chunk contains how many times each unit is drawn in resample ``r``: a
    multinomial draw of ``n_units`` trials over ``n_units`` equally likely units, which is
    the same distribution as drawing ``n_units`` units uniformly with replacement.

    Parameters
    ----------
    n_units : int
        Number of units (queries, or rows for a pair bootstrap).
    n_resamples : int
        Total number of resamples over all chunks.
    seed : int, default=0
        Seed of ``numpy.random.default_rng``.
    chunk_size : int or None, default=None
        Resamples per chunk. ``None`` keeps a chunk under ``DEFAULT_CHUNK_ENTRIES``
        entries. The counts do not depend on it, because numpy draws the multinomial rows
        one after another from the same stream.

    Yields
    ------
    ndarray of shape (chunk, n_units)
        int64 counts; each row sums to ``n_units``. The last chunk can be shorter.

    Examples
    --------
    >>> chunks = list(iter_resample_counts(4, 3, seed=0, chunk_size=2))
    >>> [chunk.shape for chunk in chunks]
    [(2, 4), (1, 4)]
    >>> [int(row.sum()) for chunk in chunks for row in chunk]
    [4, 4, 4]
    """
    n_units = _check_positive_int(n_units, "n_units")
    n_resamples = _check_positive_int(n_resamples, "n_resamples")
    if chunk_size is None:
        chunk_size = _default_chunk_size(n_units, n_resamples)
    chunk_size = _check_positive_int(chunk_size, "chunk_size")

    rng = np.random.default_rng(_check_seed(seed))
    probabilities = np.full(n_units, 1.0 / n_units)
    for start in range(0, n_resamples, chunk_size):
        size = min(chunk_size, n_resamples - start)
        yield rng.multinomial(n_units, probabilities, size=size)


def _percentile_result(
    estimate, resamples, *, confidence_level, method, unit, n_units, seed, name
) -> BootstrapResult:
    """Package resampled values as a percentile interval, leaving NaN resamples out."""
    invalid = np.isnan(resamples)
    n_invalid = int(invalid.sum())
    if n_invalid == len(resamples):
        raise ValueError(
            f"{name} is undefined (NaN) on all {len(resamples)} resamples; "
            "check that the data has enough queries and both labels"
        )
    if n_invalid:
        logger.warning(
            "%s is undefined on %d of %d resamples; the interval uses the other %d",
            name, n_invalid, len(resamples), len(resamples) - n_invalid,
        )

    alpha = 1.0 - confidence_level
    lower, upper = np.quantile(resamples[~invalid], [alpha / 2, 1 - alpha / 2])
    resamples.setflags(write=False)
    return BootstrapResult(
        estimate=float(estimate),
        lower=float(lower),
        upper=float(upper),
        resamples=resamples,
        confidence_level=confidence_level,
        method=method,
        unit=unit,
        n_units=n_units,
        n_resamples=len(resamples),
        n_invalid=n_invalid,
        seed=seed,
    )


def _tqdm_disable(progress: bool | None) -> bool | None:
    """Map a ``progress`` argument to tqdm's ``disable`` (None disables it off a terminal)."""
    return None if progress is None else not progress


# --- Vectorised path: per-unit sums -------------------------------------------------------


def _unit_sums(codes, n_units, columns, weights, n_statistics) -> scipy.sparse.csc_array:
    """Sum ``weights`` into a sparse (n_statistics, n_units) matrix by (column, unit).

    ``columns`` and ``weights`` are lists of per-row arrays: row ``i`` adds ``weights[j][i]``
    to entry ``(columns[j][i], codes[i])`` for each ``j``. The transpose is stored because
    the resample sums are computed as ``S.T @ counts.T``.
    """
    rows = np.concatenate(columns)
    data = np.concatenate(weights)
    units = np.tile(codes, len(columns))
    # COO to CSC conversion adds up duplicate entries, which is the per-unit sum.
    return scipy.sparse.coo_array((data, (rows, units)), shape=(n_statistics, n_units)).tocsc()


def _resample_sums(sums_by_unit, n_units, n_resamples, seed, chunk_size, progress, name) -> np.ndarray:
    """Return the (n_resamples, n_statistics) sums of every resample, chunk by chunk."""
    n_statistics = sums_by_unit.shape[0]
    totals = np.empty((n_resamples, n_statistics))
    if chunk_size is None:
        chunk_size = _default_chunk_size(n_units, n_resamples)
    chunks = iter_resample_counts(n_units, n_resamples, seed=seed, chunk_size=chunk_size)
    n_chunks = -(-n_resamples // chunk_size)

    start = 0
    for counts in tqdm(chunks, total=n_chunks, desc=f"bootstrap {name}", disable=_tqdm_disable(progress)):
        # Counts are small integers, exact in float64, so this product is a plain weighted sum.
        block = sums_by_unit @ counts.T.astype(np.float64)
        totals[start : start + len(counts)] = block.T
        start += len(counts)
    return totals


def _binned_statistics(y_true, y_prob, n_bins):
    """Per-row (columns, weights) for per-bin counts, prediction sums and label sums."""
    assignment = calibration_error.bin_indices(y_prob, n_bins=n_bins, strategy="uniform")
    indices = assignment.indices
    ones = np.ones_like(y_prob)
    columns = [indices, n_bins + indices, 2 * n_bins + indices]
    return columns, [ones, y_prob, y_true], 3 * n_bins


def _binned_error_from_sums(sums: np.ndarray, n_bins: int, kind: str) -> np.ndarray:
    """Compute a binned calibration error per row of ``sums`` (counts, sum_prob, sum_true).

    ``kind`` is ``"l1"``, ``"l2"``, ``"max"`` (the norms of the binned ECE) or
    ``"debiased"``, the square root of Kumar, Liang & Ma's debiased squared error clamped
    at zero.
    """
    counts = sums[:, :n_bins]
    gap_sums = sums[:, n_bins : 2 * n_bins] - sums[:, 2 * n_bins :]
    total = counts.sum(axis=1)
    non_empty = counts > 0
    safe_counts = np.where(non_empty, counts, 1.0)

    if kind == "l1":
        return np.abs(gap_sums).sum(axis=1) / total
    if kind == "l2":
        return np.sqrt((gap_sums**2 / safe_counts).sum(axis=1) / total)
    if kind == "max":
        gaps = np.where(non_empty, np.abs(gap_sums) / safe_counts, -np.inf)
        return gaps.max(axis=1)

    # Debiased: per bin, the squared gap minus the binomial variance acc (1 - acc) / (n - 1)
    # of the observed rate. Bins with fewer than two rows contribute nothing.
    accuracy = sums[:, 2 * n_bins :] / safe_counts
    squared_gap = (gap_sums / safe_counts) ** 2
    several = counts > 1
    variance = np.where(several, accuracy * (1 - accuracy) / np.where(several, counts - 1, 1.0), 0.0)
    per_bin = np.where(several, squared_gap - variance, 0.0)
    estimate = (counts * per_bin).sum(axis=1) / total
    return np.sqrt(np.maximum(estimate, 0.0))


def _row_statistics(name, y_true, y_prob, metric_kwargs):
    """Return (columns, weights, n_statistics, from_sums) for a vectorised metric."""
    n_rows = len(y_true)
    column_zero = np.zeros(n_rows, dtype=np.int64)
    column_one = np.ones(n_rows, dtype=np.int64)
    ones = np.ones(n_rows)

    if name in _BINNED_METRICS:
        n_bins = check_n_bins(metric_kwargs.get("n_bins", 15))
        columns, weights, n_statistics = _binned_statistics(y_true, y_prob, n_bins)
        kind = {
            "expected_calibration_error": metric_kwargs.get("norm", "l1"),
            "maximum_calibration_error": "max",
            "debiased_calibration_error": "debiased",
        }[name]
        return columns, weights, n_statistics, lambda sums: _binned_error_from_sums(sums, n_bins, kind)

    if name == "brier_score":
        squared_error = (y_prob - y_true) ** 2
        return [column_zero, column_one], [squared_error, ones], 2, lambda sums: sums[:, 0] / sums[:, 1]

    if name == "log_loss":
        # Same clipping as casestudy.metrics.log_loss, so the sums add up to its value.
        prob_of_label = np.where(y_true == 1.0, y_prob, 1.0 - y_prob)
        prob_of_label = np.clip(prob_of_label, scoring.LOG_LOSS_EPS, 1.0 - scoring.LOG_LOSS_EPS)
        loss = -np.log(prob_of_label)
        return [column_zero, column_one], [loss, ones], 2, lambda sums: sums[:, 0] / sums[:, 1]

    # calibration_ratio: sum of predictions over sum of outcomes, undefined without positives.
    def ratio(sums):
        has_positive = sums[:, 1] > 0
        safe_positives = np.where(has_positive, sums[:, 1], 1.0)
        return np.where(has_positive, sums[:, 0] / safe_positives, np.nan)

    return [column_zero, column_one], [y_prob, y_true], 2, ratio


# --- Metric lookup ------------------------------------------------------------------------


def _as_float(result) -> float:
    """Return a metric result as a float, reading ``.value`` from result objects."""
    # debiased_calibration_error and smooth_ece return small dataclasses with a ``value``.
    return float(getattr(result, "value", result))


def _metric_function(name: str) -> Callable[..., float]:
    """Return the casestudy.metrics function called ``name``."""
    for module in (calibration_error, scoring):
        function = getattr(module, name, None)
        if function is not None:
            return function
    raise ValueError(
        f"metric {name!r} is not available in casestudy.metrics; "
        f"pass one of {VECTORISED_METRICS} or a callable metric(y_true, y_prob)"
    )


def _resolve_metric(metric) -> tuple[str | None, Callable[..., float]]:
    """Return (vectorised metric name or None, function to call on full data and resamples)."""
    if isinstance(metric, str):
        if metric not in VECTORISED_METRICS:
            raise ValueError(
                f"metric must be one of {VECTORISED_METRICS} or a callable metric(y_true, y_prob); "
                f"got {metric!r}"
            )
        return metric, _metric_function(metric)
    if not callable(metric):
        raise ValueError(f"metric must be a metric name or a callable metric(y_true, y_prob); got {metric!r}")

    # A casestudy function passed by object takes the vectorised path as well.
    name = getattr(metric, "__name__", None)
    if name in VECTORISED_METRICS and getattr(metric, "__module__", "").startswith("casestudy.metrics"):
        return name, metric
    return None, metric


# --- Public functions ---------------------------------------------------------------------


def bootstrap_metric(
    metric,
    y_true,
    y_prob,
    *,
    query_id=None,
    n_resamples: int = 1000,
    confidence_level: float = 0.95,
    seed: int = 0,
    method: str = "auto",
    chunk_size: int | None = None,
    progress: bool | None = None,
    **metric_kwargs,
) -> BootstrapResult:
    """Compute a bootstrap percentile interval for a binary metric, resampling whole queries.

    Parameters
    ----------
    metric : str or callable
        One of ``VECTORISED_METRICS`` (``"expected_calibration_error"``,
        ``"maximum_calibration_error"``, ``"debiased_calibration_error"``,
        ``"brier_score"``, ``"log_loss"``, ``"calibration_ratio"``), the same function from
        ``casestudy.metrics``, or any callable ``metric(y_true, y_prob, **metric_kwargs)``
        (ROC AUC, smooth ECE). The callable returns a float or an object with a float
        ``value`` attribute, as ``debiased_calibration_error`` and ``smooth_ece`` do. For
        the debiased error, ``value`` is the reported L2 value.
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of label 1 in [0, 1]. A callable metric that takes other
        scores (logits for ROC AUC) gets them unchanged, so only finiteness is checked then.
    query_id : array-like of shape (n_samples,) or None, default=None
        Query of each row. Given, whole queries are resampled; ``None`` resamples rows.
    n_resamples : int, default=1000
        Number of bootstrap resamples.
    confidence_level : float, default=0.95
        Nominal coverage of the percentile interval, in (0, 1).
    seed : int, default=0
        Seed of ``numpy.random.default_rng`` that draws the resamples.
    method : {"auto", "vectorised", "loop"}, default="auto"
        ``"auto"`` takes the vectorised path when the metric allows it (a name in
        ``VECTORISED_METRICS`` with equal-width bins) and the loop otherwise.
    chunk_size : int or None, default=None
        Resamples per chunk of draw counts; see :func:`iter_resample_counts`.
    progress : bool or None, default=None
        Show a tqdm progress bar. ``None`` shows it only on a terminal.
    **metric_kwargs
        Passed to the metric, for example ``n_bins=15``, ``strategy="quantile"``,
        ``norm="l2"``.

    Returns
    -------
    BootstrapResult
        Full-data estimate, percentile interval and the ``n_resamples`` resampled values.

    Raises
    ------
    ValueError
        For invalid labels, probabilities, query ids or arguments, when
        ``method="vectorised"`` is requested for a metric that needs the loop, or when the
        metric is undefined on every resample.

    References
    ----------
    Efron, "Bootstrap methods: another look at the jackknife", Annals of Statistics, 1979.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y_prob = rng.uniform(size=400)
    >>> y_true = (rng.uniform(size=400) < y_prob).astype(int)
    >>> query_id = np.repeat(np.arange(100), 4)
    >>> result = bootstrap_metric("brier_score", y_true, y_prob, query_id=query_id, n_resamples=200)
    >>> result.method, result.unit, result.n_units
    ('vectorised', 'query', 100)
    >>> bool(result.lower <= result.estimate <= result.upper)
    True
    """
    name, function = _resolve_metric(metric)
    if method not in ("auto", "vectorised", "loop"):
        raise ValueError(f"method must be 'auto', 'vectorised' or 'loop'; got {method!r}")
    n_resamples = _check_positive_int(n_resamples, "n_resamples")
    confidence_level = _check_confidence_level(confidence_level)
    seed = _check_seed(seed)
    if chunk_size is not None:
        chunk_size = _check_positive_int(chunk_size, "chunk_size")

    y_true = check_binary_labels(y_true, "y_true")
    y_prob = check_probabilities(y_prob, "y_prob") if name else check_1d_array(y_prob, "y_prob")
    n_rows = check_same_length(y_true=y_true, y_prob=y_prob)
    codes, n_units, unit = _encode_units(query_id, n_rows)

    can_vectorise = name is not None and metric_kwargs.get("strategy", "uniform") == "uniform"
    if method == "vectorised" and not can_vectorise:
        raise ValueError(
            f"method='vectorised' needs one of {VECTORISED_METRICS} with equal-width bins; "
            f"got metric {metric!r} with {metric_kwargs}. Use method='loop' or 'auto'"
        )
    use_vectorised = can_vectorise and method != "loop"
    label = name or getattr(function, "__name__", "metric")

    # The estimate comes from the metric itself, so it matches what the rest of the book reports.
    estimate = _as_float(function(y_true, y_prob, **metric_kwargs))

    if use_vectorised:
        columns, weights, n_statistics, from_sums = _row_statistics(name, y_true, y_prob, metric_kwargs)
        sums_by_unit = _unit_sums(codes, n_units, columns, weights, n_statistics)
        sums = _resample_sums(sums_by_unit, n_units, n_resamples, seed, chunk_size, progress, label)
        with np.errstate(invalid="ignore", divide="ignore"):
            resamples = from_sums(sums)
    else:
        resamples = _loop_resamples(
            function, y_true, y_prob, codes, n_units, n_resamples, seed, chunk_size, progress, label,
            metric_kwargs,
        )

    return _percentile_result(
        estimate, resamples, confidence_level=confidence_level,
        method="vectorised" if use_vectorised else "loop", unit=unit, n_units=n_units, seed=seed, name=label,
    )


def _loop_resamples(
    function, y_true, y_prob, codes, n_units, n_resamples, seed, chunk_size, progress, label, metric_kwargs
) -> np.ndarray:
    """Call ``function`` on each resample's rows; a ValueError on a resample gives NaN."""
    resamples = np.empty(n_resamples)
    n_errors = 0
    first_error = None
    chunks = iter_resample_counts(n_units, n_resamples, seed=seed, chunk_size=chunk_size)
    bar = tqdm(total=n_resamples, desc=f"bootstrap {label}", disable=_tqdm_disable(progress))

    index = 0
    for counts in chunks:
        for draw_counts in counts:
            # Every row of a unit drawn k times appears k times in the resample.
            rows = np.repeat(np.arange(len(codes)), draw_counts[codes])
            try:
                resamples[index] = _as_float(function(y_true[rows], y_prob[rows], **metric_kwargs))
            except ValueError as error:
                # A resample can miss a class that the metric needs (ROC AUC on one class).
                resamples[index] = np.nan
                n_errors += 1
                first_error = first_error or error
            index += 1
            bar.update()
    bar.close()

    if n_errors:
        logger.warning("%s raised ValueError on %d of %d resamples, for example: %s", label, n_errors, n_resamples, first_error)
    return resamples


def bootstrap_mean(
    values,
    *,
    query_id=None,
    n_resamples: int = 1000,
    confidence_level: float = 0.95,
    seed: int = 0,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> BootstrapResult:
    """Compute a bootstrap percentile interval for a mean, resampling whole queries.

    Use it for metrics that are means of per-query values (``ndcg_at_k(...).per_query``),
    or for a per-row quantity whose rows are grouped by ``query_id``. NaN marks a value that
    is excluded from the mean, such as NDCG of a query without a relevant item. Excluded
    values are still resampled, so the number of included values varies between resamples
    as it would in new data.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        Values to average, finite or NaN.
    query_id : array-like of shape (n_samples,) or None, default=None
        Query of each value. ``None`` treats each value as its own unit, which is right for
        one value per query.
    n_resamples : int, default=1000
        Number of bootstrap resamples.
    confidence_level : float, default=0.95
        Nominal coverage of the percentile interval, in (0, 1).
    seed : int, default=0
        Seed of ``numpy.random.default_rng``.
    chunk_size : int or None, default=None
        Resamples per chunk; see :func:`iter_resample_counts`.
    progress : bool or None, default=None
        Show a tqdm progress bar. ``None`` shows it only on a terminal.

    Returns
    -------
    BootstrapResult
        ``estimate`` is the mean of the non-NaN values. A resample that draws only excluded
        values is undefined (NaN) and left out of the interval.

    Examples
    --------
    >>> result = bootstrap_mean([0.2, 0.4, float("nan"), 0.9], n_resamples=500, seed=1)
    >>> round(result.estimate, 4), result.unit
    (0.5, 'pair')
    """
    n_resamples = _check_positive_int(n_resamples, "n_resamples")
    confidence_level = _check_confidence_level(confidence_level)
    seed = _check_seed(seed)
    if chunk_size is not None:
        chunk_size = _check_positive_int(chunk_size, "chunk_size")

    try:
        values = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"values must be numeric; got {values!r:.80}") from error
    if values.ndim != 1:
        raise ValueError(f"values must be 1-dimensional; got shape {values.shape}")
    if values.size == 0:
        raise ValueError("values is empty; at least one value is required")
    if np.isinf(values).any():
        raise ValueError(
            f"values contains infinite values at positions {np.flatnonzero(np.isinf(values))[:5].tolist()}; "
            "values must be finite, or NaN to exclude them"
        )
    included = ~np.isnan(values)
    if not included.any():
        raise ValueError("values contains only NaN; at least one value must be included in the mean")

    codes, n_units, unit = _encode_units(query_id, len(values))
    n_rows = len(values)
    columns = [np.zeros(n_rows, dtype=np.int64), np.ones(n_rows, dtype=np.int64)]
    weights = [np.where(included, values, 0.0), included.astype(np.float64)]
    sums_by_unit = _unit_sums(codes, n_units, columns, weights, 2)
    sums = _resample_sums(sums_by_unit, n_units, n_resamples, seed, chunk_size, progress, "mean")
    with np.errstate(invalid="ignore", divide="ignore"):
        resamples = sums[:, 0] / sums[:, 1]

    estimate = float(np.mean(values[included]))
    return _percentile_result(
        estimate, resamples, confidence_level=confidence_level, method="vectorised",
        unit=unit, n_units=n_units, seed=seed, name="mean",
    )


def bootstrap_reliability(
    y_true,
    y_prob,
    *,
    n_bins: int = 15,
    strategy: str = "uniform",
    query_id=None,
    n_resamples: int = 1000,
    confidence_level: float = 0.95,
    seed: int = 0,
    chunk_size: int | None = None,
) -> ReliabilityBands:
    """Compute bootstrap intervals of the observed positive rate in each calibration bin.

    The bins are fixed from the full data, so each interval describes the observed rate
    within one fixed score range (for ``strategy="quantile"`` the edges are not recomputed
    per resample). These are the bands of :func:`casestudy.plotting.reliability_diagram`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of label 1, in [0, 1].
    n_bins : int, default=15
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins, as in :func:`casestudy.metrics.reliability_table`.
    query_id : array-like of shape (n_samples,) or None, default=None
        Query of each row; given, whole queries are resampled.
    n_resamples : int, default=1000
        Number of bootstrap resamples.
    confidence_level : float, default=0.95
        Nominal coverage of each per-bin interval.
    seed : int, default=0
        Seed of ``numpy.random.default_rng``.
    chunk_size : int or None, default=None
        Resamples per chunk; see :func:`iter_resample_counts`.

    Returns
    -------
    ReliabilityBands
        Arrays of shape (n_bins_out,), where ``n_bins_out`` can be below ``n_bins`` for
        equal-mass bins. A bin that a resample leaves empty does not count for that bin's
        interval; a bin that is empty in the full data gets NaN.

    Examples
    --------
    >>> bands = bootstrap_reliability([0, 1, 1, 0, 1, 1], [0.1, 0.2, 0.8, 0.7, 0.9, 0.9], n_bins=2, n_resamples=200)
    >>> bands.lower.shape
    (2,)
    """
    y_true = check_binary_labels(y_true, "y_true")
    y_prob = check_probabilities(y_prob, "y_prob")
    n_rows = check_same_length(y_true=y_true, y_prob=y_prob)
    n_bins = check_n_bins(n_bins)
    n_resamples = _check_positive_int(n_resamples, "n_resamples")
    confidence_level = _check_confidence_level(confidence_level)
    seed = _check_seed(seed)
    if chunk_size is not None:
        chunk_size = _check_positive_int(chunk_size, "chunk_size")
    codes, n_units, unit = _encode_units(query_id, n_rows)

    indices, edges = calibration_error.bin_indices(y_prob, n_bins=n_bins, strategy=strategy)
    n_bins_out = len(edges) - 1
    columns = [indices, n_bins_out + indices]
    weights = [np.ones(n_rows), y_true]
    sums_by_unit = _unit_sums(codes, n_units, columns, weights, 2 * n_bins_out)
    sums = _resample_sums(sums_by_unit, n_units, n_resamples, seed, chunk_size, False, "reliability")

    counts = sums[:, :n_bins_out]
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.where(counts > 0, sums[:, n_bins_out:] / counts, np.nan)

    alpha = 1.0 - confidence_level
    lower = np.full(n_bins_out, np.nan)
    upper = np.full(n_bins_out, np.nan)
    full_counts = np.bincount(indices, minlength=n_bins_out)
    for bin_index in np.flatnonzero(full_counts):
        column = rates[:, bin_index]
        column = column[~np.isnan(column)]
        if column.size:
            lower[bin_index], upper[bin_index] = np.quantile(column, [alpha / 2, 1 - alpha / 2])

    return ReliabilityBands(
        bin_edges=edges, lower=lower, upper=upper, confidence_level=confidence_level,
        unit=unit, n_resamples=n_resamples, seed=seed,
    )
