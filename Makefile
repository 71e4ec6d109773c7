# Two commands: `make repro` runs the pipeline, `make test` runs the test suite.
# Both create .venv when missing and (re)install the package when pyproject.toml changed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export DVC_NO_ANALYTICS := 1
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install repro test test-fast lint benchmark lab

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

JOBS ?= 2

# `cod deps` first rewrites each stage's src/cod deps in dvc.yaml from its notebook's imports (no-op when up to date)
# `cod repro` = dvc repro with $(JOBS) concurrent workers per matrix group (plain `dvc repro` gives the same result)
# ... then `cod readme` rewrites the README's generated blocks (verdict, tables) from the report files the run wrote
repro: install
	cod check
	cod deps
ifeq ($(JOBS),1)
	dvc repro
else
	cod repro --jobs $(JOBS)
endif
	cod readme

test: install
	pytest

test-fast: install
	pytest -m "not slow"

lint: install
	ruff check src tests notebooks benchmarks

benchmark: install
	python benchmarks/distill_speed.py
	dvc repro teacher subset
	python benchmarks/counterfactuals.py
	python benchmarks/pipeline.py

lab: install
	jupyter lab notebooks
