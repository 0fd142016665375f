"""Prediction-powered inference (PPI) for a mean, with the human-only estimate beside it.

Setting: a quantity theta is the mean of Y over a population, for example the share of
shown results that are relevant. Humans judge a small random sample (n items with Y and
the model's prediction f), and the model predicts f on N further items without human
labels. PPI estimates

    theta_hat = mean(f over the unlabeled items) + mean(Y - f over the labeled items).

The second term, the rectifier, removes the model's bias on average, so theta_hat is
unbiased whatever the model. Its variance is Var(f) / N + Var(Y - f) / n, which is smaller
than the human-only Var(Y) / n when f tracks Y closely and N is large. The confidence
interval comes from the central limit theorem.

The mean estimator is a few lines of numpy. The ``ppi-python`` package implements it too,
but it is not pinned in this project, and writing it out here keeps the formula next to the
book's text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm
from tqdm import tqdm

from casestudy._validation import check_1d_array, check_same_length

logger = logging.getLogger(__name__)

__all__ = [
    "MeanEstimate",
    "classical_mean",
    "ppi_mean",
    "simulate_label_budgets",
]


@dataclass(frozen=True)
class MeanEstimate:
    """A point estimate of a mean with a two-sided normal (CLT) confidence interval.

    Attributes
    ----------
    estimate : float
        Point estimate.
    ci_low, ci_high : float
        Interval bounds, ``estimate -/+ z * std_error``.
    std_error : float
        Estimated standard error of ``estimate``.
    alpha : float
        Miscoverage level; the interval has nominal coverage ``1 - alpha``.
    n_labeled : int
        Number of human-labelled items used.
    n_unlabeled : int
        Number of items with only a model prediction (0 for the human-only estimate).
    method : str
        ``"classical"``, ``"ppi"`` or ``"ppi++"``.
    weight : float
        Weight given to the predictions (1 for PPI, 0 for classical, tuned for PPI++).
    """

    estimate: float
    ci_low: float
    ci_high: float
    std_error: float
    alpha: float
    n_labeled: int
    n_unlabeled: int
    method: str
    weight: float

    @property
    def width(self) -> float:
        """Width of the confidence interval."""
        return self.ci_high - self.ci_low

    def covers(self, value: float) -> bool:
        """Return whether ``value`` lies inside the closed interval."""
        return self.ci_low <= value <= self.ci_high


def _check_alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number strictly between 0 and 1; got {alpha!r}")
    return float(alpha)


def _check_budgets(budgets) -> list[int]:
    """Return ``budgets`` as a list of ints, rejecting a scalar and non-integral values."""
    if np.ndim(budgets) != 1:
        raise ValueError(f"budgets must be a sequence of integers such as [50, 100]; got {budgets!r}")
    non_integral = [
        b for b in budgets
        if isinstance(b, bool) or not isinstance(b, (int, float, np.integer, np.floating)) or not float(b).is_integer()
    ]
    if non_integral:
        raise ValueError(f"budgets must be integers; got {non_integral!r}")
    return [int(b) for b in budgets]


def _check_labeled(y_labeled) -> np.ndarray:
    y_labeled = check_1d_array(y_labeled, "y_labeled")
    if y_labeled.size < 2:
        raise ValueError(
            f"y_labeled has {y_labeled.size} value; at least 2 are needed to estimate a variance"
        )
    return y_labeled


def classical_mean(y_labeled, *, alpha: float = 0.05) -> MeanEstimate:
    """Estimate a mean from human labels alone, with a normal confidence interval.

    Parameters
    ----------
    y_labeled : array-like of shape (n,)
        Human-judged outcomes of a simple random sample, n >= 2.
    alpha : float, default=0.05
        Miscoverage level of the interval, in (0, 1).

    Returns
    -------
    MeanEstimate
        ``estimate = mean(y_labeled)`` and ``std_error = std(y_labeled, ddof=1) / sqrt(n)``.

    Examples
    --------
    >>> result = classical_mean([1, 0, 1, 1])
    >>> result.estimate, round(result.std_error, 4)
    (0.75, 0.25)
    """
    alpha = _check_alpha(alpha)
    y_labeled = _check_labeled(y_labeled)
    n = y_labeled.size
    std_error = float(np.std(y_labeled, ddof=1) / np.sqrt(n))
    return _interval(float(y_labeled.mean()), std_error, alpha, n, 0, "classical", 0.0)


def ppi_mean(y_labeled, pred_labeled, pred_unlabeled, *, alpha: float = 0.05, power_tuning: bool = False) -> MeanEstimate:
    """Estimate a mean by prediction-powered inference, with a normal confidence interval.

    Parameters
    ----------
    y_labeled : array-like of shape (n,)
        Human-judged outcomes of a simple random sample, n >= 2.
    pred_labeled : array-like of shape (n,)
        Model predictions for the same items, for example calibrated P(relevant).
    pred_unlabeled : array-like of shape (N,)
        Model predictions for items without a human label, drawn from the same population
        and disjoint from the labelled ones; N >= 2.
    alpha : float, default=0.05
        Miscoverage level of the interval, in (0, 1).
    power_tuning : bool, default=False
        Weight the predictions by lambda in [0, 1] chosen to minimise the estimated
        variance (PPI++): ``estimate = mean(y) + lambda * (mean(pred_unlabeled) -
        mean(pred_labeled))``. lambda = 1 is plain PPI and lambda = 0 the human-only
        mean, so poor predictions cannot make the interval much wider than the
        human-only one. The estimated lambda is clipped to [0, 1].

    Returns
    -------
    MeanEstimate
        For plain PPI, ``estimate = mean(pred_unlabeled) + mean(y_labeled -
        pred_labeled)`` and ``std_error**2 = var(pred_unlabeled) / N +
        var(y_labeled - pred_labeled) / n`` (sample variances, ddof=1).

    References
    ----------
    A. N. Angelopoulos, S. Bates, C. Fannjiang, M. I. Jordan and T. Zrnic,
    "Prediction-powered inference", Science 382(6671), 2023.

    A. N. Angelopoulos, J. C. Duchi and T. Zrnic, "PPI++: Efficient prediction-powered
    inference", arXiv:2311.01453, 2023.

    Examples
    --------
    >>> result = ppi_mean([1, 0, 1, 1], [0.8, 0.4, 0.6, 0.9], [0.7, 0.5, 0.9, 0.3, 0.6])
    >>> round(result.estimate, 6)
    0.675
    """
    alpha = _check_alpha(alpha)
    y_labeled = _check_labeled(y_labeled)
    pred_labeled = check_1d_array(pred_labeled, "pred_labeled")
    pred_unlabeled = check_1d_array(pred_unlabeled, "pred_unlabeled")
    check_same_length(y_labeled=y_labeled, pred_labeled=pred_labeled)
    if pred_unlabeled.size < 2:
        raise ValueError(
            f"pred_unlabeled has {pred_unlabeled.size} value; at least 2 are needed to estimate a variance"
        )
    n, n_unlabeled = y_labeled.size, pred_unlabeled.size

    if power_tuning:
        weight = _tuned_weight(y_labeled, pred_labeled, pred_unlabeled)
        method = "ppi++"
    else:
        weight = 1.0
        method = "ppi"

    rectified = y_labeled - weight * pred_labeled
    estimate = weight * pred_unlabeled.mean() + rectified.mean()
    variance = weight**2 * np.var(pred_unlabeled, ddof=1) / n_unlabeled + np.var(rectified, ddof=1) / n
    return _interval(float(estimate), float(np.sqrt(variance)), alpha, n, n_unlabeled, method, weight)


def _tuned_weight(y_labeled: np.ndarray, pred_labeled: np.ndarray, pred_unlabeled: np.ndarray) -> float:
    """Variance-minimising weight Cov(Y, f) / ((1 + n / N) Var(f)), clipped to [0, 1]."""
    n, n_unlabeled = y_labeled.size, pred_unlabeled.size
    covariance = np.cov(y_labeled, pred_labeled, ddof=1)[0, 1]
    variance = np.var(np.concatenate([pred_labeled, pred_unlabeled]), ddof=1)
    if variance == 0:
        return 0.0
    return float(np.clip(covariance / ((1 + n / n_unlabeled) * variance), 0.0, 1.0))


def _interval(estimate, std_error, alpha, n, n_unlabeled, method, weight) -> MeanEstimate:
    half_width = norm.ppf(1 - alpha / 2) * std_error
    return MeanEstimate(
        estimate=estimate,
        ci_low=estimate - half_width,
        ci_high=estimate + half_width,
        std_error=std_error,
        alpha=alpha,
        n_labeled=n,
        n_unlabeled=n_unlabeled,
        method=method,
        weight=weight,
    )


def simulate_label_budgets(
    y, pred, budgets, *, n_repetitions: int = 200, alpha: float = 0.05, power_tuning: bool = True,
    seed: int = 0, progress: bool = True,
) -> pd.DataFrame:
    """Measure coverage and width of PPI and human-only intervals as the label budget grows.

    Every repetition draws ``budget`` items without replacement from a fully labelled
    population as the human-judged sample, treats the rest as unlabeled, and checks each
    interval against the population mean of ``y``.

    Parameters
    ----------
    y : array-like of shape (n_population,)
        Human outcome of every item, used as the truth and for the sampled labels.
    pred : array-like of shape (n_population,)
        Model prediction of every item.
    budgets : sequence of int
        Numbers of human-judged items, each between 2 and ``n_population - 2``.
    n_repetitions : int, default=200
        Random samples per budget.
    alpha : float, default=0.05
        Miscoverage level of the intervals.
    power_tuning : bool, default=True
        Also report PPI++ (tuned weight) beside plain PPI.
    seed : int, default=0
        Seed of the sampling.
    progress : bool, default=True
        Show a tqdm progress bar over the budgets.

    Returns
    -------
    pandas.DataFrame
        One row per (budget, method) with columns ``budget``, ``method``, ``coverage``
        (share of intervals containing the truth), ``mean_width``, ``mean_error`` (mean
        absolute error of the estimate) and ``n_repetitions``.

    Notes
    -----
    The labelled sample is drawn without replacement from a finite population, so the
    intervals (which assume independent draws) are slightly conservative when the budget is
    a large share of the population.
    """
    y = check_1d_array(y, "y")
    pred = check_1d_array(pred, "pred")
    check_same_length(y=y, pred=pred)
    alpha = _check_alpha(alpha)
    if isinstance(n_repetitions, bool) or not isinstance(n_repetitions, (int, np.integer)) or n_repetitions < 1:
        raise ValueError(f"n_repetitions must be an integer >= 1; got {n_repetitions!r}")
    budgets = _check_budgets(budgets)
    bad = [b for b in budgets if not 2 <= b <= y.size - 2]
    if not budgets or bad:
        raise ValueError(
            f"budgets must be integers between 2 and {y.size - 2} (the population has {y.size} items); "
            f"got {budgets if not budgets else bad}"
        )

    truth = float(y.mean())
    rng = np.random.default_rng(seed)
    rows = []
    for budget in tqdm(budgets, desc="label budgets", disable=not progress):
        records = {"classical": [], "ppi": []}
        if power_tuning:
            records["ppi++"] = []
        for _ in range(n_repetitions):
            labeled = np.zeros(y.size, dtype=bool)
            labeled[rng.choice(y.size, size=budget, replace=False)] = True
            estimates = [
                classical_mean(y[labeled], alpha=alpha),
                ppi_mean(y[labeled], pred[labeled], pred[~labeled], alpha=alpha),
            ]
            if power_tuning:
                estimates.append(ppi_mean(y[labeled], pred[labeled], pred[~labeled], alpha=alpha, power_tuning=True))
            for estimate in estimates:
                records[estimate.method].append(
                    (estimate.covers(truth), estimate.width, abs(estimate.estimate - truth))
                )
        for method, values in records.items():
            values = np.array(values, dtype=float)
            rows.append({
                "budget": budget,
                "method": method,
                "coverage": values[:, 0].mean(),
                "mean_width": values[:, 1].mean(),
                "mean_error": values[:, 2].mean(),
                "n_repetitions": n_repetitions,
            })
    logger.info("simulated %d budgets x %d repetitions against the population mean %.4f", len(budgets), n_repetitions, truth)
    return pd.DataFrame(rows)
