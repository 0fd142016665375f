"""Relevance models for (query, product title) pairs.

- :class:`CrossEncoder`: a BERT-family cross-encoder fine-tuned on the CPU.
- :class:`TfidfScorer`: the pipeline's default lexical baseline, cosine similarity of
  character n-gram TF-IDF vectors fitted on the training titles.
- :class:`BM25Scorer`: the other lexical baseline, Okapi BM25 with corpus statistics
  from the training titles.
"""

from casestudy.models.cross_encoder import (
    CrossEncoder,
    default_backbone_path,
    resolve_num_threads,
    seed_everything,
)
from casestudy.models.lexical import BM25Scorer, TfidfScorer, tokenize

__all__ = [
    "BM25Scorer",
    "CrossEncoder",
    "TfidfScorer",
    "default_backbone_path",
    "resolve_num_threads",
    "seed_everything",
    "tokenize",
]
