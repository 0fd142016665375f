"""Tests of casestudy.models.CrossEncoder on a tiny randomly initialised BERT.

The tiny encoder (2 layers, hidden size 32) uses the real all-MiniLM-L6-v2 tokenizer from
the installed package, so tokenization and padding are the real ones while training takes
well under a second. Only the tests marked ``slow`` load the real 22M-parameter weights.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss

from casestudy.models import CrossEncoder, default_backbone_path

TINY_BERT = {
    "model_type": "bert",
    "vocab_size": 30522,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 128,
}

PRODUCTS = ["drill", "hammer", "hose", "ladder", "faucet", "mulch", "paint", "shovel"]


def separable_pairs():
    """Pairs whose label is 1 exactly when the title names the product of the query.

    The irrelevant titles also share the words "spare parts", a cue that a tiny model
    learns within a few epochs.
    """
    queries, titles, labels = [], [], []
    for i, product in enumerate(PRODUCTS):
        other = PRODUCTS[(i + 3) % len(PRODUCTS)]
        queries += [product, product]
        titles += [f"heavy duty {product} for the home", f"{other} spare parts"]
        labels += [1, 0]
    return queries, titles, np.array(labels)


def tiny_encoder(**overrides) -> CrossEncoder:
    settings = {
        "batch_size": 4,
        "learning_rate": 3e-3,
        "n_epochs": 30,
        "warmup_fraction": 0.0,
        "freeze_word_embeddings": False,
        "eval_every": 10,
        "num_threads": 1,
        "progress": False,
        "seed": 0,
    }
    settings.update(overrides)
    return CrossEncoder(TINY_BERT, **settings)


@pytest.fixture(scope="module")
def fitted():
    queries, titles, labels = separable_pairs()
    return tiny_encoder().fit(queries, titles, labels, eval_set=(queries[:4], titles[:4], labels[:4]))


def test_fit_reduces_log_loss(fitted):
    queries, titles, labels = separable_pairs()
    loss = log_loss(labels, fitted.predict_proba(queries, titles))
    # A constant prediction of 0.5 has a log loss of ln 2 on any labels.
    assert loss < 0.5 * math.log(2)


def test_fit_returns_self():
    queries, titles, labels = separable_pairs()
    encoder = tiny_encoder(n_epochs=1)
    assert encoder.fit(queries, titles, labels) is encoder


def test_init_stores_hyperparameters_unchanged():
    encoder = CrossEncoder(TINY_BERT, batch_size=7, learning_rate=0.5, num_threads=None)
    assert encoder.backbone is TINY_BERT
    assert encoder.batch_size == 7
    assert encoder.learning_rate == 0.5
    assert encoder.num_threads is None


def test_history_columns(fitted):
    assert list(fitted.history_.columns) == ["step", "epoch", "learning_rate", "train_loss", "val_loss"]


def test_history_one_row_per_step(fitted):
    # 16 pairs in batches of 4 for 30 epochs, plus the row for step 0.
    assert fitted.history_["step"].tolist() == list(range(0, 4 * 30 + 1))


def test_history_val_loss_every_eval_every_steps(fitted):
    evaluated = fitted.history_.loc[fitted.history_["val_loss"].notna(), "step"].tolist()
    assert evaluated == list(range(0, 121, 10))


def test_history_val_loss_matches_log_loss(fitted):
    queries, titles, labels = separable_pairs()
    expected = log_loss(labels[:4], fitted.predict_proba(queries[:4], titles[:4]), labels=[0, 1])
    assert fitted.history_["val_loss"].iloc[-1] == pytest.approx(expected, rel=1e-6)


def test_history_epoch_ends_at_n_epochs(fitted):
    assert fitted.history_["epoch"].iloc[-1] == pytest.approx(30.0)


def test_history_without_eval_set_is_nan():
    queries, titles, labels = separable_pairs()
    encoder = tiny_encoder(n_epochs=1).fit(queries, titles, labels)
    assert encoder.history_["val_loss"].isna().all()


def test_learning_rate_warms_up_then_decays():
    queries, titles, labels = separable_pairs()
    encoder = tiny_encoder(n_epochs=5, warmup_fraction=0.25, learning_rate=1e-3).fit(queries, titles, labels)
    rates = encoder.history_["learning_rate"].to_numpy()[1:]
    # 20 steps, 5 of warm-up: the rate climbs by 1e-3 / 5 per step, then falls by 1e-3 / 15.
    expected = [1e-3 * step / 5 for step in range(5)] + [1e-3 * (20 - step) / 15 for step in range(5, 20)]
    np.testing.assert_allclose(rates, expected, rtol=1e-9, atol=1e-12)


def test_predict_logits_keeps_input_order(fitted):
    queries, titles, _ = separable_pairs()
    titles = [title + " extra words" * (i % 4) for i, title in enumerate(titles)]
    batched = fitted.predict_logits(queries, titles)
    one_by_one = [fitted.predict_logits([q], [t])[0] for q, t in zip(queries, titles)]
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-5, atol=1e-5)


def test_predict_logits_shape(fitted):
    queries, titles, _ = separable_pairs()
    assert fitted.predict_logits(queries, titles).shape == (len(queries),)


def test_predict_proba_is_sigmoid_of_logits(fitted):
    queries, titles, _ = separable_pairs()
    logits = fitted.predict_logits(queries, titles)
    expected = [1.0 / (1.0 + math.exp(-value)) for value in logits]
    np.testing.assert_allclose(fitted.predict_proba(queries, titles), expected, rtol=1e-12)


def test_same_seed_identical_weights():
    queries, titles, labels = separable_pairs()
    first = tiny_encoder(n_epochs=2).fit(queries, titles, labels).model_.state_dict()
    second = tiny_encoder(n_epochs=2).fit(queries, titles, labels).model_.state_dict()
    assert all(torch.equal(first[name], second[name]) for name in first)


def test_other_seed_other_weights():
    queries, titles, labels = separable_pairs()
    first = tiny_encoder(n_epochs=2, seed=0).fit(queries, titles, labels).model_.state_dict()
    second = tiny_encoder(n_epochs=2, seed=1).fit(queries, titles, labels).model_.state_dict()
    assert not torch.equal(first["classifier.weight"], second["classifier.weight"])


def test_frozen_word_embeddings_unchanged():
    queries, titles, labels = separable_pairs()
    encoder = tiny_encoder(n_epochs=1, freeze_word_embeddings=True)
    torch.manual_seed(encoder.seed)
    encoder.fit(queries, titles, labels)
    reference = CrossEncoder(TINY_BERT, seed=0)
    torch.manual_seed(0)
    initial = reference._build_model().get_input_embeddings().weight
    assert torch.equal(encoder.model_.get_input_embeddings().weight, initial)


@pytest.mark.parametrize("group_by_length", [True, False])
def test_training_batches_cover_each_pair_once(group_by_length):
    encoder = tiny_encoder(batch_size=3, group_by_length=group_by_length)
    pairs = [([101] * length, [0] * length) for length in np.arange(200) % 17 + 3]
    batches = encoder._training_batches(pairs, np.random.default_rng(0))
    assert sorted(np.concatenate(batches).tolist()) == list(range(200))
    assert len(batches) == math.ceil(200 / 3)


def test_training_batches_grouped_by_length():
    pairs = [([101] * length, [0] * length) for length in np.arange(3200) % 17 + 3]
    grouped = tiny_encoder(batch_size=32)._training_batches(pairs, np.random.default_rng(0))
    shuffled = tiny_encoder(batch_size=32, group_by_length=False)._training_batches(pairs, np.random.default_rng(0))
    widths = {name: np.mean([max(len(pairs[i][0]) for i in batch) for batch in batches]) for name, batches in [("grouped", grouped), ("shuffled", shuffled)]}
    # Lengths run from 3 to 19: random batches of 32 almost always contain a 19.
    assert widths["grouped"] < 0.8 * widths["shuffled"]


def test_head_learning_rate_moves_head_only():
    queries, titles, labels = separable_pairs()
    encoder = tiny_encoder(n_epochs=1, learning_rate=1e-12, head_learning_rate=1e-2)
    encoder.fit(queries, titles, labels)
    torch.manual_seed(0)
    initial = CrossEncoder(TINY_BERT)._build_model().state_dict()
    final = encoder.model_.state_dict()
    encoder_change = (final["bert.encoder.layer.0.attention.self.query.weight"] - initial["bert.encoder.layer.0.attention.self.query.weight"]).abs().max()
    head_change = (final["classifier.weight"] - initial["classifier.weight"]).abs().max()
    assert encoder_change < 1e-9
    assert head_change > 1e-3


def test_fit_restores_thread_count():
    queries, titles, labels = separable_pairs()
    before = torch.get_num_threads()
    tiny_encoder(n_epochs=1, num_threads=1).fit(queries, titles, labels)
    assert torch.get_num_threads() == before


def test_save_load_identical_logits(fitted, tmp_path):
    queries, titles, _ = separable_pairs()
    fitted.save(tmp_path / "model")
    loaded = CrossEncoder.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict_logits(queries, titles), fitted.predict_logits(queries, titles))


def test_save_writes_safetensors_only(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    names = {path.name for path in folder.iterdir()}
    assert "model.safetensors" in names
    assert not {name for name in names if name.endswith((".bin", ".pt", ".pth", ".pkl"))}


def test_load_keeps_hyperparameters(fitted, tmp_path):
    loaded = CrossEncoder.load(fitted.save(tmp_path / "model"))
    assert loaded.get_params() == fitted.get_params()


def test_load_keeps_history(fitted, tmp_path):
    loaded = CrossEncoder.load(fitted.save(tmp_path / "model"))
    np.testing.assert_allclose(loaded.history_["train_loss"], fitted.history_["train_loss"], equal_nan=True)


def test_load_missing_settings_raises(tmp_path):
    with pytest.raises(ValueError, match="cross_encoder.json not found"):
        CrossEncoder.load(tmp_path)


def test_default_backbone_path_has_weights():
    assert (default_backbone_path() / "model.safetensors").is_file()


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("queries", "titles", "labels", "message"),
    [
        ("drill", ["a"], [1], "queries must be a sequence of strings"),
        (["drill"], ["a", "b"], [1, 0], "same length"),
        (["drill", "hose"], ["a", "b"], [1, 2], "only the labels 0 and 1"),
        ([], [], [], "queries is empty"),
        (["drill", 3], ["a", "b"], [1, 0], "position 1 contains 3"),
        (["drill", "hose"], ["a", None], [1, 0], "titles must contain only strings"),
        (["drill", "hose"], ["a", "b"], [1, np.nan], r"got \[nan\]"),
    ],
)
def test_fit_bad_input_raises(queries, titles, labels, message):
    with pytest.raises(ValueError, match=message):
        tiny_encoder(n_epochs=1).fit(queries, titles, labels)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("batch_size", 0, "batch_size must be an integer >= 1; got 0"),
        ("n_epochs", 1.5, "n_epochs must be an integer >= 1; got 1.5"),
        ("max_length", True, "max_length must be an integer >= 1; got True"),
        ("eval_every", -1, "eval_every must be an integer >= 1"),
        ("predict_batch_size", 0, "predict_batch_size must be an integer >= 1"),
        ("learning_rate", 0.0, "learning_rate must be > 0; got 0.0"),
        ("head_learning_rate", -1.0, "head_learning_rate must be None or > 0; got -1.0"),
        ("warmup_fraction", 1.0, r"warmup_fraction must be in \[0, 1\); got 1.0"),
        ("weight_decay", -0.1, "weight_decay must be >= 0"),
        ("max_grad_norm", 0.0, "max_grad_norm must be > 0"),
        ("num_threads", 0, "num_threads must be None or an integer >= 1; got 0"),
    ],
)
def test_fit_bad_hyperparameter_raises(setting, value, message):
    queries, titles, labels = separable_pairs()
    with pytest.raises(ValueError, match=message):
        tiny_encoder(**{setting: value}).fit(queries, titles, labels)


def test_fit_eval_set_wrong_size_raises():
    queries, titles, labels = separable_pairs()
    with pytest.raises(ValueError, match="eval_set must be a tuple"):
        tiny_encoder(n_epochs=1).fit(queries, titles, labels, eval_set=(queries, titles))


def test_fit_eval_set_bad_labels_raises():
    queries, titles, labels = separable_pairs()
    with pytest.raises(ValueError, match="eval_set y must contain only the labels 0 and 1"):
        tiny_encoder(n_epochs=1).fit(queries, titles, labels, eval_set=(queries, titles, labels + 1))


def test_backbone_mapping_without_model_type_raises():
    queries, titles, labels = separable_pairs()
    config = {key: value for key, value in TINY_BERT.items() if key != "model_type"}
    with pytest.raises(ValueError, match="needs a 'model_type' key"):
        CrossEncoder(config, progress=False).fit(queries, titles, labels)


def test_backbone_wrong_type_raises():
    queries, titles, labels = separable_pairs()
    with pytest.raises(ValueError, match="got int"):
        CrossEncoder(42, progress=False).fit(queries, titles, labels)


def test_predict_before_fit_raises():
    with pytest.raises(ValueError, match="not fitted yet"):
        CrossEncoder(TINY_BERT).predict_logits(["drill"], ["cordless drill"])


def test_predict_length_mismatch_raises(fitted):
    with pytest.raises(ValueError, match="queries has 1, titles has 2"):
        fitted.predict_logits(["drill"], ["a", "b"])


def test_save_before_fit_raises(tmp_path):
    with pytest.raises(ValueError, match="not fitted yet"):
        CrossEncoder(TINY_BERT).save(tmp_path)


# --- the real weights -----------------------------------------------------------------------


@pytest.mark.slow
def test_real_backbone_fits_and_scores(tmp_path):
    queries, titles, labels = separable_pairs()
    encoder = CrossEncoder(batch_size=8, n_epochs=1, progress=False, num_threads=2)
    encoder.fit(queries, titles, labels)
    folder = encoder.save(tmp_path / "model")
    logits = CrossEncoder.load(folder).predict_logits(queries, titles)
    np.testing.assert_array_equal(logits, encoder.predict_logits(queries, titles))
