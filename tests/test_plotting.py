"""Tests for casestudy.plotting, drawn with the Agg backend.

The expected points, counts and bands are computed in the test by plain loops over bins and
resamples, not by the package's reliability table.
"""

import doctest

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from casestudy import plotting  # noqa: E402
from casestudy.metrics.calibration_error import smooth_ece  # noqa: E402
from casestudy.plotting import reliability_diagram, smoothed_reliability, use_book_style  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    """400 rows in 80 queries; no probability falls in [0.4, 0.6), so 15-bin bins 6 to 8 are empty."""
    rng = np.random.default_rng(3)
    y_prob = np.concatenate([rng.uniform(0.0, 0.4, size=200), rng.uniform(0.6, 1.0, size=198), [0.0, 1.0]])
    y_true = (rng.uniform(size=400) < y_prob**2).astype(int)
    query_id = np.repeat(np.arange(80), 5)
    return y_true, y_prob, query_id


def bins_by_hand(y_true, y_prob, n_bins):
    """Counts, mean predictions and observed rates of equal-width bins, by a loop over bins."""
    counts, means, rates = [], [], []
    for index in range(n_bins):
        lower, upper = index / n_bins, (index + 1) / n_bins
        last = index == n_bins - 1
        inside = (y_prob >= lower) & ((y_prob <= upper) if last else (y_prob < upper))
        counts.append(int(inside.sum()))
        means.append(y_prob[inside].mean() if inside.any() else np.nan)
        rates.append(y_true[inside].mean() if inside.any() else np.nan)
    return np.array(counts), np.array(means), np.array(rates)


def test_returns_figure_and_axes(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob)
    assert isinstance(diagram.figure, matplotlib.figure.Figure)
    assert isinstance(diagram.ax, matplotlib.axes.Axes)
    assert isinstance(diagram.counts_ax, matplotlib.axes.Axes)
    assert isinstance(diagram.line, matplotlib.lines.Line2D)


def test_points_match_hand_bins(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob, n_bins=15)
    _, means, rates = bins_by_hand(y_true, y_prob, 15)
    np.testing.assert_allclose(diagram.line.get_xdata(), means, rtol=1e-12)
    np.testing.assert_allclose(diagram.line.get_ydata(), rates, rtol=1e-12)


def test_empty_bins_are_gaps(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob, n_bins=15)
    observed = np.asarray(diagram.line.get_ydata())
    assert np.isnan(observed[6:9]).all()
    assert not np.isnan(observed[:6]).any()
    assert not np.isnan(observed[9:]).any()


def test_counts_panel_heights(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob, n_bins=15)
    counts, _, _ = bins_by_hand(y_true, y_prob, 15)
    stairs = diagram.counts_artist.get_data()
    np.testing.assert_array_equal(stairs.values, counts)
    np.testing.assert_allclose(stairs.edges, np.linspace(0, 1, 16))


def test_counts_panel_shares_x(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob)
    assert diagram.counts_ax.get_shared_x_axes().joined(diagram.ax, diagram.counts_ax)


def test_axis_labels(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob)
    assert diagram.ax.get_ylabel() == "observed rate of label 1"
    assert diagram.counts_ax.get_xlabel() == "predicted probability"
    assert diagram.counts_ax.get_ylabel() == "count per bin"


def test_diagonal_drawn(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob)
    diagonal = [line for line in diagram.ax.get_lines() if line.get_gid() == "reliability-diagonal"]
    assert len(diagonal) == 1
    np.testing.assert_array_equal(diagonal[0].get_xdata(), [0, 1])
    np.testing.assert_array_equal(diagonal[0].get_ydata(), [0, 1])


def test_quantile_points_match_hand(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob, n_bins=4, strategy="quantile")
    # Equal-mass edges by hand: sorted scores, edges at the 25%, 50% and 75% positions.
    edges = np.quantile(y_prob, [0.25, 0.5, 0.75])
    bin_of_row = np.searchsorted(edges, y_prob, side="right")
    expected = [y_true[bin_of_row == index].mean() for index in range(4)]
    np.testing.assert_allclose(diagram.line.get_ydata(), expected, rtol=1e-12)


def test_no_counts_single_axes(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob, show_counts=False)
    assert diagram.counts_ax is None
    assert diagram.counts_artist is None
    assert len(diagram.figure.axes) == 1


