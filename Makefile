# adcops.netscaler: the two entry points are `make demo` and `make test`.
# Both work on a fresh clone with only Python 3.11 and make: they create .venv,
# install the pinned requirements and link the collection where Ansible finds it.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
COLLECTIONS := $(abspath $(VENV)/collections)
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/adcops/netscaler
SANITY_ROOT := $(abspath $(VENV)/sanity)/ansible_collections/adcops/netscaler

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export PYTHONPATH := $(COLLECTIONS):$(CURDIR)
export ANSIBLE_LOCAL_TEMP := $(abspath $(VENV)/ansible-tmp)
export ANSIBLE_HOME := $(abspath $(VENV)/ansible-home)
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0

PYTEST_ARGS ?=

.PHONY: venv collection demo test lint ruff ansible-lint sanity pytest unit sim integration bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

collection: venv
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn $(CURDIR) $(COLLECTION_LINK)

demo: collection
	$(BIN)/python -m tests.demo

test: collection lint sanity pytest

lint: ruff ansible-lint

ruff: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ansible-lint: collection
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/ansible-lint --profile production --offline

# ansible-test wants the collection under ansible_collections/<ns>/<name> as a real
# directory, so sanity runs on a copy of the tracked (and new, unignored) files.
sanity: collection
	@rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)
	@git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} $(SANITY_ROOT)/ 2>/dev/null || true
	cd $(SANITY_ROOT) && PATH=$(CURDIR)/$(BIN):$$PATH $(CURDIR)/$(BIN)/ansible-test sanity --python 3.11 --local --color no \
		--skip-test pylint --skip-test mypy --skip-test pslint --skip-test shellcheck

pytest: collection
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: collection
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

sim: collection
	$(BIN)/python -m pytest tests/sim $(PYTEST_ARGS)

integration: collection
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

bench: collection
	$(BIN)/python -m pytest tests/bench -s $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
