"""Loader for the Home Depot Product Search Relevance judgements (Kaggle, 2016).

The download URL is the module attribute :data:`HOME_DEPOT_URL`, read each time
:func:`fetch_home_depot` runs, so tests can point it at a local server with
``monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", ...)``.
"""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from casestudy.datasets._fetch import DEFAULT_TIMEOUT, RemoteFile, fetch_file

logger = logging.getLogger(__name__)

HOME_DEPOT_URL = (
    "https://raw.githubusercontent.com/BenjaminBenHarosh/home-depot-search-analysis/"
    "52b48d02a9294fb66ccc16100947ab8769f758af/home-depot-product-search-relevance/train.csv.zip"
)
"""Pinned public URL of ``train.csv.zip``. The file was removed in later commits of that
repository, so the URL names the commit. Reassign it to download from elsewhere."""

HOME_DEPOT_SHA256 = "6d36aa78814efdabbee7ec5b59344b72ee21dcdbc5b26a9164da2c300168e824"

HOME_DEPOT_FOLDER = "home-depot"
HOME_DEPOT_FILENAME = "train.csv.zip"
LABEL_THRESHOLD = 2.5

_MEMBER = "train.csv"
_ENCODING = "iso-8859-1"
_RAW_COLUMNS = {
    "product_uid": "product_id",
    "product_title": "title",
    "search_term": "query",
    "relevance": "relevance",
}
_COLUMNS = ["query_id", "query", "product_id", "title", "relevance", "label"]


def home_depot_checksum() -> str:
    """Return the pinned SHA-256 of the Home Depot ``train.csv.zip``.

    Returns
    -------
    str
        64 lowercase hexadecimal digits. Cache keys include it, so cached results change
        when the data file does.

    Examples
    --------
    >>> home_depot_checksum()[:12]
    '6d36aa78814e'
    """
    return HOME_DEPOT_SHA256


def fetch_home_depot(
    data_home: str | os.PathLike | None = None,
    *,
    download_if_missing: bool = True,
) -> pd.DataFrame:
    """Load the Home Depot query-product relevance judgements as one row per judged pair.

    The file ``train.csv.zip`` is looked up in the mirror folder named by the
    ``CASESTUDY_DATA_MIRROR`` environment variable (as ``<mirror>/home-depot/train.csv.zip``),
    then in the cache ``<data_home>/home-depot/train.csv.zip``, and is otherwise downloaded
    from :data:`HOME_DEPOT_URL` into the cache. Each use checks its SHA-256 against
    :func:`home_depot_checksum`. No parsed copy is cached, because reading and parsing the
    zip takes about 0.13 s (measured on a 2-core x86 CPU with pandas 3.1).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder for the downloaded file. ``None`` uses the ``CASESTUDY_DATA_HOME``
        environment variable, or ``~/.cache/casestudy`` when that is unset.
    download_if_missing : bool, default=True
        Download the file when neither the mirror nor the cache has it. With ``False`` a
        missing file raises :class:`~casestudy.datasets.DataFileNotFoundError`.

    Returns
    -------
    pandas.DataFrame of shape (74067, 6)
        One row per judged (query, product) pair, in the order of the source file, with a
        fresh ``RangeIndex``. The pair ``(query_id, product_id)`` is unique. Columns:

        ``query_id`` : int64
            Position of ``query`` among the distinct query strings sorted by code point, so
            the id is the same on every machine. Queries are grouped by their exact string:
            11,795 distinct queries. Only two pairs of strings differ by whitespace alone
            (``"fence mesh"`` and ``"slide bolt"``, each also written with a double space),
            and they are kept as separate queries, so a query-grouped split may put the two
            spellings in different splits.
        ``query`` : str
            The search term a customer typed (``search_term`` in the source file).
        ``product_id`` : int64
            Home Depot product id (``product_uid``); 54,667 distinct products.
        ``title`` : str
            Product title (``product_title``).
        ``relevance`` : float64
            Mean of at least three human ratings, each 1 (irrelevant), 2 (partly relevant)
            or 3 (perfect match), so it lies in [1, 3].
        ``label`` : int64
            1 when ``relevance >= 2.5``, meaning that most raters judged the product a
            perfect match, else 0. The label is 1 for 46.4 % of the pairs.

    Raises
    ------
    DataFileNotFoundError
        The file is missing and cannot be downloaded. The message says where to put it.
    ChecksumMismatchError
        A file with the wrong SHA-256 was found or downloaded. It is not read.

    Notes
    -----
    The data set has 74,067 judged pairs over 11,795 queries, with 1 to 16 products per
    query (6.3 on average). It is the training split of the Kaggle competition
    "Home Depot Product Search Relevance" (2016), whose competition terms apply. The project
    does not redistribute the file: it is downloaded from a public copy on GitHub
    (repository ``BenjaminBenHarosh/home-depot-search-analysis``, pinned commit
    ``52b48d0``). The CSV inside the zip is encoded in ISO-8859-1, not UTF-8, and is decoded
    as such; a few titles contain characters that were already garbled in the source.

    Examples
    --------
    >>> frame = fetch_home_depot()  # doctest: +SKIP
    >>> frame.shape  # doctest: +SKIP
    (74067, 6)
    """
    remote = RemoteFile(
        folder=HOME_DEPOT_FOLDER,
        filename=HOME_DEPOT_FILENAME,
        url=HOME_DEPOT_URL,
        sha256=HOME_DEPOT_SHA256,
    )
    path = fetch_file(
        remote,
        data_home,
        download_if_missing=download_if_missing,
        timeout=DEFAULT_TIMEOUT,
    )
    return _read_home_depot(path)


def _read_home_depot(path: Path) -> pd.DataFrame:
    """Parse the verified zip into the documented columns."""
    with zipfile.ZipFile(path) as archive, archive.open(_MEMBER) as stream:
        raw = pd.read_csv(
            stream,
            encoding=_ENCODING,
            usecols=list(_RAW_COLUMNS),
            dtype={"product_uid": np.int64, "relevance": np.float64},
        )

    frame = raw.rename(columns=_RAW_COLUMNS)
    query_strings = frame["query"].to_numpy(dtype=object)
    sorted_queries, query_ids = np.unique(query_strings, return_inverse=True)
    frame["query_id"] = query_ids.astype(np.int64)
    frame["label"] = (frame["relevance"] >= LABEL_THRESHOLD).astype(np.int64)

    frame = frame[_COLUMNS].reset_index(drop=True)
    logger.info(
        "Loaded %d Home Depot pairs over %d queries from %s",
        len(frame),
        len(sorted_queries),
        path,
    )
    return frame
