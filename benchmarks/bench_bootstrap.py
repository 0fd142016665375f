"""Benchmark: 1,000-resample query bootstrap of 15-bin ECE on the Home Depot test split.

Three ways of computing the same kind of interval, timed in one run on the same data:

- ``vectorised``: ``bootstrap_metric("expected_calibration_error", ..., query_id=...)``,
  which multiplies chunks of multinomial draw counts by a sparse per-query matrix of bin
  sums;
- ``loop``: the same function with ``method="loop"`` (same resamples, one index array and
  one full ECE call per resample);
- ``naive``: the usual hand-written baseline, which draws query indices with
  ``rng.integers``, concatenates the drawn queries' rows and calls
  ``expected_calibration_error`` on them, once per resample.

The time ratios are naive / vectorised and loop / vectorised (best of ``--repeats`` runs for
the vectorised path, one run for the loops). Peak memory comes from separate runs under
``tracemalloc`` (which traces numpy's allocations) and is set beside the size of the
(n_rows x n_resamples) index matrix that a fully vectorised gather would need.

Inputs (``--inputs``, both by default):

- ``pipeline``: the cross-encoder's test-split probabilities from
  ``casestudy.pipeline.score_home_depot(--profile)`` (default ``fast``: 150 test queries).
  This trains the model unless the pipeline cache has it.
- ``stand-in``: the whole Home Depot test split of ``split_by_query`` (real labels and query
  ids, about 18,500 pairs in about 2,950 queries) with a seeded stand-in score, because a
  full-profile model is too slow to train for a benchmark. The stand-in is
  ``sigmoid(2 * (relevance - 2.3) + N(0, 1))``. The bootstrap's cost depends on the number
  of rows, queries, bins and resamples, not on the score values.

Run from the repository root (the data loader needs ``CASESTUDY_DATA_MIRROR`` offline):

    .venv/bin/python benchmarks/bench_bootstrap.py

It prints a table per input and writes ``benchmarks/results/bootstrap.json``.
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
import scipy

from casestudy.metrics import expected_calibration_error
from casestudy.metrics.bootstrap import DEFAULT_CHUNK_ENTRIES, bootstrap_metric

RESULTS_PATH = Path(__file__).resolve().parent / "results" / "bootstrap.json"
MIB = 2.0**20


def load_pipeline_input(profile: str):
    """Return (description, y_true, y_prob, query_id) from the cross-encoder's test split."""
    from casestudy.pipeline import score_home_depot

    test = score_home_depot(profile).test
    description = f"cross-encoder probabilities, score_home_depot({profile!r}).test"
    return description, test["label"].to_numpy(), test["y_prob"].to_numpy(), test["query_id"].to_numpy()


def load_stand_in_input(seed: int):
    """Return (description, y_true, y_prob, query_id) for the whole test split with a stand-in score."""
    from casestudy.datasets import fetch_home_depot
    from casestudy.splits import split_by_query

    test = split_by_query(fetch_home_depot()).test
    rng = np.random.default_rng(seed)
    logit = 2.0 * (test["relevance"].to_numpy() - 2.3) + rng.normal(size=len(test))
    y_prob = 1.0 / (1.0 + np.exp(-logit))
    description = "whole split_by_query test split, stand-in score sigmoid(2 (relevance - 2.3) + N(0, 1))"
    return description, test["label"].to_numpy(), y_prob, test["query_id"].to_numpy()


def naive_query_bootstrap(y_true, y_prob, query_id, *, n_resamples, n_bins, seed, confidence_level=0.95):
    """Baseline: draw query indices, concatenate their rows, compute the ECE, once per resample."""
    distinct, codes = np.unique(query_id, return_inverse=True)
    order = np.argsort(codes, kind="stable")
    boundaries = np.cumsum(np.bincount(codes))
    rows_of_query = np.split(order, boundaries[:-1])

    rng = np.random.default_rng(seed)
    values = np.empty(n_resamples)
    for index in range(n_resamples):
        drawn = rng.integers(0, len(distinct), size=len(distinct))
        rows = np.concatenate([rows_of_query[query] for query in drawn])
        values[index] = expected_calibration_error(y_true[rows], y_prob[rows], n_bins=n_bins)
    alpha = 1.0 - confidence_level
    lower, upper = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(lower), float(upper)


