"""casestudy: calibrating the confidence of large models in e-commerce search.

The package behind the book. Subpackages:

- ``casestudy.datasets``: loaders for the real query-product judgements (Home Depot and others).
- ``casestudy.splits``: query-grouped train / calibration / test splits.
- ``casestudy.models``: the BERT-family cross-encoder and the lexical baseline.
- ``casestudy.pipeline``: cached end-to-end scoring used by the notebooks.
- ``casestudy.calibration``: scikit-learn-style calibrators.
- ``casestudy.metrics``: calibration, scoring and ranking metrics with uncertainty.
- ``casestudy.plotting``: reliability diagrams and the book's figure style.
"""

__version__ = "0.1.0"
