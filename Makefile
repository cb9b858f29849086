# Two commands on a fresh machine:  `make lab` opens the course, `make test` runs every test.
# Each installs what it needs into .venv (torch first: about 1.5 minutes the first time).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The notebooks are checked by exactly the command the README gives a teacher, `pytest --nbval notebooks/`:
# notebooks/conftest.py adds the rest (lax mode: only cells marked NBVAL_CHECK_OUTPUT are compared
# with the stored cpu-profile outputs, every cell runs; the CI profile when unset, this environment's
# kernel, the sanitizer notebooks/sanitize.cfg), so make and the bare command check the same thing.
NBVAL := --nbval
# CI profile; OpenMP threads sleep instead of spinning while they wait, so that a busy machine
# (another job on the cores) slows the tests down a little instead of several times over.
TESTENV := MUNIT_PROFILE=ci OMP_WAIT_POLICY=PASSIVE

.PHONY: lab test unit notebooks solutions outputs test-browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

$(VENV)/.lab-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[lab]"
	touch $@

# JupyterLab refuses to run as root without --allow-root (containers, CI): pass it only then.
# The server's root is the repository (configs/ and data/ in the file browser); it opens notebook 00.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
FIRST_NOTEBOOK := notebooks/00_overview_and_setup.ipynb

lab: $(VENV)/.lab-installed
	$(VENV)/bin/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir="$(CURDIR)" \
		--ServerApp.default_url=/lab/tree/$(FIRST_NOTEBOOK)

test: $(VENV)/.test-installed
	$(TESTENV) $(PY) -m pytest tests/ $(NBVAL) notebooks/

unit: $(VENV)/.test-installed
	$(TESTENV) $(PY) -m pytest tests/

notebooks: $(VENV)/.test-installed
	$(TESTENV) $(PY) -m pytest $(NBVAL) notebooks/

# Every notebook's worked solutions, run through its exercise check (tests/test_solutions.py runs
# the eight fast ones in `make test`).
solutions: $(VENV)/.test-installed
	$(TESTENV) $(PY) scripts/check_solutions.py notebooks/[0-9A]*.py

# Notebooks are edited as their jupytext twins (notebooks/NN_name.py). This writes each twin into
# its .ipynb, re-executes it under the real profile (cpu: the lessons' own training run and sample
# sizes, 2 threads as in CI) and stores its outputs: what a reader sees before running anything.
# The tests re-run every cell under the CI profile and compare the cells marked NBVAL_CHECK_OUTPUT.
# Measured 2026-12-06 on a 2-core CPU (load 1-3): 10 min 19 s, with 07's lesson run already in runs/;
# on a fresh clone 07 first trains its 4,000 iterations, about 16 minutes more. See README.md.
# One notebook: make outputs NB=notebooks/03_decoder_and_mlp.py
STOREENV := MUNIT_PROFILE=cpu OMP_WAIT_POLICY=PASSIVE

outputs: $(VENV)/.test-installed
	$(STOREENV) $(PY) scripts/store_notebook_outputs.py $(NB)

# End to end in a real browser (tests/browser/): JupyterLab, headless Chromium, Playwright; .ci/run
# runs it after `make test`. Chromium comes from the system's packages (installed here when missing
# and run as root, as in CI; otherwise this stops and says what to install); Playwright from PyPI
# into the venv. A few minutes; --durations prints each notebook's time.
CHROMIUM ?= /usr/bin/chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "Chromium is missing at $(CHROMIUM): install it (sudo apt-get install chromium) or pass CHROMIUM=/path/to/chromium"; \
		exit 1; \
	fi

$(VENV)/.browser-installed: | $(PY)
	$(PY) -m pip install -q playwright
	touch $@

test-browser: $(VENV)/.test-installed $(VENV)/.lab-installed $(VENV)/.browser-installed $(CHROMIUM)
	CHROMIUM=$(CHROMIUM) MUNIT_BROWSER_TEST=1 $(TESTENV) $(PY) -m pytest tests/browser -q -p no:cacheprovider --durations=0

clean:
	rm -rf $(VENV) .pytest_cache
