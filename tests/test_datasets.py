"""Tests of the data loaders: the real Home Depot file, and the mirror, cache and download paths.

Expected values come from the raw CSV read with ``zipfile`` and ``csv`` and from ``hashlib``,
never from the loader itself. Downloads go to an ``http.server`` on 127.0.0.1.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import http.server
import io
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from casestudy.datasets import (
    ChecksumMismatchError,
    DataFileNotFoundError,
    RemoteFile,
    fetch_file,
    fetch_home_depot,
    get_data_home,
    home_depot_checksum,
    sha256_file,
)
from casestudy.datasets import home_depot

PINNED_SHA256 = "6d36aa78814efdabbee7ec5b59344b72ee21dcdbc5b26a9164da2c300168e824"
PAYLOAD = b"query,title,label\nhammer,claw hammer,1\n"


# --- helpers -----------------------------------------------------------------------------------


def read_raw_rows(zip_path: Path) -> list[dict[str, str]]:
    """Parse the raw CSV with the csv module, as a second implementation of the reader."""
    with zipfile.ZipFile(zip_path) as archive:
        text = archive.read("train.csv").decode("iso-8859-1")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files from a folder and count the requests on the server object."""

    def do_GET(self):
        self.server.request_count += 1
        super().do_GET()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def http_root(tmp_path) -> Path:
    root = tmp_path / "served"
    root.mkdir()
    return root


