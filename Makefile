# Two commands for a fresh machine (see README):
#   make book   install everything, execute every chapter with papermill, build _build/html
#   make test   install everything, lint, run the whole test suite
# For contributors: make fast (the tests without the slow ones), make lint.
# Both create .venv from requirements.lock; nothing is downloaded at run time
# except packages from PyPI, Debian and npm during installation.

PYTHON_BASE ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= poster
MATHJAX_VERSION := 3.2.2
MATHJAX_SHA256 := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
MATHJAX_DIR := book/assets/mathjax

.PHONY: book test lint fast install assets lock clean

book: install assets
	@$(PY) -m melodyreg book --profile $(PROFILE)

test: install assets lint
	@$(MAKE) --no-print-directory system PROGRAMS="fluidsynth chromium"
	$(PY) -m pytest -ra

# Lint, format and the layer contract (pyproject.toml); part of `make test`, so CI enforces them.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# The contributors' fast loop: everything but the slow tests (training, clusters, whole collections, the book),
# on FAST_WORKERS processes (pytest-xdist; each test module may be split between them).
FAST_WORKERS ?= 2
fast: install
	$(PY) -m pytest -m "not slow" -q -n $(FAST_WORKERS) --dist worksteal

install: $(VENV)/.installed
	@$(MAKE) --no-print-directory system PROGRAMS="fluidsynth"

# pip -qq: errors only (a machine's pip configuration may warn about every package it looks up)
$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON_BASE) >/dev/null || { echo "need $(PYTHON_BASE) (set PYTHON_BASE=...)"; exit 1; }
	@echo "setting up $(VENV): Python packages pinned in requirements.lock, this package, the melodyreg kernel"
	@test -x $(PY) || $(PYTHON_BASE) -m venv $(VENV)
	@$(PY) -m pip install -qq --upgrade pip
	@$(PY) -m pip install -qq -r requirements.lock
	@$(PY) -m pip install -qq --no-deps -e .
	@$(PY) -m ipykernel install --sys-prefix --name melodyreg --display-name melodyreg >/dev/null
	@touch $@

# System programs: FluidSynth renders audio (book and tests); Chromium runs the browser test.
PROGRAMS ?= fluidsynth
system:
	@missing=""; \
	for p in $(PROGRAMS); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system programs:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Please install:$$missing (Debian: sudo apt-get install$$missing; conda: conda install -c conda-forge fluidsynth)"; \
	    exit 1; \
	  fi; \
	fi

# MathJax 3 from the npm registry, checked against its SHA-256, served from the book itself.
assets: $(MATHJAX_DIR)/tex-chtml.js

$(MATHJAX_DIR)/tex-chtml.js:
	@command -v npm >/dev/null || { echo "npm is needed once to fetch MathJax (apt-get install npm)"; exit 1; }
	@echo "fetching MathJax $(MATHJAX_VERSION) from npm (checked against its SHA-256)"
	@mkdir -p .cache/npm
	@cd .cache/npm && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null
	@echo "$(MATHJAX_SHA256)  .cache/npm/mathjax-$(MATHJAX_VERSION).tgz" | sha256sum -c --quiet
	@rm -rf .cache/npm/package $(MATHJAX_DIR) && mkdir -p $(MATHJAX_DIR)/output/chtml
	@tar xzf .cache/npm/mathjax-$(MATHJAX_VERSION).tgz -C .cache/npm package/es5
	@cp .cache/npm/package/es5/tex-chtml.js $(MATHJAX_DIR)/
	@cp -r .cache/npm/package/es5/output/chtml/fonts $(MATHJAX_DIR)/output/chtml/

# Refresh requirements.lock and environment.yml from the current virtual environment.
lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^melodyreg' > requirements.lock
	$(PY) tools/write_environment.py

clean:
	rm -rf _build