def test_models_share_axes(data):
    y_true, y_prob, _ = data
    first = reliability_diagram(y_true, y_prob, label="raw")
    second = reliability_diagram(
        y_true, np.sqrt(y_prob), ax=first.ax, counts_ax=first.counts_ax, label="square root"
    )
    model_lines = [line for line in first.ax.get_lines() if line.get_gid() != "reliability-diagonal"]
    diagonals = [line for line in first.ax.get_lines() if line.get_gid() == "reliability-diagonal"]
    assert second.figure is first.figure
    assert len(model_lines) == 2
    assert len(diagonals) == 1
    assert second.line.get_color() != first.line.get_color()
    assert [text.get_text() for text in first.ax.get_legend().get_texts()] == [
        "perfect calibration", "raw", "square root",
    ]


def test_marker_sizes_without_counts_ax(data):
    y_true, y_prob, _ = data
    fig, ax = plt.subplots()
    diagram = reliability_diagram(y_true, y_prob, n_bins=15, ax=ax)
    counts, _, _ = bins_by_hand(y_true, y_prob, 15)
    assert diagram.counts_ax is None
    np.testing.assert_allclose(diagram.counts_artist.get_sizes(), 300.0 * counts / counts.max())


@pytest.mark.filterwarnings("ignore:All-NaN slice encountered")
def test_bootstrap_band_matches_loop(data):
    y_true, y_prob, query_id = data
    diagram = reliability_diagram(y_true, y_prob, n_bins=5, bootstrap=60, query_id=query_id, seed=4)

    # Second implementation: the same seeded multinomial draws over the 80 queries, with
    # every resample's per-bin observed rates computed by the loop above.
    counts = np.random.default_rng(4).multinomial(80, np.full(80, 1 / 80), size=60)
    rates = []
    for draw in counts:
        rows = np.repeat(np.arange(400), draw[query_id])
        rates.append(bins_by_hand(y_true[rows], y_prob[rows], 5)[2])
    rates = np.array(rates)
    np.testing.assert_allclose(diagram.bands.lower, np.nanquantile(rates, 0.025, axis=0), rtol=1e-12)
    np.testing.assert_allclose(diagram.bands.upper, np.nanquantile(rates, 0.975, axis=0), rtol=1e-12)
    assert np.isnan(diagram.bands.lower[2])
    assert diagram.bands.unit == "query"


def test_bootstrap_band_drawn(data):
    y_true, y_prob, query_id = data
    diagram = reliability_diagram(y_true, y_prob, n_bins=15, bootstrap=30, query_id=query_id)
    # The empty bins 6 to 8 split the band into a low and a high part.
    assert len(diagram.band.get_paths()) == 2
    vertices = np.vstack([path.vertices for path in diagram.band.get_paths()])
    assert vertices[:, 1].min() >= np.nanmin(diagram.bands.lower)
    assert vertices[:, 1].max() <= np.nanmax(diagram.bands.upper)


def test_no_bootstrap_no_band(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob)
    assert diagram.band is None
    assert diagram.bands is None


def test_smooth_uses_smooth_ece_bandwidth(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob, smooth=True)
    assert diagram.bandwidth == smooth_ece(y_true, y_prob).bandwidth
    assert diagram.smooth_line is not None


def test_smooth_fixed_bandwidth(data):
    y_true, y_prob, _ = data
    diagram = reliability_diagram(y_true, y_prob, smooth=0.05)
    assert diagram.bandwidth == 0.05
    assert diagram.smooth_line.get_xdata()[0] == y_prob.min()
    assert diagram.smooth_line.get_xdata()[-1] == y_prob.max()


def test_smoothed_matches_brute_force(data):
    y_true, y_prob, _ = data
    grid = np.array([0.0, 0.13, 0.5, 0.77, 1.0])
    curve = smoothed_reliability(y_true, y_prob, grid, bandwidth=0.07)
    expected = []
    for point in grid:
        weight = 0.0
        weighted = 0.0
        for label, prob in zip(y_true, y_prob):
            # Images of the score reflected at 0 (-prob) and at 1 (2 - prob).
            kernel = sum(np.exp(-0.5 * ((point - image) / 0.07) ** 2) for image in (prob, -prob, 2 - prob))
            weight += kernel
            weighted += kernel * label
        expected.append(weighted / weight)
    np.testing.assert_allclose(curve, expected, rtol=1e-10)