def wall_time(function) -> tuple[float, object]:
    """Return (seconds, result) of one call of ``function()``."""
    gc.collect()
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def peak_memory(function) -> int:
    """Return the peak traced allocation, in bytes, of one call of ``function()``."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def run_input(name, description, y_true, y_prob, query_id, args) -> dict:
    """Time and measure the three bootstrap variants on one input and print a table."""
    n_queries = len(np.unique(query_id))
    options = {"query_id": query_id, "n_resamples": args.n_resamples, "seed": args.seed, "progress": False}

    def vectorised():
        return bootstrap_metric("expected_calibration_error", y_true, y_prob, n_bins=args.n_bins, **options)

    def loop():
        return bootstrap_metric("expected_calibration_error", y_true, y_prob, n_bins=args.n_bins, method="loop", **options)

    def naive():
        return naive_query_bootstrap(
            y_true, y_prob, query_id, n_resamples=args.n_resamples, n_bins=args.n_bins, seed=args.seed
        )

    vectorised_runs = [wall_time(vectorised) for _ in range(args.repeats)]
    vectorised_seconds = min(seconds for seconds, _ in vectorised_runs)
    result = vectorised_runs[0][1]
    loop_seconds, loop_result = wall_time(loop)
    naive_seconds, naive_interval = wall_time(naive)

    # The loop path draws the same resamples, so its values must agree to rounding error.
    max_path_difference = float(np.max(np.abs(result.resamples - loop_result.resamples)))

    vectorised_peak = peak_memory(vectorised)
    naive_peak = peak_memory(naive)
    index_matrix_mib = len(y_true) * args.n_resamples * 8 / MIB

    print(f"\n[{name}] {description}")
    print(f"rows={len(y_true):,}  queries={n_queries:,}  n_bins={args.n_bins}  n_resamples={args.n_resamples}")
    print(f"{'method':<12}{'time (s)':>10}{'peak memory (MiB)':>20}")
    print(f"{'vectorised':<12}{vectorised_seconds:>10.3f}{vectorised_peak / MIB:>20.1f}")
    print(f"{'loop':<12}{loop_seconds:>10.3f}{'':>20}")
    print(f"{'naive':<12}{naive_seconds:>10.3f}{naive_peak / MIB:>20.1f}")
    print(f"time ratio naive / vectorised: {naive_seconds / vectorised_seconds:.1f}")
    print(f"time ratio loop / vectorised: {loop_seconds / vectorised_seconds:.1f}")
    print(f"an int64 (rows x resamples) index matrix would take {index_matrix_mib:.0f} MiB")
    print(
        f"ECE = {result.estimate:.4f}, 95% interval [{result.lower:.4f}, {result.upper:.4f}] "
        f"(naive, other draws: [{naive_interval[0]:.4f}, {naive_interval[1]:.4f}])"
    )
    print(f"largest difference vectorised vs loop resamples: {max_path_difference:.1e}")

    return {
        "description": description,
        "n_rows": len(y_true),
        "n_queries": n_queries,
        "vectorised_seconds": vectorised_seconds,
        "loop_seconds": loop_seconds,
        "naive_seconds": naive_seconds,
        "time_ratio_naive_over_vectorised": naive_seconds / vectorised_seconds,
        "time_ratio_loop_over_vectorised": loop_seconds / vectorised_seconds,
        "vectorised_peak_mib": vectorised_peak / MIB,
        "naive_peak_mib": naive_peak / MIB,
        "index_matrix_mib": index_matrix_mib,
        "ece": result.estimate,
        "interval": [result.lower, result.upper],
        "naive_interval": list(naive_interval),
        "max_vectorised_loop_difference": max_path_difference,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--inputs", nargs="+", choices=("pipeline", "stand-in"), default=["pipeline", "stand-in"],
        help="which inputs to benchmark (default: both)",
    )
    parser.add_argument("--profile", default="fast", help="pipeline profile for the 'pipeline' input (default fast)")
    parser.add_argument("--n-resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--n-bins", type=int, default=15, help="equal-width bins (default 15)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the vectorised path; the best is kept (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the resampling and of the stand-in score (default 0)")
    args = parser.parse_args()

    results = {
        "benchmark": "query bootstrap of 15-bin ECE: vectorised vs loop vs naive loop",
        "n_resamples": args.n_resamples,
        "n_bins": args.n_bins,
        "repeats": args.repeats,
        "seed": args.seed,
        "default_chunk_entries": DEFAULT_CHUNK_ENTRIES,
        "inputs": {},
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
    }
    for name in args.inputs:
        if name == "pipeline":
            loaded = load_pipeline_input(args.profile)
        else:
            loaded = load_stand_in_input(args.seed)
        results["inputs"][name] = run_input(name, *loaded, args)

    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {RESULTS_PATH}")


if __name__ == "__main__":
    main()
