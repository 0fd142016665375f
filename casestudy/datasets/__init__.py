"""Loaders for the real query-product relevance data sets used in the book.

Each loader follows the ``sklearn.datasets.fetch_*`` conventions: a ``data_home`` cache
folder, a local mirror folder through the ``CASESTUDY_DATA_MIRROR`` environment variable,
otherwise a download from a pinned public URL, and a SHA-256 check of every file before it
is read. Importing this package never touches the network.
"""

from casestudy.datasets._fetch import (
    ChecksumMismatchError,
    DataFileNotFoundError,
    RemoteFile,
    fetch_file,
    get_data_home,
    sha256_file,
)
from casestudy.datasets.home_depot import fetch_home_depot, home_depot_checksum

__all__ = [
    "ChecksumMismatchError",
    "DataFileNotFoundError",
    "RemoteFile",
    "fetch_file",
    "fetch_home_depot",
    "get_data_home",
    "home_depot_checksum",
    "sha256_file",
]
