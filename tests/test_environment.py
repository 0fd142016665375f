"""Checks that the environment files stay consistent with each other."""

import re
import tomllib
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, version = line.partition("==")
        assert separator == "==", f"requirements.txt line is not pinned with ==: {line!r}"
        pins[name.lower().replace("_", "-")] = version
    return pins


def test_environment_yml_parses():
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    assert environment["name"] == "casestudy"


def test_environment_yml_points_at_requirements_and_package():
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_sections = [item["pip"] for item in environment["dependencies"] if isinstance(item, dict)]
    assert len(pip_sections) == 1
    assert "-r requirements.txt" in pip_sections[0]
    assert "-e ." in pip_sections[0]


def test_environment_python_matches_pyproject():
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    python_spec = next(item for item in environment["dependencies"] if isinstance(item, str) and item.startswith("python"))
    conda_version = python_spec.split("=", 1)[1]
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    minimum = re.fullmatch(r">=(\d+\.\d+)", pyproject["project"]["requires-python"]).group(1)
    assert tuple(map(int, conda_version.split("."))) >= tuple(map(int, minimum.split(".")))


def test_requirements_pin_every_package():
    pins = _requirements()
    assert len(pins) > 50
    assert pins["torch"] == "2.13.0"


def test_requirements_cover_package_dependencies():
    pins = _requirements()
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    for requirement in pyproject["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower().replace("_", "-")
        assert name in pins, f"{name} is a dependency in pyproject.toml but not pinned in requirements.txt"
