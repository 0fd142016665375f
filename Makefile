# Build, test and edit the book. `make book` and `make test` are the two commands a reader needs.
#
#   make book               create the environment if missing, fetch the data, execute every notebook
#                           with the chosen PROFILE and build the HTML book
#   make test               run the unit tests and the notebook smoke tests
#   make lab                open JupyterLab on the notebooks (MyST markdown, opened through jupytext)
#   make ci                 what CI runs: the tests, then the full-profile book build
#   make clean              remove executed notebooks, the HTML build and the pipeline cache
#
# PROFILE=full (default) gives the numbers the book publishes; PROFILE=fast trains briefly on a
# small sample, for laptops and quick checks.

PROFILE ?= full
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

export CASESTUDY_CACHE_DIR ?= $(CURDIR)/.cache/casestudy
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup data test notebooks book ci lab clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name casestudy --display-name "Python (casestudy)"
	touch $(STAMP)

data: setup
	$(PY) -c "from casestudy.datasets import fetch_home_depot; fetch_home_depot()"

test: setup
	$(PY) -m pytest

notebooks: setup data
	$(PY) tools/execute_notebooks.py --profile $(PROFILE)

book: notebooks
	$(VENV)/bin/jupyter-book build -W -n --keep-going book
	@echo "The book is at file://$(CURDIR)/book/_build/html/index.html"

ci: test
	$(MAKE) book PROFILE=full

lab: setup
	$(VENV)/bin/jupyter lab notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

clean:
	rm -rf book/_build book/chapters .cache .pytest_cache
