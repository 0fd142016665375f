"""Smoke runs of every chapter notebook with the fast profile.

Each MyST notebook is executed with papermill exactly as ``tools/execute_notebooks.py`` does
for the book, so a chapter that calls a function the package no longer has fails here, not
only in the book build. The fast profile's fine-tuned model is cached, so only the first
notebook that needs it pays for training.
"""

import re
import sys
from pathlib import Path

import jupytext
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))
import execute_notebooks  # noqa: E402

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.md"))
GLUE_REFERENCE = re.compile(r"\{glue:(?:text|any|figure|md)\}`([A-Za-z0-9_]+)")


def _glued_values(notebook) -> dict[str, str]:
    """Map each glued name to its text/plain representation."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                texts = [text for mime, text in output.get("data", {}).items() if mime.endswith("text/plain")]
                values[name] = "".join(texts[0]) if texts else ""
    return values


@pytest.mark.slow
@pytest.mark.parametrize("source", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_fast_profile(source, tmp_path):
    execute_notebooks.execute(source, tmp_path, "fast")
    executed = jupytext.read(tmp_path / f"{source.stem}.ipynb")

    referenced = set(GLUE_REFERENCE.findall(source.read_text()))
    glued = _glued_values(executed)
    missing = referenced - set(glued)
    assert not missing, f"{source.name} refers to glue names that no cell glues: {sorted(missing)}"

    # myst-nb applies a format spec by parsing text/plain as a number, which fails on
    # numpy's repr "np.float64(...)": glue plain Python numbers instead.
    numpy_reprs = sorted(name for name in referenced if glued[name].startswith("np."))
    assert not numpy_reprs, f"{source.name} glues numpy scalars that the book cannot format: {numpy_reprs}"


def test_every_notebook_has_kernelspec_and_parameters():
    assert NOTEBOOKS, "no notebooks found"
    for source in NOTEBOOKS:
        notebook = jupytext.read(source)
        assert notebook.metadata["kernelspec"]["name"] == "casestudy", source.name
        tagged = [cell for cell in notebook.cells if "parameters" in cell.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{source.name} needs exactly one cell tagged 'parameters'"
        assert 'PROFILE = "full"' in tagged[0].source, source.name
