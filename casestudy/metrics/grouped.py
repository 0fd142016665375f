"""Metrics evaluated per group: per query, per query-length bucket, per segment.

A single calibration number over all pairs can hide groups where the model is badly off.
:func:`grouped_metric` evaluates any metric on each group separately and summarises the
groups by the worst one and by the frequency-weighted and unweighted means. Groups that
cannot be evaluated (too small, a single class for a metric that needs both, or a metric that
rejects the group) stay in the result with the reason, so nothing is dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from casestudy._validation import check_binary_labels, check_probabilities, check_same_length

__all__ = ["GroupedMetricResult", "grouped_metric"]

logger = logging.getLogger(__name__)

#: Values of the ``status`` column of :attr:`GroupedMetricResult.table`.
STATUS_OK = "ok"
STATUS_TOO_SMALL = "too small"
STATUS_SINGLE_CLASS = "single class"
STATUS_METRIC_ERROR = "metric error"
STATUS_UNDEFINED = "undefined"


@dataclass(frozen=True)
class GroupedMetricResult:
    """Per-group values of a metric with worst-group and mean summaries.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group, indexed by the group label in sorted order. Columns: ``size``
        (number of rows), ``n_positive`` (rows with label 1), ``value`` (the metric, NaN
        where not evaluated), ``status`` and ``reason``. The status is one of ``"ok"``,
        ``"too small"``, ``"single class"``, ``"metric error"`` and ``"undefined"``. The
        reason is empty for evaluated groups and otherwise names why the group was skipped.
    worst_group : object
        Label of the evaluated group with the worst value (the largest value when
        ``greater_is_better=False``, the smallest otherwise). Ties go to the first group in
        sorted order.
    worst_value : float
        The metric on ``worst_group``.
    weighted_mean : float
        Mean of the evaluated groups' values weighted by group size.
    mean : float
        Unweighted mean of the evaluated groups' values: every group counts once.
    n_groups : int
        Number of groups, evaluated or not.
    n_evaluated : int
        Number of groups with status ``"ok"``.
    greater_is_better : bool
        The direction used to pick the worst group.
    """

    table: pd.DataFrame
    worst_group: object
    worst_value: float
    weighted_mean: float
    mean: float
    n_groups: int
    n_evaluated: int
    greater_is_better: bool

    @property
    def skipped(self) -> pd.DataFrame:
        """Rows of :attr:`table` for groups that were not evaluated."""
        return self.table[self.table["status"] != STATUS_OK]


def _check_groups(groups, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate group labels and return (sorted distinct labels, group code of each row)."""
    if isinstance(getattr(groups, "dtype", None), pd.CategoricalDtype):
        categorical = pd.Categorical(groups)
        used = np.zeros(len(categorical.categories), dtype=bool)
        used[categorical.codes[categorical.codes >= 0]] = True
        if not used.all():
            unused = list(categorical.categories[~used])
            raise ValueError(
                f"groups has categories with no rows: {unused!r:.200}; every group needs at least "
                "one row, so drop the unused categories (Series.cat.remove_unused_categories()) "
                "or choose other bucket edges"
            )

    labels = groups.to_numpy() if hasattr(groups, "to_numpy") else np.asarray(groups)
    if labels.ndim != 1:
        raise ValueError(f"groups must be 1-dimensional; got shape {labels.shape}")
    if len(labels) != n_rows:
        raise ValueError(
            f"groups has {len(labels)} entries but y_true and y_prob have {n_rows}; "
            "pass one group label per row"
        )
    missing = pd.isna(labels)
    if missing.any():
        raise ValueError(
            f"groups contains missing labels (None or NaN) at positions "
            f"{np.flatnonzero(missing)[:5].tolist()}; every row needs a group label"
        )

    codes, uniques = pd.factorize(labels, sort=True)
    return np.asarray(uniques), codes


def _tqdm_disable(progress: bool | None) -> bool | None:
    """Map a ``progress`` argument to tqdm's ``disable`` (None disables it off a terminal)."""
    return None if progress is None else not progress


