"""Tests of the public namespace of ``casestudy.metrics``."""

from __future__ import annotations

import pytest

import casestudy.metrics as metrics
from casestudy.metrics import bootstrap, grouped, multiclass, ranking


def test_api_names_resolve():
    missing = [name for name in metrics.__all__ if not hasattr(metrics, name)]
    assert missing == []


def test_api_names_unique():
    assert len(metrics.__all__) == len(set(metrics.__all__))


@pytest.mark.parametrize("module", [bootstrap, grouped, ranking], ids=lambda module: module.__name__)
def test_api_reexports_module(module):
    assert set(module.__all__) <= set(metrics.__all__)


@pytest.mark.parametrize(
    "name",
    [
        "reliability_table",
        "bin_indices",
        "expected_calibration_error",
        "maximum_calibration_error",
        "debiased_calibration_error",
        "smooth_ece",
        "brier_score",
        "brier_decomposition",
        "log_loss",
        "roc_auc",
        "calibration_slope_intercept",
        "calibration_in_the_large",
        "calibration_ratio",
        "top_label_ece",
        "classwise_ece",
    ],
)
def test_api_contract_name(name):
    assert name in metrics.__all__


def test_api_multiclass_exported():
    assert {"top_label_ece", "classwise_ece", "ClasswiseECE"} <= set(metrics.__all__)
    assert metrics.top_label_ece is multiclass.top_label_ece