@pytest.fixture
def http_server(http_root):
    """An HTTP server on 127.0.0.1 serving ``http_root``; yields it with ``base_url`` set."""
    handler = functools.partial(CountingHandler, directory=str(http_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.request_count = 0
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def small_remote(http_server, http_root) -> RemoteFile:
    """A small file served over HTTP, with its true SHA-256 computed by hashlib."""
    (http_root / "small.csv").write_bytes(PAYLOAD)
    return RemoteFile(
        folder="small",
        filename="small.csv",
        url=f"{http_server.base_url}/small.csv",
        sha256=hashlib.sha256(PAYLOAD).hexdigest(),
    )


# --- the real file from the mirror -------------------------------------------------------------


def test_checksum_pinned_value():
    assert home_depot_checksum() == PINNED_SHA256


def test_checksum_matches_mirror_file(home_depot_zip):
    actual = hashlib.sha256(home_depot_zip.read_bytes()).hexdigest()
    assert actual == home_depot_checksum()


def test_mirror_load_row_count(home_depot_frame, home_depot_zip):
    assert len(home_depot_frame) == len(read_raw_rows(home_depot_zip))
    assert len(home_depot_frame) == 74_067


def test_mirror_load_query_count(home_depot_frame, home_depot_zip):
    raw_queries = {row["search_term"] for row in read_raw_rows(home_depot_zip)}
    assert home_depot_frame["query_id"].nunique() == len(raw_queries)
    assert home_depot_frame["query"].nunique() == 11_795


def test_mirror_load_columns(home_depot_frame):
    expected = ["query_id", "query", "product_id", "title", "relevance", "label"]
    assert list(home_depot_frame.columns) == expected


def test_mirror_load_dtypes(home_depot_frame):
    assert home_depot_frame["query_id"].dtype == np.int64
    assert home_depot_frame["product_id"].dtype == np.int64
    assert home_depot_frame["relevance"].dtype == np.float64
    assert home_depot_frame["label"].dtype == np.int64


def test_mirror_load_matches_raw_rows(home_depot_frame, home_depot_zip):
    rows = read_raw_rows(home_depot_zip)
    assert home_depot_frame["query"].tolist() == [row["search_term"] for row in rows]
    assert home_depot_frame["product_id"].tolist() == [int(row["product_uid"]) for row in rows]
    assert home_depot_frame["title"].tolist() == [row["product_title"] for row in rows]
    assert home_depot_frame["relevance"].tolist() == [float(row["relevance"]) for row in rows]


def test_label_share_from_raw_csv(home_depot_frame, home_depot_zip):
    rows = read_raw_rows(home_depot_zip)
    positives = sum(1 for row in rows if float(row["relevance"]) >= 2.5)
    assert int(home_depot_frame["label"].sum()) == positives
    assert round(100 * positives / len(rows), 1) == 46.4


def test_label_matches_threshold_per_row(home_depot_frame, home_depot_zip):
    expected = [int(float(row["relevance"]) >= 2.5) for row in read_raw_rows(home_depot_zip)]
    assert home_depot_frame["label"].tolist() == expected


def test_relevance_within_rating_scale(home_depot_frame):
    assert home_depot_frame["relevance"].min() == 1.0
    assert home_depot_frame["relevance"].max() == 3.0


def test_query_id_follows_sorted_strings(home_depot_frame):
    ordered = sorted(set(home_depot_frame["query"]))
    expected = {query: position for position, query in enumerate(ordered)}
    assert home_depot_frame["query_id"].tolist() == [expected[q] for q in home_depot_frame["query"]]


def test_query_product_pair_unique(home_depot_frame):
    assert not home_depot_frame.duplicated(["query_id", "product_id"]).any()


def test_iso_8859_1_title_decoded(home_depot_frame, home_depot_zip):
    with zipfile.ZipFile(home_depot_zip) as archive:
        lines = archive.read("train.csv").split(b"\n")

    def fails_utf8(line: bytes) -> bool:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    line = next(line for line in lines if fails_utf8(line))
    row = next(csv.reader([line.decode("iso-8859-1")]))
    product_id, title = int(row[1]), row[2]
    assert any(ord(character) > 127 for character in title)
    titles = home_depot_frame.loc[home_depot_frame["product_id"] == product_id, "title"]
    assert title in set(titles)


# --- mirror and cache --------------------------------------------------------------------------


def test_mirror_used_without_network(home_depot_zip, isolated_data_env, monkeypatch, http_server):
    monkeypatch.setenv("CASESTUDY_DATA_MIRROR", str(home_depot_zip.parents[1]))
    monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", f"{http_server.base_url}/train.csv.zip")
    frame = fetch_home_depot(data_home=isolated_data_env)
    assert len(frame) == 74_067
    assert http_server.request_count == 0
    assert files_under(isolated_data_env) == []


def test_corrupt_mirror_reported(home_depot_zip, isolated_data_env, monkeypatch, tmp_path):
    mirror = tmp_path / "mirror"
    corrupt = mirror / "home-depot" / "train.csv.zip"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(home_depot_zip.read_bytes()[:-10])
    actual = hashlib.sha256(corrupt.read_bytes()).hexdigest()
    monkeypatch.setenv("CASESTUDY_DATA_MIRROR", str(mirror))
    with pytest.raises(ChecksumMismatchError) as raised:
        fetch_home_depot(data_home=isolated_data_env, download_if_missing=False)
    message = str(raised.value)
    assert str(corrupt) in message
    assert actual in message
    assert PINNED_SHA256 in message


def test_corrupt_cache_reported(isolated_data_env):
    cached = isolated_data_env / "home-depot" / "train.csv.zip"
    cached.parent.mkdir()
    cached.write_bytes(b"not a zip file")
    with pytest.raises(ChecksumMismatchError) as raised:
        fetch_home_depot(data_home=isolated_data_env, download_if_missing=False)
    message = str(raised.value)
    assert str(cached) in message
    assert hashlib.sha256(b"not a zip file").hexdigest() in message
    assert PINNED_SHA256 in message
    assert cached.read_bytes() == b"not a zip file"


def test_cache_hit_skips_network(home_depot_zip, isolated_data_env, monkeypatch, http_server):
    cached = isolated_data_env / "home-depot" / "train.csv.zip"
    cached.parent.mkdir()
    shutil.copyfile(home_depot_zip, cached)
    monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", f"{http_server.base_url}/train.csv.zip")

    def fail_on_network(*args, **kwargs):
        raise AssertionError("urlopen was called on a cache hit")

    monkeypatch.setattr("urllib.request.urlopen", fail_on_network)
    frame = fetch_home_depot(data_home=isolated_data_env)
    assert len(frame) == 74_067
    assert http_server.request_count == 0


def test_mirror_without_file_falls_back_to_cache(
    home_depot_zip, isolated_data_env, monkeypatch, tmp_path, caplog
):
    empty_mirror = tmp_path / "empty_mirror"
    empty_mirror.mkdir()
    monkeypatch.setenv("CASESTUDY_DATA_MIRROR", str(empty_mirror))
    cached = isolated_data_env / "home-depot" / "train.csv.zip"
    cached.parent.mkdir()
    shutil.copyfile(home_depot_zip, cached)
    frame = fetch_home_depot(data_home=isolated_data_env, download_if_missing=False)
    assert len(frame) == 74_067
    assert str(empty_mirror) in caplog.text


def test_data_home_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CASESTUDY_DATA_HOME", str(tmp_path))
    assert get_data_home() == tmp_path


def test_data_home_default(monkeypatch, tmp_path):
    monkeypatch.delenv("CASESTUDY_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == tmp_path / ".cache" / "casestudy"


def test_data_home_argument_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("CASESTUDY_DATA_HOME", str(tmp_path / "from_env"))
    assert get_data_home(tmp_path / "given") == tmp_path / "given"


def test_sha256_file_matches_hashlib(tmp_path):
    path = tmp_path / "payload.bin"
    path.write_bytes(PAYLOAD * 10_000)
    assert sha256_file(path) == hashlib.sha256(PAYLOAD * 10_000).hexdigest()


def test_missing_file_message(isolated_data_env, monkeypatch, http_server):
    monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", f"{http_server.base_url}/train.csv.zip")
    with pytest.raises(DataFileNotFoundError) as raised:
        fetch_home_depot(data_home=isolated_data_env, download_if_missing=False)
    message = str(raised.value)
    assert "CASESTUDY_DATA_MIRROR" in message
    assert str(isolated_data_env / "home-depot" / "train.csv.zip") in message
    assert "download_if_missing=False" in message
    assert http_server.request_count == 0


def test_missing_file_is_file_not_found(isolated_data_env):
    with pytest.raises(FileNotFoundError):
        fetch_home_depot(data_home=isolated_data_env, download_if_missing=False)


# --- download ----------------------------------------------------------------------------------


def test_download_right_file(home_depot_zip, isolated_data_env, monkeypatch, http_server, http_root):
    shutil.copyfile(home_depot_zip, http_root / "train.csv.zip")
    monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", f"{http_server.base_url}/train.csv.zip")
    frame = fetch_home_depot(data_home=isolated_data_env)
    cached = isolated_data_env / "home-depot" / "train.csv.zip"
    assert len(frame) == 74_067
    assert http_server.request_count == 1
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == PINNED_SHA256
    assert files_under(isolated_data_env) == [cached]


def test_download_then_cache_hit(home_depot_zip, isolated_data_env, monkeypatch, http_server, http_root):
    shutil.copyfile(home_depot_zip, http_root / "train.csv.zip")
    monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", f"{http_server.base_url}/train.csv.zip")
    fetch_home_depot(data_home=isolated_data_env)
    fetch_home_depot(data_home=isolated_data_env)
    assert http_server.request_count == 1


def test_download_corrupt_file(home_depot_zip, isolated_data_env, monkeypatch, http_server, http_root):
    corrupt = bytearray(home_depot_zip.read_bytes())
    corrupt[1000] ^= 0xFF
    (http_root / "train.csv.zip").write_bytes(bytes(corrupt))
    actual = hashlib.sha256(bytes(corrupt)).hexdigest()
    monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", f"{http_server.base_url}/train.csv.zip")
    with pytest.raises(ChecksumMismatchError) as raised:
        fetch_home_depot(data_home=isolated_data_env)
    message = str(raised.value)
    assert actual in message
    assert PINNED_SHA256 in message
    assert files_under(isolated_data_env) == []


def test_download_http_error(isolated_data_env, monkeypatch, http_server):
    monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", f"{http_server.base_url}/absent.zip")
    with pytest.raises(DataFileNotFoundError) as raised:
        fetch_home_depot(data_home=isolated_data_env)
    message = str(raised.value)
    assert "404" in message
    assert "CASESTUDY_DATA_MIRROR" in message
    assert str(isolated_data_env / "home-depot" / "train.csv.zip") in message
    assert files_under(isolated_data_env) == []


def test_download_connection_refused(isolated_data_env, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(home_depot, "HOME_DEPOT_URL", f"http://127.0.0.1:{closed_port}/train.csv.zip")
    with pytest.raises(DataFileNotFoundError, match="CASESTUDY_DATA_MIRROR"):
        fetch_home_depot(data_home=isolated_data_env)
    assert files_under(isolated_data_env) == []


def test_download_timeout(isolated_data_env):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        remote = RemoteFile(
            folder="small",
            filename="small.csv",
            url=f"http://127.0.0.1:{silent.getsockname()[1]}/small.csv",
            sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        )
        with pytest.raises(DataFileNotFoundError, match="timed out"):
            fetch_file(remote, isolated_data_env, timeout=0.5)
    assert files_under(isolated_data_env) == []


def test_fetch_file_download_small(isolated_data_env, small_remote, http_server):
    path = fetch_file(small_remote, isolated_data_env)
    assert path == isolated_data_env / "small" / "small.csv"
    assert path.read_bytes() == PAYLOAD
    assert http_server.request_count == 1


def test_fetch_file_wrong_pin_deleted(isolated_data_env, small_remote):
    wrong = RemoteFile(small_remote.folder, small_remote.filename, small_remote.url, "0" * 64)
    with pytest.raises(ChecksumMismatchError, match=small_remote.sha256):
        fetch_file(wrong, isolated_data_env)
    assert files_under(isolated_data_env) == []


def test_import_makes_no_connection():
    script = (
        "import sys\n"
        "events = []\n"
        "sys.addaudithook(lambda event, args: events.append(event) "
        "if event in ('socket.connect', 'urllib.Request') else None)\n"
        "import casestudy.datasets, casestudy.datasets.home_depot\n"
        "print(len(events))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "0"


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan"), float("inf"), None, "60", True])
def test_fetch_file_bad_timeout(timeout, isolated_data_env, http_server):
    # timeout=-1 used to fail inside socket with "Timeout value out of range".
    remote = RemoteFile("payload", "payload.csv", f"{http_server.base_url}/payload.csv", hashlib.sha256(PAYLOAD).hexdigest())
    with pytest.raises(ValueError, match=rf"timeout must be a positive finite number of seconds; got {timeout!r}"):
        fetch_file(remote, data_home=isolated_data_env, timeout=timeout)
    assert http_server.request_count == 0
