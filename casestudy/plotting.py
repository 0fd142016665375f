"""Figures for the book: a shared matplotlib style and reliability diagrams.

A reliability diagram plots, for each bin of predicted probability, the observed rate of
label 1 against the mean prediction. A calibrated model lies on the diagonal. This version
shows what scikit-learn's ``CalibrationDisplay`` (version 1.9) leaves out: the number of rows
per bin, bins with no rows drawn as gaps instead of being dropped, bootstrap bands that can
resample whole queries, and an optional kernel-smoothed curve.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

from casestudy._validation import check_binary_labels, check_probabilities, check_same_length
from casestudy.metrics.bootstrap import ReliabilityBands, bootstrap_reliability
from casestudy.metrics.calibration_error import ReliabilityTable, reliability_table, smooth_ece

__all__ = ["BOOK_STYLE", "ReliabilityDiagram", "reliability_diagram", "smoothed_reliability", "use_book_style"]

logger = logging.getLogger(__name__)

#: Okabe & Ito's colour-blind-safe palette, black moved to the end.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: matplotlib settings applied by :func:`use_book_style`.
BOOK_STYLE = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 110,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "image.cmap": "viridis",
}

_DIAGONAL_GID = "reliability-diagonal"
_SMOOTH_GRID_POINTS = 201
_SMOOTH_CHUNK = 4096


def use_book_style() -> None:
    """Apply the book's matplotlib style (``BOOK_STYLE``) to all later figures.

    The style uses a colour-blind-safe palette, light grids, no top or right spines and
    constrained layout. Call it once after the imports of a notebook; calling it again
    changes nothing.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> use_book_style()
    >>> mpl.rcParams["axes.spines.top"]
    False
    """
    mpl.rcParams.update(BOOK_STYLE)


@dataclass(frozen=True)
class ReliabilityDiagram:
    """The matplotlib objects of a reliability diagram and the numbers behind them.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure that contains the axes.
    ax : matplotlib.axes.Axes
        The reliability panel: observed rate against mean prediction.
    counts_ax : matplotlib.axes.Axes or None
        The panel with the number of rows per bin, None when counts are shown as marker
        sizes or not at all.
    table : ReliabilityTable
        The per-bin counts, mean predictions and observed rates that were drawn.
    line : matplotlib.lines.Line2D
        Observed rate against mean prediction, one point per bin, NaN for empty bins.
    counts_artist : matplotlib artist or None
        ``StepPatch`` of the counts panel, or the ``PathCollection`` of count-sized markers.
    band : matplotlib.collections.PolyCollection or None
        The bootstrap band.
    bands : ReliabilityBands or None
        The per-bin bootstrap intervals behind ``band``.
    smooth_line : matplotlib.lines.Line2D or None
        The kernel-smoothed curve.
    bandwidth : float or None
        Kernel bandwidth of ``smooth_line``.
    """

    figure: mpl.figure.Figure
    ax: mpl.axes.Axes
    counts_ax: mpl.axes.Axes | None
    table: ReliabilityTable
    line: mpl.lines.Line2D
    counts_artist: object | None
    band: object | None
    bands: ReliabilityBands | None
    smooth_line: mpl.lines.Line2D | None
    bandwidth: float | None


def _reflected_gaussian(grid: np.ndarray, y_prob: np.ndarray, bandwidth: float) -> np.ndarray:
    """Return kernel weights of shape (len(grid), len(y_prob)), reflected at 0 and 1."""
    differences = grid[:, None] - y_prob[None, :]
    mirrored_low = grid[:, None] + y_prob[None, :]
    mirrored_high = grid[:, None] - (2.0 - y_prob[None, :])
    weights = np.exp(-0.5 * (differences / bandwidth) ** 2)
    weights += np.exp(-0.5 * (mirrored_low / bandwidth) ** 2)
    weights += np.exp(-0.5 * (mirrored_high / bandwidth) ** 2)
    return weights


def smoothed_reliability(y_true, y_prob, grid, *, bandwidth: float) -> np.ndarray:
    """Estimate the observed rate of label 1 at each grid point by kernel regression.

    The Nadaraya-Watson estimate ``sum_i K(t, f_i) y_i / sum_i K(t, f_i)`` with a Gaussian
    kernel of standard deviation ``bandwidth``, reflected once at 0 and at 1 so that points
    near the ends are not pulled towards the middle. This is the kernel that smooth ECE
    smooths residuals with; ``casestudy.metrics.smooth_ece`` returns its bandwidth but not
    the curve, hence this function. Reflecting once is accurate for bandwidths well below
    0.5, because a second reflection adds weight ``exp(-0.5 / bandwidth**2)`` or less.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of label 1, in [0, 1].
    grid : array-like of shape (n_points,)
        Probabilities at which to evaluate the curve, in [0, 1].
    bandwidth : float
        Kernel standard deviation in probability units, in (0, 1].

    Returns
    -------
    ndarray of shape (n_points,)
        Smoothed observed rate at each grid point.

    Examples
    --------
    >>> curve = smoothed_reliability([0, 1, 0, 1], [0.2, 0.4, 0.6, 0.8], [0.5], bandwidth=0.1)
    >>> round(float(curve[0]), 4)
    0.5
    """
    y_true = check_binary_labels(y_true, "y_true")
    y_prob = check_probabilities(y_prob, "y_prob")
    check_same_length(y_true=y_true, y_prob=y_prob)
    grid = check_probabilities(grid, "grid")
    if isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float, np.floating)) or not 0.0 < bandwidth <= 1.0:
        raise ValueError(f"bandwidth must be a number in (0, 1]; got {bandwidth!r}")

    # Accumulate over chunks of samples so that memory stays O(n_points * chunk).
    weighted_labels = np.zeros(len(grid))
    total_weight = np.zeros(len(grid))
    for start in range(0, len(y_prob), _SMOOTH_CHUNK):
        weights = _reflected_gaussian(grid, y_prob[start : start + _SMOOTH_CHUNK], float(bandwidth))
        weighted_labels += weights @ y_true[start : start + _SMOOTH_CHUNK]
        total_weight += weights.sum(axis=1)

    # Far from every score the weights underflow to 0; the curve is undefined there.
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total_weight > 0, weighted_labels / total_weight, np.nan)


def _check_bootstrap(bootstrap) -> int | None:
    if bootstrap is None:
        return None
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 1:
        raise ValueError(
            f"bootstrap must be None or the number of resamples, an integer >= 1 such as 1000; got {bootstrap!r}"
        )
    return int(bootstrap)


def _check_smooth(smooth) -> bool | float:
    if isinstance(smooth, bool):
        return smooth
    if isinstance(smooth, (int, float, np.floating)) and 0.0 < smooth <= 1.0:
        return float(smooth)
    raise ValueError(f"smooth must be True, False or a bandwidth in (0, 1]; got {smooth!r}")


def _create_axes(show_counts: bool):
    """Create a figure with a reliability panel and, if requested, a counts panel below it."""
    if not show_counts:
        figure, ax = plt.subplots(figsize=(5.0, 5.0))
        return figure, ax, None
    figure, (ax, counts_ax) = plt.subplots(
        2, 1, figsize=(5.0, 6.2), sharex=True, gridspec_kw={"height_ratios": [3.2, 1.0]}
    )
    return figure, ax, counts_ax


def _draw_diagonal(ax) -> None:
    """Draw the y = x reference once per axes, however many models share it."""
    if any(line.get_gid() == _DIAGONAL_GID for line in ax.get_lines()):
        return
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.5", linewidth=1.0, label="perfect calibration", gid=_DIAGONAL_GID)


def reliability_diagram(
    y_true,
    y_prob,
    *,
    n_bins: int = 15,
    strategy: str = "uniform",
    ax=None,
    counts_ax=None,
    show_counts: bool = True,
    bootstrap: int | None = None,
    query_id=None,
    seed: int = 0,
    confidence_level: float = 0.95,
    smooth: bool | float = False,
    label: str | None = None,
) -> ReliabilityDiagram:
    """Draw a reliability diagram with bin counts, optional bootstrap bands and smoothing.

    Each bin's point is at (mean predicted probability, observed rate of label 1). Empty
    bins have NaN for both, so the line has a gap there instead of a point at 0. Bins
    follow :func:`casestudy.metrics.reliability_table`: equal-width bins are closed on the
    left except the last, which also contains 1.0.

    To compare models on one diagram, call the function once per model with the same
    ``ax`` (and ``counts_ax``) and a ``label`` for each. The diagonal is drawn only once.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels, 0 or 1.
    y_prob : array-like of shape (n_samples,)
        Predicted probabilities of label 1, in [0, 1].
    n_bins : int, default=15
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width or equal-mass bins.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on. ``None`` creates a figure, with a counts panel below when
        ``show_counts`` is set.
    counts_ax : matplotlib.axes.Axes or None, default=None
        Axes for the counts histogram when ``ax`` is given. With ``ax`` given and no
        ``counts_ax``, counts are shown as marker areas proportional to the bin counts.
    show_counts : bool, default=True
        Show the number of rows per bin.
    bootstrap : int or None, default=None
        Number of bootstrap resamples for a band around the observed rates, or None for
        no band. The bins stay fixed from the full data.
    query_id : array-like of shape (n_samples,) or None, default=None
        Query of each row. With ``bootstrap``, whole queries are resampled; otherwise
        single rows. Unused without ``bootstrap``.
    seed : int, default=0
        Seed of the bootstrap resampling.
    confidence_level : float, default=0.95
        Coverage of each bin's band.
    smooth : bool or float, default=False
        Add a kernel-smoothed curve (:func:`smoothed_reliability`). ``True`` uses the
        self-consistent bandwidth of :func:`casestudy.metrics.smooth_ece`; a float in
        (0, 1] is used as the bandwidth.
    label : str or None, default=None
        Legend label of the model's line.

    Returns
    -------
    ReliabilityDiagram
        The figure, axes and artists, with the reliability table and bands drawn.

    Raises
    ------
    ValueError
        For invalid labels or probabilities, length mismatch, ``n_bins < 1``, an unknown
        ``strategy``, or invalid ``bootstrap``, ``smooth`` or ``query_id``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> diagram = reliability_diagram([0, 1, 1, 0], [0.1, 0.8, 0.7, 0.3], n_bins=5)
    >>> diagram.table.counts.tolist()
    [1, 1, 0, 1, 1]
    >>> plt.close(diagram.figure)
    """
    table = reliability_table(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    bootstrap = _check_bootstrap(bootstrap)
    smooth = _check_smooth(smooth)
    y_true = check_binary_labels(y_true, "y_true")
    y_prob = check_probabilities(y_prob, "y_prob")

    if ax is None:
        figure, ax, counts_ax = _create_axes(show_counts)
    else:
        figure = ax.figure
    _draw_diagonal(ax)

    line = ax.plot(table.mean_predicted, table.observed_rate, marker="o", label=label)[0]
    color = line.get_color()

    band = bands = None
    if bootstrap is not None:
        bands = bootstrap_reliability(
            y_true, y_prob, n_bins=n_bins, strategy=strategy, query_id=query_id, n_resamples=bootstrap,
            confidence_level=confidence_level, seed=seed,
        )
        # fill_between leaves gaps where a value is NaN, so empty bins stay empty here too.
        band = ax.fill_between(table.mean_predicted, bands.lower, bands.upper, color=color, alpha=0.2, linewidth=0)

    smooth_line = bandwidth = None
    if smooth is not False:
        bandwidth = smooth_ece(y_true, y_prob).bandwidth if smooth is True else smooth
        grid = np.linspace(y_prob.min(), y_prob.max(), _SMOOTH_GRID_POINTS)
        curve = smoothed_reliability(y_true, y_prob, grid, bandwidth=bandwidth)
        smooth_line = ax.plot(grid, curve, color=color, linestyle=":", linewidth=1.5)[0]

    counts_artist = None
    if show_counts and counts_ax is not None:
        counts_artist = counts_ax.stairs(table.counts, table.bin_edges, fill=True, color=color, alpha=0.35)
        counts_ax.set_ylabel("count per bin")
        counts_ax.set_xlabel("predicted probability")
    elif show_counts:
        # Marker area proportional to the bin count; the largest bin gets 300 points squared.
        sizes = 300.0 * table.counts / max(table.counts.max(), 1)
        counts_artist = ax.scatter(table.mean_predicted, table.observed_rate, s=sizes, color=color, alpha=0.3, linewidths=0)

    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("observed rate of label 1")
    if counts_ax is None or not show_counts:
        ax.set_xlabel("mean predicted probability")
    if label is not None:
        ax.legend(loc="upper left")

    return ReliabilityDiagram(
        figure=figure, ax=ax, counts_ax=counts_ax if show_counts else None, table=table, line=line,
        counts_artist=counts_artist, band=band, bands=bands, smooth_line=smooth_line, bandwidth=bandwidth,
    )
