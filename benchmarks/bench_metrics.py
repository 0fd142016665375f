"""Benchmark: 15-bin ECE with its reliability table against scikit-learn's calibration_curve.

Both sides get the same 10**7 seeded scores and labels (float64 probabilities, int64 labels)
and do their own input validation. ``casestudy`` computes the reliability table (counts, mean
predictions, observed rates, with empty bins kept) and the ECE from it. The baseline is
``sklearn.calibration.calibration_curve`` with the same 15 equal-width bins, which returns the
two rate arrays only. The time ratio is casestudy / scikit-learn, best of ``--repeats`` runs
each, interleaved; the target is a ratio of at most 1.0. Peak memory is measured in separate
runs with ``tracemalloc``, which records numpy's array allocations.

Run from the repository root:

    .venv/bin/python benchmarks/bench_metrics.py

It prints a table and writes ``benchmarks/results/metrics.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import time
import tracemalloc
from pathlib import Path

import numpy as np
import sklearn
from sklearn.calibration import calibration_curve

from casestudy.metrics import reliability_table

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "metrics.json"


def make_scores(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw Beta(2, 5) probabilities and labels from a miscalibrated curve p ** 0.8."""
    rng = np.random.default_rng(seed)
    y_prob = rng.beta(2.0, 5.0, size=n_samples)
    y_true = (rng.random(n_samples) < y_prob**0.8).astype(np.int64)
    return y_true, y_prob


def run_casestudy(y_true, y_prob, n_bins):
    table = reliability_table(y_true, y_prob, n_bins=n_bins)
    return table, table.ece()


def run_sklearn(y_true, y_prob, n_bins):
    return calibration_curve(y_true, y_prob, n_bins=n_bins)


def wall_time(function) -> float:
    """Return the wall time, in seconds, of one call of ``function()``."""
    gc.collect()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def peak_memory(function) -> int:
    """Return the peak traced allocation, in bytes, of one call of ``function()``."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=10**7, help="number of scores (default 10**7)")
    parser.add_argument("--n-bins", type=int, default=15, help="number of equal-width bins (default 15)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side; the best is kept (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic scores (default 0)")
    args = parser.parse_args()

    y_true, y_prob = make_scores(args.n_samples, args.seed)

    # Check once that both sides agree on the non-empty bins before timing them.
    table, ece = run_casestudy(y_true, y_prob, args.n_bins)
    prob_true, prob_pred = run_sklearn(y_true, y_prob, args.n_bins)
    non_empty = table.counts > 0
    max_difference = float(
        max(
            np.max(np.abs(table.observed_rate[non_empty] - prob_true)),
            np.max(np.abs(table.mean_predicted[non_empty] - prob_pred)),
        )
    )

    casestudy_times, sklearn_times = [], []
    for _ in range(args.repeats):
        casestudy_times.append(wall_time(lambda: run_casestudy(y_true, y_prob, args.n_bins)))
        sklearn_times.append(wall_time(lambda: run_sklearn(y_true, y_prob, args.n_bins)))
    casestudy_seconds = min(casestudy_times)
    sklearn_seconds = min(sklearn_times)

    casestudy_peak = peak_memory(lambda: run_casestudy(y_true, y_prob, args.n_bins))
    sklearn_peak = peak_memory(lambda: run_sklearn(y_true, y_prob, args.n_bins))

    mib = 2.0**20
    input_mib = (y_true.nbytes + y_prob.nbytes) / mib
    rows = [
        ("casestudy reliability_table + ece", casestudy_seconds, casestudy_peak / mib),
        ("sklearn calibration_curve", sklearn_seconds, sklearn_peak / mib),
    ]
    print(f"n_samples={args.n_samples:,}  n_bins={args.n_bins}  repeats={args.repeats}  input={input_mib:.0f} MiB")
    print(f"{'method':<36}{'best time (s)':>15}{'peak memory (MiB)':>20}")
    for name, seconds, peak in rows:
        print(f"{name:<36}{seconds:>15.3f}{peak:>20.1f}")
    ratio = casestudy_seconds / sklearn_seconds
    print(f"time ratio casestudy / sklearn: {ratio:.3f} (target <= 1.0)")
    print(f"memory ratio casestudy / sklearn: {casestudy_peak / sklearn_peak:.3f}")
    print(f"ECE = {ece:.6f}; largest difference from sklearn's rates: {max_difference:.2e}")

    results = {
        "benchmark": "ECE with its reliability table vs sklearn.calibration.calibration_curve",
        "n_samples": args.n_samples,
        "n_bins": args.n_bins,
        "repeats": args.repeats,
        "seed": args.seed,
        "casestudy_seconds": casestudy_seconds,
        "sklearn_seconds": sklearn_seconds,
        "time_ratio": ratio,
        "casestudy_peak_mib": casestudy_peak / mib,
        "sklearn_peak_mib": sklearn_peak / mib,
        "input_mib": input_mib,
        "ece": ece,
        "max_rate_difference": max_difference,
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS_PATH}")


if __name__ == "__main__":
    main()