def grouped_metric(
    metric: Callable[..., float],
    y_true,
    y_prob,
    groups,
    *,
    min_size: int = 1,
    requires_both_classes: bool = False,
    greater_is_better: bool = False,
    progress: bool | None = None,
    **metric_kwargs,
) -> GroupedMetricResult:
    """Evaluate a metric separately on each group of rows and summarise the groups.

    Parameters
    ----------
    metric : callable
        Called as ``metric(y_true_group, y_prob_group, **metric_kwargs)`` and returning a
        float, for example :func:`casestudy.metrics.expected_calibration_error`.
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of label 1, in [0, 1].
    groups : array-like of shape (n_samples,)
        Group label of each row (query id, length bucket, segment name). A pandas
        categorical must not have unused categories, because a group with no rows has no
        metric value.
    min_size : int, default=1
        Groups with fewer rows are reported with status ``"too small"`` and not evaluated.
    requires_both_classes : bool, default=False
        Set for metrics that need both labels in a group (ROC AUC, calibration ratio when
        no positives). Groups with a single class are then reported with status
        ``"single class"`` and not evaluated.
    greater_is_better : bool, default=False
        Direction of the metric. ``False`` (errors such as ECE, Brier score, log loss)
        makes the largest value the worst; ``True`` (AUC, NDCG) makes the smallest the worst.
    progress : bool or None, default=None
        Show a tqdm progress bar over groups. ``None`` shows it only on a terminal.
    **metric_kwargs
        Passed to ``metric`` unchanged, for example ``n_bins=10``.

    Returns
    -------
    GroupedMetricResult
        The per-group table (one row per group) and the summaries. A ``ValueError`` raised
        by ``metric`` on one group is recorded in that group's ``reason`` column with status
        ``"metric error"``. A NaN returned by ``metric`` gets status ``"undefined"``, as
        scikit-learn's ``roc_auc_score`` returns on a single class. Only groups with status
        ``"ok"`` enter the summaries. If there are none, the summaries are NaN and
        ``worst_group`` is None.

    Raises
    ------
    ValueError
        For invalid labels or probabilities, length mismatch, missing group labels,
        categorical groups with no rows, ``min_size < 1``, or when ``metric`` raises
        ``ValueError`` on every group it was called on (the first message is shown).

    Examples
    --------
    >>> import numpy as np
    >>> from casestudy.metrics.grouped import grouped_metric
    >>> def mean_gap(y_true, y_prob):
    ...     return float(np.mean(y_prob) - np.mean(y_true))
    >>> result = grouped_metric(mean_gap, [1, 0, 1, 1], [0.9, 0.5, 0.6, 0.6], ["a", "a", "b", "b"])
    >>> result.table["value"].round(2).tolist()
    [0.2, -0.4]
    >>> result.worst_group, round(result.weighted_mean, 2)
    ('a', -0.1)
    """
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 1:
        raise ValueError(f"min_size must be an integer >= 1; got {min_size!r}")
    if not callable(metric):
        raise ValueError(f"metric must be a callable metric(y_true, y_prob, **kwargs); got {metric!r}")
    y_true = check_binary_labels(y_true, "y_true")
    y_prob = check_probabilities(y_prob, "y_prob")
    check_same_length(y_true=y_true, y_prob=y_prob)
    uniques, codes = _check_groups(groups, len(y_true))

    # Sort rows by group once so that each group is a contiguous slice.
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=len(uniques))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    n_positive = np.bincount(codes, weights=y_true, minlength=len(uniques)).astype(np.int64)

    values = np.full(len(uniques), np.nan)
    status = np.full(len(uniques), STATUS_OK, dtype=object)
    reasons = np.full(len(uniques), "", dtype=object)
    n_called = 0
    first_error = None

    name = getattr(metric, "__name__", "metric")
    for index in tqdm(range(len(uniques)), desc=f"{name} per group", disable=_tqdm_disable(progress)):
        size = sizes[index]
        if size < min_size:
            status[index] = STATUS_TOO_SMALL
            reasons[index] = f"{size} rows, fewer than min_size={min_size}"
            continue
        if requires_both_classes and n_positive[index] in (0, size):
            status[index] = STATUS_SINGLE_CLASS
            reasons[index] = f"all {size} labels are {int(n_positive[index] > 0)}"
            continue

        rows = order[starts[index] : starts[index] + size]
        n_called += 1
        try:
            value = float(metric(y_true[rows], y_prob[rows], **metric_kwargs))
        except ValueError as error:
            status[index] = STATUS_METRIC_ERROR
            reasons[index] = str(error)
            first_error = first_error or error
            continue
        if np.isnan(value):
            status[index] = STATUS_UNDEFINED
            reasons[index] = f"{name} returned NaN"
            continue
        values[index] = value

    n_errors = int(np.sum(status == STATUS_METRIC_ERROR))
    if n_called and n_errors == n_called:
        raise ValueError(
            f"{name} raised ValueError on every group it was called on ({n_called}); "
            f"first error: {first_error}"
        ) from first_error
    if n_errors:
        logger.warning("%s raised ValueError on %d of %d groups; see the reason column", name, n_errors, n_called)

    table = pd.DataFrame(
        {"size": sizes, "n_positive": n_positive, "value": values, "status": status, "reason": reasons},
        index=pd.Index(uniques, name="group"),
    )
    return _summarise(table, greater_is_better=greater_is_better)


def _summarise(table: pd.DataFrame, *, greater_is_better: bool) -> GroupedMetricResult:
    """Compute the worst group and the two means over the evaluated groups of ``table``."""
    evaluated = table[table["status"] == STATUS_OK]
    n_evaluated = len(evaluated)
    if n_evaluated == 0:
        logger.warning("no group could be evaluated; all %d groups were skipped", len(table))
        return GroupedMetricResult(
            table=table,
            worst_group=None,
            worst_value=float("nan"),
            weighted_mean=float("nan"),
            mean=float("nan"),
            n_groups=len(table),
            n_evaluated=0,
            greater_is_better=greater_is_better,
        )

    values = evaluated["value"].to_numpy()
    position = int(np.argmin(values)) if greater_is_better else int(np.argmax(values))
    weights = evaluated["size"].to_numpy(dtype=float)
    return GroupedMetricResult(
        table=table,
        worst_group=evaluated.index[position],
        worst_value=float(values[position]),
        weighted_mean=float(np.sum(weights * values) / np.sum(weights)),
        mean=float(np.mean(values)),
        n_groups=len(table),
        n_evaluated=n_evaluated,
        greater_is_better=greater_is_better,
    )
