"""The lexical baselines: Okapi BM25 and TF-IDF cosine between a query and a product title.

BM25 scores a document ``d`` for a query ``q`` as::

    sum over query tokens t of  idf(t) * f(t, d) * (k1 + 1) / (f(t, d) + k1 * (1 - b + b * |d| / avgdl))

where ``f(t, d)`` is the count of ``t`` in ``d``, ``|d|`` the document length in tokens,
``avgdl`` the mean length over the corpus and ``idf(t) = log((N - n_t + 0.5) / (n_t + 0.5))``
with ``N`` documents of which ``n_t`` contain ``t``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

import numpy as np
from rank_bm25 import BM25Okapi

from casestudy._validation import check_same_length
from casestudy.models.cross_encoder import _check_texts

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Split a text into lower-case runs of ASCII letters and digits.

    Parameters
    ----------
    text : str
        Query or title.

    Returns
    -------
    list of str
        Tokens in order of appearance.

    Examples
    --------
    >>> tokenize("Simpson Strong-Tie 12-Gauge Angle")
    ['simpson', 'strong', 'tie', '12', 'gauge', 'angle']
    """
    return _TOKEN.findall(text.lower())


class BM25Scorer:
    """Score (query, title) pairs with Okapi BM25, using corpus statistics from training titles.

    The document frequencies and the mean title length come from the titles passed to
    :meth:`fit`, which should be the product titles of the training split only: the
    scores of calibration and test pairs then use no statistics of those splits, as in a
    deployed index whose statistics were computed beforehand.

    ``rank_bm25`` computes the corpus statistics. Its ``get_scores`` scores a query
    against every document of the fitted corpus, but the case study needs the score of
    one given title per pair, and calibration and test titles are not in the corpus.
    So :meth:`score` applies the BM25 formula to each pair itself, with ``rank_bm25``'s
    ``idf``, ``avgdl``, ``k1`` and ``b``.

    Parameters
    ----------
    k1 : float, default=1.5
        Term-frequency saturation.
    b : float, default=0.75
        Strength of the length normalisation, from 0 (none) to 1 (full).
    epsilon : float, default=0.25
        ``rank_bm25``'s floor for tokens in more than half of the documents, whose
        formula idf is negative: they get ``epsilon`` times the mean idf instead.

    Attributes
    ----------
    idf_ : dict of str to float
        Inverse document frequency of each token seen in the fitted titles. Tokens never
        seen in them contribute 0 to a score.
    avgdl_ : float
        Mean number of tokens per fitted title.
    n_documents_ : int
        Number of fitted titles (duplicates included).

    References
    ----------
    S. E. Robertson and H. Zaragoza, "The Probabilistic Relevance Framework: BM25 and
    Beyond", Foundations and Trends in Information Retrieval 3(4), 2009.

    Examples
    --------
    >>> scorer = BM25Scorer().fit(["cordless drill", "garden hose", "drill bit set"])
    >>> scores = scorer.score(["drill", "drill"], ["cordless drill", "garden hose"])
    >>> bool(scores[0] > scores[1] == 0.0)
    True
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon

    def fit(self, titles) -> "BM25Scorer":
        """Compute document frequencies and the mean title length.

        Parameters
        ----------
        titles : sequence of str
            Corpus of product titles, normally those of the training split.

        Returns
        -------
        self : BM25Scorer
            The fitted scorer.
        """
        if not self.k1 >= 0:
            raise ValueError(f"k1 must be >= 0; got {self.k1!r}")
        if not 0 <= self.b <= 1:
            raise ValueError(f"b must be in [0, 1]; got {self.b!r}")
        titles = _check_texts(titles, "titles")
        corpus = [tokenize(title) for title in titles]
        if not any(corpus):
            raise ValueError("titles contain no tokens (letters or digits); BM25 needs a non-empty corpus")

        bm25 = BM25Okapi(corpus, k1=self.k1, b=self.b, epsilon=self.epsilon)
        self.idf_ = dict(bm25.idf)
        self.avgdl_ = float(bm25.avgdl)
        self.n_documents_ = int(bm25.corpus_size)
        logger.info("BM25 fitted on %d titles, %d distinct tokens", self.n_documents_, len(self.idf_))
        return self

    def score(self, queries, titles) -> np.ndarray:
        """Compute the BM25 score of each title for the query at the same position.

        A query token that occurs twice counts twice, as in ``rank_bm25``.

        Parameters
        ----------
        queries : sequence of str of length n
            Search queries.
        titles : sequence of str of length n
            Product titles, paired with ``queries`` by position.

        Returns
        -------
        ndarray of shape (n,)
            Non-negative scores; higher means more lexical overlap. They are not
            probabilities and are comparable only within the fitted corpus statistics.
        """
        if not hasattr(self, "idf_"):
            raise ValueError("This BM25Scorer is not fitted yet; call fit with the training titles first")
        queries = _check_texts(queries, "queries")
        titles = _check_texts(titles, "titles")
        check_same_length(queries=queries, titles=titles)

        scores = np.zeros(len(queries), dtype=np.float64)
        for i, (query, title) in enumerate(zip(queries, titles)):
            document = tokenize(title)
            counts = Counter(document)
            norm = self.k1 * (1.0 - self.b + self.b * len(document) / self.avgdl_)
            for token in tokenize(query):
                frequency = counts.get(token, 0)
                if frequency:
                    idf = self.idf_.get(token, 0.0)
                    scores[i] += idf * frequency * (self.k1 + 1.0) / (frequency + norm)
        return scores


class TfidfScorer:
    """Score (query, title) pairs by the cosine similarity of their TF-IDF vectors.

    The vocabulary and the idf weights come from the titles passed to :meth:`fit`, which
    should be the product titles of the training split only, for the same reason as in
    :class:`BM25Scorer`. By default the features are character n-grams within word
    boundaries, which match misspelt queries ("drils") and joined measurements ("2x4")
    that whole-word tokens miss.

    Parameters
    ----------
    analyzer : {"char_wb", "word", "char"}, default="char_wb"
        Passed to :class:`sklearn.feature_extraction.text.TfidfVectorizer`.
    ngram_range : tuple of int, default=(3, 5)
        Smallest and largest n-gram length.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` in place of raw counts.

    Attributes
    ----------
    vectorizer_ : sklearn.feature_extraction.text.TfidfVectorizer
        The fitted vectorizer (l2-normalised rows, so a dot product is a cosine).

    Examples
    --------
    >>> scorer = TfidfScorer().fit(["cordless drill", "garden hose", "drill bit set"])
    >>> scores = scorer.score(["drill", "drill"], ["cordless drill", "garden hose"])
    >>> bool(scores[0] > scores[1])
    True
    """

    def __init__(self, analyzer: str = "char_wb", ngram_range: tuple[int, int] = (3, 5), sublinear_tf: bool = True):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.sublinear_tf = sublinear_tf

    def fit(self, titles) -> "TfidfScorer":
        """Learn the vocabulary and idf weights from a corpus of titles.

        Parameters
        ----------
        titles : sequence of str
            Corpus of product titles, normally those of the training split.

        Returns
        -------
        self : TfidfScorer
            The fitted scorer.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        if self.analyzer not in ("char_wb", "word", "char"):
            raise ValueError(f"analyzer must be 'char_wb', 'word' or 'char'; got {self.analyzer!r}")
        titles = _check_texts(titles, "titles")
        self.vectorizer_ = TfidfVectorizer(
            analyzer=self.analyzer, ngram_range=tuple(self.ngram_range), sublinear_tf=self.sublinear_tf
        )
        self.vectorizer_.fit(titles)
        logger.info("TF-IDF fitted on %d titles, %d features", len(titles), len(self.vectorizer_.vocabulary_))
        return self

    def score(self, queries, titles) -> np.ndarray:
        """Compute the cosine similarity of each query with the title at the same position.

        Parameters
        ----------
        queries : sequence of str of length n
            Search queries.
        titles : sequence of str of length n
            Product titles, paired with ``queries`` by position.

        Returns
        -------
        ndarray of shape (n,)
            Cosine similarities in [0, 1]; 0 when the two texts share no feature.
        """
        if not hasattr(self, "vectorizer_"):
            raise ValueError("This TfidfScorer is not fitted yet; call fit with the training titles first")
        queries = _check_texts(queries, "queries")
        titles = _check_texts(titles, "titles")
        check_same_length(queries=queries, titles=titles)
        query_vectors = self.vectorizer_.transform(queries)
        title_vectors = self.vectorizer_.transform(titles)
        return np.asarray(query_vectors.multiply(title_vectors).sum(axis=1), dtype=np.float64).ravel()
