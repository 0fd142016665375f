"""Execute the book's MyST notebooks with papermill and write them where the book reads them.

papermill only executes ``.ipynb``, so each ``notebooks/*.md`` source is read with jupytext and the
notebook object is passed to papermill with the ``PROFILE`` parameter. The executed copies go to
``book/chapters/`` (gitignored); the book is then built from them with execution switched off.

Usage::

    python tools/execute_notebooks.py --profile full            # every chapter
    python tools/execute_notebooks.py --profile fast 03_bert    # chapters whose name starts with 03_bert
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import jupytext
import papermill

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
OUTPUT_DIR = REPO_ROOT / "book" / "chapters"
KERNEL_NAME = "casestudy"
PROFILES = ("full", "fast")

logger = logging.getLogger("execute_notebooks")


def execute(source: Path, output_dir: Path, profile: str) -> float:
    """Execute one MyST notebook and return its wall time in seconds."""
    output = output_dir / f"{source.stem}.ipynb"
    started = time.perf_counter()
    papermill.execute_notebook(
        jupytext.read(source),
        str(output),
        parameters={"PROFILE": profile},
        kernel_name=KERNEL_NAME,
        cwd=str(source.parent),
        progress_bar=False,
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=PROFILES, default="full", help="pipeline profile passed to every notebook")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR, help="folder for the executed .ipynb files")
    parser.add_argument("prefixes", nargs="*", help="execute only notebooks whose file name starts with one of these")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    sources = sorted(NOTEBOOK_DIR.glob("*.md"))
    if args.prefixes:
        sources = [path for path in sources if path.name.startswith(tuple(args.prefixes))]
    if not sources:
        parser.error(f"no notebook in {NOTEBOOK_DIR} matches {args.prefixes}")

    args.output_dir.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for source in sources:
        logger.info("executing %s (profile %s)", source.name, args.profile)
        seconds = execute(source, args.output_dir, args.profile)
        total += seconds
        logger.info("finished %s in %.1f s", source.name, seconds)
    logger.info("executed %d notebooks in %.1f s", len(sources), total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
