"""Inductive Venn-Abers calibration: a probability interval and a point estimate per score."""

from __future__ import annotations

import logging

import numpy as np
from sklearn.utils.validation import check_is_fitted
from tqdm import tqdm

from casestudy.calibration._base import BinaryCalibrator, as_score_vector

logger = logging.getLogger(__name__)


class VennAbersCalibrator(BinaryCalibrator):
    """Inductive Venn-Abers predictor: two isotonic fits per test score give an interval.

    For a test score :math:`s`, isotonic regression is fitted twice: on the calibration data
    plus the point :math:`(s, 0)`, and on the calibration data plus :math:`(s, 1)`. The fitted
    values at :math:`s` are :math:`p_0 \\le p_1`. ``predict_interval`` returns :math:`[p_0, p_1]`, and
    ``predict_proba`` the point estimate :math:`p_1 / (1 - p_0 + p_1)`, which minimises the
    worse of the two log losses. The width of the interval shrinks as calibration data grow.

    It takes **any finite real scores**, logits or probabilities, because isotonic
    regression depends only on their order.

    Both values depend only on where :math:`s` falls among the distinct calibration scores
    (between two of them, or on one), so ``fit`` computes them for all :math:`2m + 1`
    positions once, and ``predict_proba`` is a lookup. ``fit`` runs pool-adjacent-violators
    once from the left and once from the right, keeping every intermediate stack of
    blocks (a persistent stack). For each position it merges the added point with the
    neighbouring prefix and suffix blocks while they violate the order. Blocks pooled in a
    contiguous part of the data stay pooled in the isotonic fit of the whole, so this gives
    the exact fitted value, in :math:`O(m)` plus the number of merges.

    Sample weights weigh the calibration points; the added test point always has weight 1.

    Attributes
    ----------
    unique_scores_ : ndarray of shape (m,)
        Distinct calibration scores, increasing.
    gap_p0_, gap_p1_ : ndarray of shape (m + 1,)
        :math:`p_0, p_1` for a score strictly between ``unique_scores_[i - 1]`` and
        ``unique_scores_[i]`` (index 0: below all, index m: above all).
    tie_p0_, tie_p1_ : ndarray of shape (m,)
        :math:`p_0, p_1` for a score equal to ``unique_scores_[i]``.
    n_features_in_ : int
        Always 1.

    References
    ----------
    .. [1] V. Vovk and I. Petej, "Venn-Abers predictors", UAI 2014.
    .. [2] V. Vovk, I. Petej and V. Fedorova, "Large-scale probabilistic predictors with and
       without guarantees of validity", NeurIPS 2015.

    Examples
    --------
    >>> calibrator = VennAbersCalibrator().fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    >>> print(calibrator.predict_interval([0.35]))
    [[0.33333333 1.        ]]
    """

    _score_domain = "real"
    _fitted_attributes = ("unique_scores_", "gap_p0_", "gap_p1_", "tie_p0_", "tie_p1_")

    def __init__(self):
        pass

    def _fit(self, scores, y, sample_weight):
        unique_scores, inverse = np.unique(scores, return_inverse=True)
        weights = np.bincount(inverse, weights=sample_weight)
        sums = np.bincount(inverse, weights=sample_weight * y)
        n_unique = unique_scores.size

        prefix = _PersistentPAV(weights, sums, from_left=True)
        suffix = _PersistentPAV(weights, sums, from_left=False)
        gap_p0, gap_p1 = np.empty(n_unique + 1), np.empty(n_unique + 1)
        tie_p0, tie_p1 = np.empty(n_unique), np.empty(n_unique)

        for index in tqdm(range(n_unique + 1), desc="Venn-Abers positions", leave=False, disable=None):
            # A score strictly between unique scores index - 1 and index.
            left = prefix.top[index - 1] if index > 0 else -1
            right = suffix.top[index] if index < n_unique else -1
            gap_p0[index] = _merged_value(prefix, suffix, left, right, 1.0, 0.0)
            gap_p1[index] = _merged_value(prefix, suffix, left, right, 1.0, 1.0)
            if index == n_unique:
                break
            # A score equal to unique score index: it pools with that calibration point.
            right = suffix.top[index + 1] if index + 1 < n_unique else -1
            tie_p0[index] = _merged_value(prefix, suffix, left, right, 1.0 + weights[index], sums[index])
            tie_p1[index] = _merged_value(prefix, suffix, left, right, 1.0 + weights[index], sums[index] + 1.0)

        self.unique_scores_ = unique_scores
        self.gap_p0_, self.gap_p1_ = gap_p0, gap_p1
        self.tie_p0_, self.tie_p1_ = tie_p0, tie_p1
        logger.debug("Venn-Abers: %d distinct scores", n_unique)

    def predict_interval(self, scores) -> np.ndarray:
        """Return the Venn-Abers interval :math:`[p_0, p_1]` of each score.

        Parameters
        ----------
        scores : array-like of shape (n_samples,) or (n_samples, 1)
            Scores in the same domain as those passed to ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Column 0 is :math:`p_0`, column 1 is :math:`p_1`, with :math:`p_0 \\le p_1`.
        """
        check_is_fitted(self)
        scores = as_score_vector(scores, "scores", domain=self._score_domain)
        return np.column_stack(self._interval(scores))

    def _interval(self, scores):
        index = np.searchsorted(self.unique_scores_, scores, side="left")
        clipped = np.minimum(index, self.unique_scores_.size - 1)
        is_tie = self.unique_scores_[clipped] == scores
        p0 = np.where(is_tie, self.tie_p0_[clipped], self.gap_p0_[index])
        p1 = np.where(is_tie, self.tie_p1_[clipped], self.gap_p1_[index])
        return p0, p1

    def _predict_proba(self, scores):
        p0, p1 = self._interval(scores)
        return p1 / (1.0 - p0 + p1)


