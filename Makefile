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
SANITY_HOME := $(abspath $(VENV)/sanity-home)

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export PYTHONPATH := $(COLLECTIONS):$(CURDIR)
export ANSIBLE_LOCAL_TEMP := $(abspath $(VENV)/ansible-tmp)
export ANSIBLE_HOME := $(abspath $(VENV)/ansible-home)
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0

PYTEST_ARGS ?=
# make demo DEMO_ARGS=--verbose prints the raw Ansible output of every run
DEMO_ARGS ?=

.PHONY: venv collection demo test test-deps lint ruff ansible-lint sanity pytest unit sim integration faults bench clean \
	docs core-venvs core-matrix browser-deps module-docs

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
	$(BIN)/python -m tests.demo $(DEMO_ARGS)

# CI (.ci/run) has 2 cores and every step is mostly CPU-bound Python, so the steps before pytest share them:
# lint, sanity, docs and the ansible-core matrix run side by side (-j3; the matrix is three pytest processes),
# each step's output printed in one piece when it ends (--output-sync), and any failure stops `make test`
# before pytest. pytest runs last, alone on its two xdist workers, so its closing "N passed" line ends the log.
# docs must be built before pytest: tests/docs loads the site in Chromium.
test: collection
	@$(MAKE) --no-print-directory -j3 --output-sync=target core-matrix sanity docs lint
	@$(MAKE) --no-print-directory pytest

lint: ruff ansible-lint

# Each NITRO module's DOCUMENTATION options written from its OPTIONS table (types, choices, defaults, list items);
# tests/unit/plugins/modules/test_documentation.py fails until this has been run after a table changed.
module-docs: collection
	$(BIN)/python hacking/module_docs.py

ruff: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ansible-lint: collection
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/ansible-lint --nocolor

# ansible-test wants the collection under ansible_collections/<ns>/<name> as a real
# directory, so sanity runs on a copy of the tracked (and new, unignored) files.
# tests/ is the project's pytest suite (ruff-checked), not ansible-test content, so it stays out.
# pslint and shellcheck need pwsh and shellcheck binaries, which this project does not install.
SANITY_VENV := $(VENV)/sanity-venv
ANSIBLE_TEST_REQS = $(VENV)/lib/python3.11/site-packages/ansible_test/_data/requirements
SANITY_TESTS := validate-modules pep8 yamllint pylint changelog import runtime-metadata ansible-doc

# ansible-test --local runs in its own venv with the exact pins ansible-test ships.
$(SANITY_VENV)/.installed: requirements.txt constraints.txt | venv
	$(PYTHON) -m venv $(SANITY_VENV)
	$(SANITY_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SANITY_VENV)/bin/python -m pip install --quiet $$(grep '^ansible-core==' requirements.txt) \
		$(foreach t,$(SANITY_TESTS),-r $(ANSIBLE_TEST_REQS)/sanity.$(t).txt)
	touch $@

