"""Search evaluation with model judgements in place of, or beside, human labels.

- ``model_judged``: precision@k, DCG@k and NDCG@k of a ranking estimated from a relevance
  model's probabilities (the expectation under the model).
- ``ppi``: prediction-powered inference for a mean, which combines a small human-judged
  sample with model judgements on everything into an unbiased estimate and a confidence
  interval, with the human-only interval beside it.
"""

from casestudy.evaluation.model_judged import (
    HumanGap,
    ModelJudgedResult,
    compare_with_human,
    expected_dcg_at_k,
    expected_ndcg_at_k,
    expected_precision_at_k,
)
from casestudy.evaluation.ppi import MeanEstimate, classical_mean, ppi_mean, simulate_label_budgets

__all__ = [
    "HumanGap",
    "compare_with_human",
    "MeanEstimate",
    "classical_mean",
    "ppi_mean",
    "simulate_label_budgets",
    "ModelJudgedResult",
    "expected_dcg_at_k",
    "expected_ndcg_at_k",
    "expected_precision_at_k",
]