class _PersistentPAV:
    """Pool-adjacent-violators over a prefix (or suffix) sweep, keeping every stack state.

    ``top[i]`` is the block node on top of the stack after processing point ``i``. Each
    node stores its weight, its label sum and the node below it (-1 for none). The stack
    of any prefix (or suffix) can therefore be walked without copying.
    """

    def __init__(self, weights, sums, *, from_left):
        n_points = weights.size
        self.weight, self.total, self.below = [], [], []
        self.top = np.empty(n_points, dtype=np.int64)
        order = range(n_points) if from_left else range(n_points - 1, -1, -1)

        top = -1
        for i in order:
            weight, total = float(weights[i]), float(sums[i])
            # From the left, pool while the block below has a mean >= the new block's mean;
            # from the right, while the block to the right has a mean <= it.
            while top != -1 and _violates(self.total[top], self.weight[top], total, weight, from_left):
                weight += self.weight[top]
                total += self.total[top]
                top = self.below[top]
            self.weight.append(weight)
            self.total.append(total)
            self.below.append(top)
            top = len(self.weight) - 1
            self.top[i] = top


def _violates(neighbour_total, neighbour_weight, total, weight, from_left):
    # Compare means by cross-multiplying, because weights are positive.
    if from_left:
        return neighbour_total * weight >= total * neighbour_weight
    return neighbour_total * weight <= total * neighbour_weight


def _merged_value(prefix, suffix, left, right, weight, total):
    """Pool a new block with violating prefix and suffix blocks and return its mean."""
    merged = True
    while merged:
        merged = False
        if left != -1 and prefix.total[left] * weight >= total * prefix.weight[left]:
            weight += prefix.weight[left]
            total += prefix.total[left]
            left = prefix.below[left]
            merged = True
        if right != -1 and suffix.total[right] * weight <= total * suffix.weight[right]:
            weight += suffix.weight[right]
            total += suffix.total[right]
            right = suffix.below[right]
            merged = True
    return min(max(total / weight, 0.0), 1.0)
