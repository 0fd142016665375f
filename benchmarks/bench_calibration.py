"""Benchmark: applying, fitting and reloading calibrators.

Three measurements, each against a named baseline timed in the same run:

1. ``apply``: a fitted isotonic map and a fitted 15-bin histogram map applied to 10**7
   scores. The baseline is scikit-learn's ``IsotonicRegression.predict`` (``out_of_bounds=
   "clip"``) fitted on the same data, so it applies the same isotonic map. Both sides validate
   their input. Ratio = casestudy / scikit-learn, best of ``--repeats`` interleaved runs;
   target <= 1.0. Peak memory of each call comes from separate runs under ``tracemalloc``.
2. ``fit``: temperature scaling fitted on 10**6 logits. ``TemperatureCalibrator`` solves
   for the root of the analytic derivative in log T with Brent's method. The baseline is
   ``scipy.optimize.minimize_scalar(method="bounded")`` on the log loss as a function of T,
   without a gradient, over the same bounds. Target: under one second.
3. ``latency``: a calibrator exported with ``to_json`` and read back with ``from_json``,
   applied to batches of 1 and of 1,000 scores; microseconds per item, median of many
   calls. The baseline is the same calibrator before the export (the ratio should be 1).

The fitting data are 18,000 seeded synthetic logits, about the size of the Home Depot
calibration split, with labels drawn from ``sigmoid(0.8 * logit)``; the cost of applying a
map depends on the number of scores and thresholds, not on where the scores come from.

Run from the repository root:

    .venv/bin/python benchmarks/bench_calibration.py

It prints a table and writes ``benchmarks/results/calibration.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy.optimize import minimize_scalar
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression

from casestudy.calibration import (
    HistogramBinningCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    TemperatureCalibrator,
    VennAbersCalibrator,
    from_json,
    to_json,
)

RESULTS = Path(__file__).resolve().parent / "results" / "calibration.json"


def _best_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _peak_mib(function) -> float:
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _fitting_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.5, size=n)
    y = (rng.random(n) < expit(0.8 * logits)).astype(int)
    return logits, y


def bench_apply(n_scores: int, repeats: int, seed: int) -> dict:
    logits, y = _fitting_data(18_000, seed)
    scores = np.random.default_rng(seed + 1).normal(scale=2.5, size=n_scores)

    ours = IsotonicCalibrator().fit(logits, y)
    binning = HistogramBinningCalibrator(n_bins=15).fit(logits, y)
    baseline = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(logits, y)
    if not np.array_equal(ours.predict_proba(scores[:100_000]), baseline.predict(scores[:100_000])):
        raise RuntimeError("IsotonicCalibrator and IsotonicRegression disagree; the comparison would be unfair")

    timings = {"isotonic": [], "binning": [], "sklearn": []}
    for _ in range(repeats):
        timings["isotonic"].append(_best_time(lambda: ours.predict_proba(scores), 1))
        timings["binning"].append(_best_time(lambda: binning.predict_proba(scores), 1))
        timings["sklearn"].append(_best_time(lambda: baseline.predict(scores), 1))
    best = {name: min(values) for name, values in timings.items()}
    return {
        "n_scores": n_scores,
        "n_thresholds": int(ours.X_thresholds_.size),
        "seconds": best,
        "ratio_isotonic_vs_sklearn": best["isotonic"] / best["sklearn"],
        "ratio_binning_vs_sklearn_isotonic": best["binning"] / best["sklearn"],
        "peak_mib": {
            "isotonic": _peak_mib(lambda: ours.predict_proba(scores)),
            "binning": _peak_mib(lambda: binning.predict_proba(scores)),
            "sklearn": _peak_mib(lambda: baseline.predict(scores)),
        },
        "input_mib": scores.nbytes / 2**20,
    }


def bench_fit(n_logits: int, repeats: int, seed: int) -> dict:
    logits, y = _fitting_data(n_logits, seed)
    calibrator = TemperatureCalibrator()

    def log_loss_at(temperature):
        z = logits / temperature
        # Cross-entropy of sigmoid(z): softplus(z) - y * z.
        return float(np.mean(np.logaddexp(0.0, z) - y * z))

    def baseline():
        return minimize_scalar(
            log_loss_at,
            bounds=(calibrator.min_temperature, calibrator.max_temperature),
            method="bounded",
            options={"xatol": 1e-8},
        ).x

    ours_seconds = _best_time(lambda: calibrator.fit(logits, y), repeats)
    baseline_seconds = _best_time(baseline, repeats)
    return {
        "n_logits": n_logits,
        "seconds": {"temperature_calibrator": ours_seconds, "minimize_scalar_bounded": baseline_seconds},
        "ratio_vs_minimize_scalar": ours_seconds / baseline_seconds,
        "temperature": calibrator.temperature_,
        "baseline_temperature": float(baseline()),
    }


def _latency_us(calibrator, batch: np.ndarray, calls: int) -> float:
    times = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter()
        calibrator.predict_proba(batch)
        times[i] = time.perf_counter() - start
    return float(np.median(times) / batch.size * 1e6)


def bench_latency(seed: int) -> dict:
    logits, y = _fitting_data(18_000, seed)
    rng = np.random.default_rng(seed + 2)
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = {
            "IsotonicCalibrator": IsotonicCalibrator().fit(logits, y),
            "PlattCalibrator": PlattCalibrator().fit(logits, y),
            "VennAbersCalibrator": VennAbersCalibrator().fit(logits, y),
        }
    for name, calibrator in fitted.items():
        text = to_json(calibrator)
        loaded = from_json(text)
        entry = {"json_kib": len(text.encode()) / 1024}
        for batch_size, calls in ((1, 5000), (1000, 1000)):
            batch = rng.normal(scale=2.5, size=batch_size)
            entry[f"batch_{batch_size}_us_per_item"] = _latency_us(loaded, batch, calls)
            entry[f"batch_{batch_size}_us_per_item_before_export"] = _latency_us(calibrator, batch, calls)
        results[name] = entry
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-scores", type=int, default=10**7, help="scores to apply the maps to")
    parser.add_argument("--n-logits", type=int, default=10**6, help="logits to fit temperature scaling on")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per method; the best is kept")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    args = parser.parse_args()

    results = {
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "apply": bench_apply(args.n_scores, args.repeats, args.seed),
        "fit": bench_fit(args.n_logits, args.repeats, args.seed),
        "latency": bench_latency(args.seed),
    }

    apply, fit = results["apply"], results["fit"]
    print(f"apply a fitted map to {apply['n_scores']:,} scores ({apply['n_thresholds']} isotonic thresholds)")
    print(f"  {'method':<40}{'seconds':>10}{'peak MiB':>10}")
    for key, label in (("isotonic", "IsotonicCalibrator.predict_proba"),
                       ("binning", "HistogramBinningCalibrator.predict_proba"),
                       ("sklearn", "IsotonicRegression.predict (baseline)")):
        print(f"  {label:<40}{apply['seconds'][key]:>10.3f}{apply['peak_mib'][key]:>10.1f}")
    print(f"  ratio isotonic / scikit-learn: {apply['ratio_isotonic_vs_sklearn']:.3f} (target <= 1.0)")
    print(f"  ratio binning / scikit-learn isotonic: {apply['ratio_binning_vs_sklearn_isotonic']:.3f}")
    print(f"fit temperature scaling on {fit['n_logits']:,} logits")
    print(f"  TemperatureCalibrator.fit: {fit['seconds']['temperature_calibrator']:.3f} s (target < 1 s), "
          f"T = {fit['temperature']:.6f}")
    print(f"  minimize_scalar bounded (baseline): {fit['seconds']['minimize_scalar_bounded']:.3f} s, "
          f"T = {fit['baseline_temperature']:.6f}; ratio {fit['ratio_vs_minimize_scalar']:.3f}")
    print("latency of a calibrator read back from JSON (microseconds per item, median)")
    print(f"  {'calibrator':<22}{'JSON KiB':>10}{'batch 1':>10}{'(before)':>10}{'batch 1000':>12}{'(before)':>10}")
    for name, entry in results["latency"].items():
        print(f"  {name:<22}{entry['json_kib']:>10.1f}{entry['batch_1_us_per_item']:>10.2f}"
              f"{entry['batch_1_us_per_item_before_export']:>10.2f}{entry['batch_1000_us_per_item']:>12.4f}"
              f"{entry['batch_1000_us_per_item_before_export']:>10.4f}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