# ansible-test wants the collection under ansible_collections/<ns>/<name> as a real
# directory, so sanity runs on a copy of the tracked (and new, unignored) files.
# tests/ is the project's pytest suite (ruff-checked), not ansible-test content, so it stays out, and so does
# ansible.cfg, which the built collection does not ship either (galaxy.yml build_ignore).
# It bootstraps pip in per-test venvs with a script from a host outside the package
# registries; hacking/get_pip_offline.py does the same from Python's bundled pip.
# pslint and shellcheck need pwsh and shellcheck binaries, which this project does not install.
# validate-modules needs pwsh to read a PowerShell module's argument spec and crashes without it. An ignore
# entry (validate-modules!skip) would ship with the collection and fail certification's ansible-lint, so
# without pwsh the .ps1 modules are excluded from the main run instead (their .py documentation is still
# validated; tests/unit/test_win_dsr_loopback.py compares spec and docs) and get the file-level tests that
# apply to them in a second run. Where pwsh exists, everything runs on them as usual.
PS_MODULES := $(if $(shell command -v pwsh),,$(wildcard plugins/modules/*.ps1))
PS_FILE_TESTS := shebang line-endings no-smart-quotes no-illegal-filenames symlinks
sanity: collection $(SANITY_VENV)/.installed
	@rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT) $(SANITY_HOME)/.ansible/test/cache
	@cp hacking/get_pip_offline.py $(SANITY_HOME)/.ansible/test/cache/get_pip_24_2.py
	@git ls-files -co --exclude-standard -z -- . ':!tests' ':!hacking' ':!ansible.cfg' | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C $(SANITY_ROOT)
	@# its own repository, or ansible-test asks the enclosing one, where .venv is ignored
	@cd $(SANITY_ROOT) && git init -q && git add -A
	cd $(SANITY_ROOT) && HOME=$(SANITY_HOME) PATH=$(abspath $(SANITY_VENV))/bin:$$PATH \
		$(abspath $(SANITY_VENV))/bin/ansible-test sanity --python 3.11 --local --color no \
		--skip-test pslint --skip-test shellcheck $(addprefix --exclude ,$(PS_MODULES))
ifneq ($(PS_MODULES),)
	cd $(SANITY_ROOT) && HOME=$(SANITY_HOME) PATH=$(abspath $(SANITY_VENV))/bin:$$PATH \
		$(abspath $(SANITY_VENV))/bin/ansible-test sanity --python 3.11 --local --color no \
		$(addprefix --test ,$(PS_FILE_TESTS)) $(PS_MODULES)
endif

# Two pytest-xdist workers: most tests wait on ansible-playbook runs, probes and the simulator's clock, so two
# processes overlap that waiting on CI's 2 cores. --dist loadgroup keeps the tests that share a module- or
# session-scoped build in one worker (tests/conftest.py sets the groups). PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= 2
PYTEST_XDIST = $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadgroup,)

pytest: collection
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

unit: collection
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

sim: collection
	$(BIN)/python -m pytest tests/sim $(PYTEST_ARGS)

integration: collection
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

faults: collection
	$(BIN)/python -m pytest tests/faults $(PYTEST_ARGS)

# Not part of `make test` (about 14 min on 2 idle cores, most of it the netscaler.adc column): see tests/bench/bench.py.
# BENCH_ARGS, e.g. --sizes 10,100 --no-official; BENCH_OFFICIAL_COLLECTION: netscaler.adc tarball or collections path.
BENCH_ARGS ?=
bench: collection
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

# Debian packages the tests use: iproute2 builds the dsr_backend network-namespace lab, and ifupdown,
# netplan.io and systemd (systemd-networkd, systemd-sysctl) read back the files the role persists;
# mono-mcs compiles the Windows module's C# utility; chromium loads the docs site in tests/docs.
# CI (.ci/run) installs them with one apt-get update;
# elsewhere this needs root and apt-get, and without them those tests skip.
TEST_DEBS := iproute2 procps util-linux ifupdown netplan.io systemd mono-mcs chromium

test-deps:
	@if ! command -v apt-get >/dev/null || [ "$$(id -u)" != 0 ]; then \
		echo "test-deps: needs root and apt-get; without $(TEST_DEBS) the network-namespace tests skip"; \
	elif dpkg-query -W -f='$${Status}\n' $(TEST_DEBS) 2>/dev/null | grep -vq '^install ok installed$$' \
		|| [ "$$(dpkg-query -W -f='$${Status}\n' $(TEST_DEBS) 2>/dev/null | wc -l)" != "$(words $(TEST_DEBS))" ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(TEST_DEBS); \
	else echo "test-deps: $(TEST_DEBS) installed"; fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# ---------------------------------------------------------------------------------------------------------------
# Installed the way users install it: docs site, ansible-core matrix, browser check of the docs.

# `make docs`: the HTML site of the modules and roles with antsibull-docs and Sphinx (the docs.ansible.com tooling),
# in its own venv because antsibull-docs pins its own Sphinx. Sphinx warnings are errors (-W).
DOCS_VENV := $(VENV)/docs
DOCS_BUILD := docs/build

$(DOCS_VENV)/.installed: docs/requirements.txt docs/constraints.txt | venv
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DOCS_VENV)/bin/python -m pip install --quiet -r docs/requirements.txt -c docs/constraints.txt
	touch $@

docs: collection $(DOCS_VENV)/.installed
	@rm -rf $(DOCS_BUILD) && mkdir -p $(DOCS_BUILD)/rst && chmod 700 $(DOCS_BUILD)/rst
	PATH=$(abspath $(DOCS_VENV))/bin:$$PATH $(DOCS_VENV)/bin/antsibull-docs --config-file docs/antsibull-docs.cfg \
		collection --use-current --fail-on-error --cleanup everything --dest-dir $(DOCS_BUILD)/rst adcops.netscaler
	@cp -r docs/rst/. docs/examples docs/playbooks docs/*.md $(DOCS_BUILD)/rst/
	@# the role guides are the roles' READMEs, at the same paths as in the repository
	@for f in roles/*/README.md roles/*/WINDOWS.md; do mkdir -p $(DOCS_BUILD)/rst/$$(dirname $$f) && cp $$f $(DOCS_BUILD)/rst/$$f; done
	$(DOCS_VENV)/bin/sphinx-build -b html -W --keep-going -q -c docs -d $(DOCS_BUILD)/doctrees $(DOCS_BUILD)/rst $(DOCS_BUILD)/html
	@echo "docs: $(DOCS_BUILD)/html/index.html"

# `make core-matrix`: the playbook-level tests (the built tarball installed, a smoke of every module, a playbook by
# FQCN, both roles imported by another collection, quiet_vip's end-to-end tests with real backends, dsr_vserver's
# converge and no-op, a login failure inside a role shown with its reason, the roles' plan step refusing bad and
# misspelled variables and an empty member list before any request) on each older ansible-core that
# meta/runtime.yml supports, each in its own venv; 2.19 runs
# them (and the pytest plugin example, which does not depend on the core) in `make pytest`. The cores run in
# parallel: the tests mostly wait on probes.
CORES := 2.16.19 2.17.14 2.18.19
CORE_MINORS := $(basename $(CORES))
CORE_TESTS := tests/dist tests/integration/test_quiet_vip.py \
	tests/integration/test_dsr_vserver.py::test_converge_matches_the_documented_appliance_config_then_idempotent \
	tests/integration/test_nitro_session.py::test_login_failure_inside_a_role_shows_its_reason_and_no_secret \
	tests/integration/test_role_plan.py::test_every_bad_pool_input_fails_at_once_with_zero_requests \
	tests/integration/test_role_plan.py::test_typo_or_blank_survey_answer_never_empties_a_live_pool \
	tests/integration/test_role_plan.py::test_bad_dsr_input_fails_with_zero_requests \
	--deselect tests/dist/test_pytest_plugin.py::test_documented_plugin_example_passes

$(VENV)/core-%/.installed: tests/dist/requirements-core.txt | venv
	$(PYTHON) -m venv $(VENV)/core-$*
	$(VENV)/core-$*/bin/python -m pip install --quiet ansible-core==$(filter $*.%,$(CORES)) \
		-r tests/dist/requirements-core.txt
	touch $@

core-venvs: $(foreach m,$(CORE_MINORS),$(VENV)/core-$(m)/.installed)

core-matrix: collection
	@$(MAKE) --no-print-directory -j3 core-venvs
	@pids=(); for m in $(CORE_MINORS); do \
		$(VENV)/core-$$m/bin/python -m pytest $(CORE_TESTS) -q $(PYTEST_ARGS) > $(VENV)/core-$$m/pytest.log 2>&1 & \
		pids+=($$!); done; \
	rc=0; i=0; for m in $(CORE_MINORS); do \
		if wait $${pids[$$i]}; then echo "== ansible-core $$m"; tail -n 3 $(VENV)/core-$$m/pytest.log; \
		else rc=1; echo "== ansible-core $$m FAILED"; cat $(VENV)/core-$$m/pytest.log; fi; i=$$((i+1)); done; \
	exit $$rc

# Headless Chromium for tests/docs (Debian package chromium) comes with the other test packages. Without root and
# apt the docs browser test skips with the reason, except under CI=true, where it fails.
browser-deps: test-deps
