# Parvis: `make run` starts everything (embedded SQLite + Redis, demo data); `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench install

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# torch first, pinned: this version's CPU build is on disk; any other spec downloads CUDA.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/parvis run

test: $(STAMP)
	scripts/ensure-test-services
	$(PY) -m pytest

bench: $(STAMP)
	scripts/ensure-test-services
	$(PY) -m bench