def test_smoothed_chunks_agree():
    # More rows than one chunk of the kernel sum: the chunked sums must equal a direct sum.
    rng = np.random.default_rng(0)
    y_prob = rng.uniform(size=plotting._SMOOTH_CHUNK * 2 + 7)
    y_true = (rng.uniform(size=len(y_prob)) < y_prob).astype(float)
    grid = np.array([0.25, 0.75])
    curve = smoothed_reliability(y_true, y_prob, grid, bandwidth=0.1)
    weights = plotting._reflected_gaussian(grid, y_prob, 0.1)
    np.testing.assert_allclose(curve, weights @ y_true / weights.sum(axis=1), rtol=1e-12)


def test_smoothed_far_from_data_nan():
    curve = smoothed_reliability([1, 0], [0.0, 0.01], [1.0], bandwidth=0.001)
    assert np.isnan(curve[0])


def test_use_book_style_sets_rcparams():
    with matplotlib.rc_context():
        use_book_style()
        assert matplotlib.rcParams["axes.spines.right"] is False
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == "#0072B2"


def test_use_book_style_idempotent():
    with matplotlib.rc_context():
        use_book_style()
        first = dict(matplotlib.rcParams)
        use_book_style()
        assert dict(matplotlib.rcParams) == first


# --- Bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_bins": 0}, r"n_bins must be an integer >= 1; got 0"),
        ({"strategy": "equal"}, r"strategy must be one of \('uniform', 'quantile'\); got 'equal'"),
        ({"bootstrap": 0}, r"bootstrap must be None or the number of resamples.*got 0"),
        ({"bootstrap": True}, r"bootstrap must be None or the number of resamples.*got True"),
        ({"bootstrap": 10.0}, r"bootstrap must be None or the number of resamples.*got 10.0"),
        ({"smooth": 0.0}, r"smooth must be True, False or a bandwidth in \(0, 1\]; got 0.0"),
        ({"smooth": 2}, r"smooth must be True, False or a bandwidth in \(0, 1\]; got 2"),
        ({"smooth": "yes"}, r"smooth must be True, False or a bandwidth in \(0, 1\]; got 'yes'"),
        ({"bootstrap": 10, "query_id": [1, 2]}, r"query_id has 2 entries but the other inputs have 4"),
        ({"bootstrap": 10, "confidence_level": 2.0}, r"confidence_level must be in \(0, 1\)"),
        ({"bootstrap": 10, "seed": -3}, r"seed must be a non-negative integer; got -3"),
    ],
)
def test_bad_argument_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        reliability_diagram([0, 1, 1, 0], [0.1, 0.8, 0.7, 0.3], **kwargs)


@pytest.mark.parametrize(
    "y_true, y_prob, message",
    [
        ([0, 1, 1, 0], [0.1, 1.8, 0.7, 0.3], r"y_prob has values outside \[0, 1\]: \[1.8\]"),
        ([0, 1, 1, 0], [0.1, np.nan, 0.7, 0.3], r"y_prob contains NaN or infinite values"),
        ([0, 1, 3, 0], [0.1, 0.8, 0.7, 0.3], r"y_true must contain only the labels 0 and 1; got \[3\]"),
        ([0, 1, 1], [0.1, 0.8, 0.7, 0.3], r"Inputs must have the same length"),
        ([], [], r"y_true is empty"),
    ],
)
def test_bad_data_raises(y_true, y_prob, message):
    with pytest.raises(ValueError, match=message):
        reliability_diagram(y_true, y_prob)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"bandwidth": 0.0}, r"bandwidth must be a number in \(0, 1\]; got 0.0"),
        ({"bandwidth": 1.5}, r"bandwidth must be a number in \(0, 1\]; got 1.5"),
        ({"bandwidth": None}, r"bandwidth must be a number in \(0, 1\]; got None"),
    ],
)
def test_smoothed_bad_bandwidth_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        smoothed_reliability([0, 1], [0.2, 0.8], [0.5], **kwargs)


def test_smoothed_bad_grid_raises():
    with pytest.raises(ValueError, match=r"grid has values outside \[0, 1\]: \[1.5\]"):
        smoothed_reliability([0, 1], [0.2, 0.8], [0.5, 1.5], bandwidth=0.1)


def test_docstring_examples():
    failures, _ = doctest.testmod(plotting)
    assert failures == 0
