"""Shared pytest fixtures. Each block belongs to one part of the package; add new blocks below."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


# --- Data: the real Home Depot file and its loader ------------------------------------------
#
# The real-data tests read the local mirror that CI uses: CASESTUDY_DATA_MIRROR when it is
# set, else ../shared/data beside the repository. They skip when the mirror lacks the file.

DATA_MIRROR = Path(os.environ.get("CASESTUDY_DATA_MIRROR") or REPO_ROOT.parent / "shared" / "data")
HOME_DEPOT_MIRROR_FILE = DATA_MIRROR / "home-depot" / "train.csv.zip"


@pytest.fixture(scope="session")
def home_depot_zip() -> Path:
    """Path of the real ``train.csv.zip`` in the local mirror."""
    if not HOME_DEPOT_MIRROR_FILE.is_file():
        pytest.skip(f"the data mirror has no {HOME_DEPOT_MIRROR_FILE}; set CASESTUDY_DATA_MIRROR")
    return HOME_DEPOT_MIRROR_FILE


@pytest.fixture(scope="session")
def home_depot_frame(home_depot_zip, tmp_path_factory):
    """The Home Depot DataFrame, loaded once per session from the mirror."""
    from casestudy.datasets import fetch_home_depot

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASESTUDY_DATA_MIRROR", str(DATA_MIRROR))
        empty_cache = tmp_path_factory.mktemp("home_depot_cache")
        return fetch_home_depot(data_home=empty_cache, download_if_missing=False)


@pytest.fixture
def isolated_data_env(monkeypatch, tmp_path) -> Path:
    """Unset the data variables and return an empty cache folder, so no test reads a real cache."""
    monkeypatch.delenv("CASESTUDY_DATA_MIRROR", raising=False)
    monkeypatch.delenv("CASESTUDY_DATA_HOME", raising=False)
    cache = tmp_path / "data_home"
    cache.mkdir()
    return cache


# --- End of the data block ------------------------------------------------------------------
