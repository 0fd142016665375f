"""Find, download, verify and cache the raw data files behind the loaders.

Every loader in :mod:`casestudy.datasets` describes its file with a :class:`RemoteFile` and
calls :func:`fetch_file`, which looks in three places, in this order:

1. the local mirror folder named by the ``CASESTUDY_DATA_MIRROR`` environment variable, laid
   out as ``<mirror>/<folder>/<filename>`` (CI and offline machines point it at a read-only copy);
2. the cache ``<data_home>/<folder>/<filename>``, where ``data_home`` defaults to the
   ``CASESTUDY_DATA_HOME`` environment variable or ``~/.cache/casestudy``;
3. the pinned public URL, downloaded into the cache only when ``download_if_missing=True``.

Every file is checked against its pinned SHA-256 each time it is used. A file that does not
match is never read: the error names the path, the expected and the actual hash. Nothing here
touches the network at import time.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import math
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

logger = logging.getLogger(__name__)

DATA_HOME_ENV = "CASESTUDY_DATA_HOME"
MIRROR_ENV = "CASESTUDY_DATA_MIRROR"
DEFAULT_DATA_HOME = Path("~/.cache/casestudy")
DEFAULT_TIMEOUT = 60.0

_CHUNK_SIZE = 1 << 16


class ChecksumMismatchError(OSError):
    """A data file whose SHA-256 differs from the pinned value; the file was not used."""


class DataFileNotFoundError(FileNotFoundError):
    """A data file that is neither in the mirror nor in the cache and could not be downloaded."""


@dataclass(frozen=True)
class RemoteFile:
    """A data file with its pinned public URL and SHA-256.

    Parameters
    ----------
    folder : str
        Subfolder of the mirror and of the cache that contains the file, e.g. ``"home-depot"``.
    filename : str
        File name inside ``folder``, e.g. ``"train.csv.zip"``.
    url : str
        Download URL. Pin it to a commit or a release so that its content cannot change.
    sha256 : str
        Expected SHA-256 of the file, as 64 lowercase hexadecimal digits.
    """

    folder: str
    filename: str
    url: str
    sha256: str

    @property
    def relative_path(self) -> Path:
        """Path of the file relative to a mirror or cache folder."""
        return Path(self.folder) / self.filename


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Resolve the folder that caches downloaded data files.

    The folder is not created here; :func:`fetch_file` creates it before a download.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder. ``None`` uses the ``CASESTUDY_DATA_HOME`` environment variable, or
        ``~/.cache/casestudy`` when that is unset or empty.

    Returns
    -------
    pathlib.Path
        The absolute cache folder, with ``~`` expanded.

    Examples
    --------
    >>> get_data_home("/tmp/casestudy-data")
    PosixPath('/tmp/casestudy-data')
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or DEFAULT_DATA_HOME
    return Path(data_home).expanduser().absolute()


def get_mirror() -> Path | None:
    """Return the local mirror folder set by ``CASESTUDY_DATA_MIRROR``, or ``None`` when unset.

    Returns
    -------
    pathlib.Path or None
        The mirror folder with ``~`` expanded; ``None`` when the variable is unset or empty.
    """
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror:
        return None
    return Path(mirror).expanduser().absolute()


def sha256_file(path: str | os.PathLike) -> str:
    """Compute the SHA-256 of a file, reading it in chunks.

    Parameters
    ----------
    path : str or path-like
        File to hash.

    Returns
    -------
    str
        The hash as 64 lowercase hexadecimal digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_file(
    remote: RemoteFile,
    data_home: str | os.PathLike | None = None,
    *,
    download_if_missing: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Return the path of a verified local copy of ``remote``, downloading it if needed.

    The mirror (``CASESTUDY_DATA_MIRROR``) comes first, then the cache in ``data_home``, then
    the download. A mirror that is set but lacks the file is logged and skipped. A file found
    in the mirror or the cache that fails the checksum raises instead of falling back to
    another copy, so a damaged file is never hidden.

    Parameters
    ----------
    remote : RemoteFile
        The file to fetch.
    data_home : str or path-like, default=None
        Cache folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        Download the file into the cache when neither the mirror nor the cache has it.
        ``False`` raises :class:`DataFileNotFoundError` instead.
    timeout : float, default=60.0
        Seconds to wait for the server to connect or to send the next block of data.

    Returns
    -------
    pathlib.Path
        Path of the verified file, in the mirror or in the cache.

    Raises
    ------
    ChecksumMismatchError
        The mirror or cache file, or the downloaded file, has the wrong SHA-256. A downloaded
        file that fails is deleted; a mirror or cache file is left in place and named.
    DataFileNotFoundError
        The file is missing and either ``download_if_missing=False`` or the download failed.
        The message names the cache path and the environment variable to set.
    ValueError
        ``timeout`` is not a positive finite number.
    """
    is_number = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    if not is_number or not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a positive finite number of seconds; got {timeout!r}")

    mirror = get_mirror()
    if mirror is not None:
        mirror_path = mirror / remote.relative_path
        if mirror_path.is_file():
            _verify(mirror_path, remote, origin=f"the mirror folder set by {MIRROR_ENV}")
            logger.info("Using %s from the mirror %s", remote.filename, mirror_path)
            return mirror_path
        logger.warning(
            "%s is set to %s but %s does not exist there; looking in the cache",
            MIRROR_ENV,
            mirror,
            remote.relative_path,
        )

    cache_path = get_data_home(data_home) / remote.relative_path
    if cache_path.is_file():
        _verify(cache_path, remote, origin="the cache")
        logger.info("Using %s from the cache %s", remote.filename, cache_path)
        return cache_path

    if not download_if_missing:
        raise DataFileNotFoundError(
            f"{remote.filename} was not found and download_if_missing=False. "
            + _placement_help(remote, cache_path, mirror)
        )
    _download(remote, cache_path, timeout=timeout)
    return cache_path


def _verify(path: Path, remote: RemoteFile, *, origin: str) -> None:
    """Raise ChecksumMismatchError when ``path`` does not hash to ``remote.sha256``."""
    actual = sha256_file(path)
    if actual != remote.sha256:
        raise ChecksumMismatchError(
            f"{path} (from {origin}) has SHA-256 {actual}, expected {remote.sha256}. "
            "The file is damaged or a different version, so it was not used. "
            f"Replace it with the file from {remote.url}, or delete it to download it again."
        )


def _download(remote: RemoteFile, target: Path, *, timeout: float) -> None:
    """Download ``remote`` to a temporary file beside ``target``, verify it, then move it there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part", dir=target.parent
    )
    partial = Path(partial_name)
    logger.info("Downloading %s from %s", remote.filename, remote.url)
    try:
        with os.fdopen(descriptor, "wb") as output:
            actual = _stream_to(output, remote.url, timeout=timeout, description=remote.filename)
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as error:
        partial.unlink(missing_ok=True)
        logger.error("Download of %s from %s failed: %s", remote.filename, remote.url, error)
        raise DataFileNotFoundError(
            f"{remote.filename} was not found locally and the download from {remote.url} "
            f"failed ({error}). " + _placement_help(remote, target, get_mirror())
        ) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

    if actual != remote.sha256:
        partial.unlink()
        raise ChecksumMismatchError(
            f"The file downloaded from {remote.url} has SHA-256 {actual}, expected "
            f"{remote.sha256}. It was deleted and not used. Check the URL, or fetch the file "
            "by hand and place it in the cache or the mirror folder."
        )
    os.replace(partial, target)
    logger.info("Saved %s to %s", remote.filename, target)


def _stream_to(output, url: str, *, timeout: float, description: str) -> str:
    """Copy the body at ``url`` into the open binary file ``output`` and return its SHA-256."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        with tqdm(total=total, unit="B", unit_scale=True, desc=description, leave=False) as progress:
            while chunk := response.read(_CHUNK_SIZE):
                output.write(chunk)
                digest.update(chunk)
                progress.update(len(chunk))
    return digest.hexdigest()


def _placement_help(remote: RemoteFile, cache_path: Path, mirror: Path | None) -> str:
    """Say where a missing file can go, for the error raised when it cannot be found."""
    mirror_note = (
        f" ({MIRROR_ENV} is currently {mirror}, which lacks it)" if mirror is not None else ""
    )
    return (
        f"Download it from {remote.url} and put it at {cache_path} "
        f"(the cache; choose another folder with data_home= or {DATA_HOME_ENV}), "
        f"or set {MIRROR_ENV} to a folder that contains {remote.relative_path}{mirror_note}."
    )
