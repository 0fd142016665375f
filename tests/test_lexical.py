"""Tests of the lexical baselines: BM25Scorer, TfidfScorer and tokenize."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from casestudy.models import BM25Scorer, TfidfScorer, tokenize

# Three titles of 2, 2 and 3 tokens: N = 3, avgdl = 7 / 3.
CORPUS = ["Red Drill", "blue hose", "red hose reel"]
K1, B = 1.5, 0.75
AVGDL = 7 / 3


def bm25_term(idf: float, frequency: int, length: int) -> float:
    """One query token's BM25 contribution, written out from the formula."""
    return idf * frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length / AVGDL))


@pytest.fixture(scope="module")
def bm25():
    return BM25Scorer(k1=K1, b=B, epsilon=0.25).fit(CORPUS)


def test_tokenize_lowercases_and_splits():
    assert tokenize("DeWalt 20-Volt MAX drill/driver") == ["dewalt", "20", "volt", "max", "drill", "driver"]


def test_tokenize_drops_non_ascii():
    assert tokenize("caf\u00e9 2x4 \u00bd in.") == ["caf", "2x4", "in"]


def test_bm25_hand_worked_score(bm25):
    # "drill" is in 1 of 3 titles: idf = ln((3 - 1 + 0.5) / (1 + 0.5)) = ln(5/3).
    expected = bm25_term(math.log(5 / 3), 1, 2)
    assert bm25.score(["drill"], ["red drill"])[0] == pytest.approx(expected, rel=1e-12)


def test_bm25_frequent_token_gets_epsilon_idf(bm25):
    # "red" is in 2 of 3 titles, so ln(1.5 / 2.5) < 0 and rank_bm25 uses 0.25 times the
    # mean idf over the 5 corpus tokens: three of ln(5/3) (drill, blue, reel) and two of
    # ln(0.6) (red, hose).
    mean_idf = (3 * math.log(5 / 3) + 2 * math.log(0.6)) / 5
    expected = bm25_term(0.25 * mean_idf, 1, 3)
    assert bm25.score(["red"], ["red hose reel"])[0] == pytest.approx(expected, rel=1e-12)


def test_bm25_title_outside_corpus(bm25):
    # A title that is not in the corpus is scored with the corpus statistics: tf = 2, length 3.
    expected = bm25_term(math.log(5 / 3), 2, 3)
    assert bm25.score(["drill"], ["drill drill press"])[0] == pytest.approx(expected, rel=1e-12)


def test_bm25_unknown_token_scores_zero(bm25):
    assert bm25.score(["ladder"], ["ladder"])[0] == 0.0


def test_bm25_repeated_query_token_counts_twice(bm25):
    single = bm25.score(["drill"], ["red drill"])[0]
    assert bm25.score(["drill drill"], ["red drill"])[0] == pytest.approx(2 * single, rel=1e-12)


def test_bm25_matches_rank_bm25_on_corpus(bm25):
    query = "red hose drill"
    reference = BM25Okapi([tokenize(title) for title in CORPUS], k1=K1, b=B, epsilon=0.25)
    expected = reference.get_scores(tokenize(query))
    np.testing.assert_allclose(bm25.score([query] * 3, CORPUS), expected, rtol=1e-12)


def test_bm25_fitted_attributes(bm25):
    assert bm25.n_documents_ == 3
    assert bm25.avgdl_ == pytest.approx(AVGDL)
    assert bm25.idf_["drill"] == pytest.approx(math.log(5 / 3))


def test_bm25_fit_returns_self():
    scorer = BM25Scorer()
    assert scorer.fit(CORPUS) is scorer


def test_tfidf_matches_cosine_similarity():
    queries = ["red drill", "hose", "reel red"]
    titles = ["red drill", "blue hose", "drill"]
    scorer = TfidfScorer().fit(CORPUS)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit(CORPUS)
    expected = np.diag(cosine_similarity(vectorizer.transform(queries), vectorizer.transform(titles)))
    np.testing.assert_allclose(scorer.score(queries, titles), expected, rtol=1e-12)


def test_tfidf_identical_text_scores_one():
    scorer = TfidfScorer().fit(CORPUS)
    assert scorer.score(["blue hose"], ["blue hose"])[0] == pytest.approx(1.0)


def test_tfidf_disjoint_text_scores_zero():
    scorer = TfidfScorer().fit(CORPUS)
    assert scorer.score(["drill"], ["blue hose"])[0] == 0.0


def test_tfidf_word_analyzer_hand_worked():
    # Word features, idf from the corpus (smooth_idf): idf(t) = ln((1 + 3) / (1 + df)) + 1.
    # Query "red drill" = (idf_red, idf_drill) normalised; title "red" = (1, 0).
    idf_red, idf_drill = math.log(4 / 3) + 1, math.log(4 / 2) + 1
    expected = idf_red / math.hypot(idf_red, idf_drill)
    scorer = TfidfScorer(analyzer="word", ngram_range=(1, 1), sublinear_tf=False).fit(CORPUS)
    assert scorer.score(["red drill"], ["red"])[0] == pytest.approx(expected, rel=1e-12)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("scorer_class", [BM25Scorer, TfidfScorer])
def test_score_before_fit_raises(scorer_class):
    with pytest.raises(ValueError, match="not fitted yet"):
        scorer_class().score(["drill"], ["red drill"])


@pytest.mark.parametrize("scorer_class", [BM25Scorer, TfidfScorer])
def test_score_length_mismatch_raises(scorer_class):
    scorer = scorer_class().fit(CORPUS)
    with pytest.raises(ValueError, match="queries has 2, titles has 1"):
        scorer.score(["drill", "hose"], ["red drill"])


@pytest.mark.parametrize("scorer_class", [BM25Scorer, TfidfScorer])
def test_score_single_string_raises(scorer_class):
    scorer = scorer_class().fit(CORPUS)
    with pytest.raises(ValueError, match="queries must be a sequence of strings, not a single string"):
        scorer.score("drill", ["red drill"])


@pytest.mark.parametrize("scorer_class", [BM25Scorer, TfidfScorer])
def test_fit_non_string_raises(scorer_class):
    with pytest.raises(ValueError, match="position 1 contains nan"):
        scorer_class().fit(["red drill", float("nan")])


@pytest.mark.parametrize("scorer_class", [BM25Scorer, TfidfScorer])
def test_fit_empty_raises(scorer_class):
    with pytest.raises(ValueError, match="titles is empty"):
        scorer_class().fit([])


def test_bm25_fit_without_tokens_raises():
    with pytest.raises(ValueError, match="titles contain no tokens"):
        BM25Scorer().fit(["--", "!!"])


@pytest.mark.parametrize(("setting", "value", "message"), [("k1", -1.0, "k1 must be >= 0"), ("b", 1.5, r"b must be in \[0, 1\]; got 1.5")])
def test_bm25_bad_parameter_raises(setting, value, message):
    with pytest.raises(ValueError, match=message):
        BM25Scorer(**{setting: value}).fit(CORPUS)


def test_tfidf_bad_analyzer_raises():
    with pytest.raises(ValueError, match="analyzer must be 'char_wb', 'word' or 'char'; got 'letters'"):
        TfidfScorer(analyzer="letters").fit(CORPUS)
