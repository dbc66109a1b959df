# netops.vrp — developer entry points. `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS_STAMP := $(VENV)/.deps-stamp
COLLECTIONS := .collections
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := build/netops-vrp-$(VERSION).tar.gz
INSTALLED := $(COLLECTIONS)/ansible_collections/netops/vrp/MANIFEST.json
# Everything that goes into the collection tarball (build_ignore in galaxy.yml removes the rest).
COLLECTION_SRC := galaxy.yml README.md LICENSE requirements.txt $(shell find meta plugins roles playbooks docs changelogs extensions -type f -not -path '*/__pycache__/*' 2>/dev/null)
PYTEST_WORKERS ?= 2
SANITY_ROOT := build/sanity/ansible_collections/netops/vrp
# Ansible's own files (temp files, galaxy cache, any roles/collections install) stay in the repository, never
# in ~/.ansible: every make target and what it starts inherits these (.ci/run checks ~/.ansible is untouched).
export ANSIBLE_HOME := $(CURDIR)/.ansible
export ANSIBLE_REMOTE_TEMP := $(CURDIR)/.ansible/tmp
# Every pip install and download a target makes honours constraints.txt (why: see the file).
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt

.PHONY: help setup build install demo test test-unit test-integration test-reliability test-awx test-molecule test-containers test-packaging test-bench sanity lint bench containers-image docs clean ee ee-navigator test-cores

help:
	@echo "make demo   - start the vrpsim lab, run a BGP policy rollout on it, print the report, stop the lab"
	@echo "make test   - unit, lab, integration, molecule, packaging, ansible-test sanity and ansible-lint"
	@echo "make setup  - create $(VENV), install dependencies, build and install the collection"
	@echo "make ee     - build the execution environment image offline (podman; docs/awx.md)"
	@echo "make docs   - regenerate docs/plugins, docs/roles and docs/reference.md from the plugin docs"
	@echo "make lint | sanity | bench | clean"

$(DEPS_STAMP): pyproject.toml requirements.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]' -r requirements.txt
	touch $@

$(TARBALL): $(DEPS_STAMP) $(COLLECTION_SRC)
	mkdir -p build
	rm -f build/netops-vrp-*.tar.gz
	$(BIN)/ansible-galaxy collection build --force --output-path build . >/dev/null

$(INSTALLED): $(TARBALL)
	$(BIN)/ansible-galaxy collection install --force -p $(COLLECTIONS) $(TARBALL) >/dev/null
	touch $@

build: $(TARBALL)
install: $(INSTALLED)
setup: $(DEPS_STAMP) $(INSTALLED)

demo: setup
	$(BIN)/python scripts/demo.py

test: setup
	rm -rf build/test-results
	$(MAKE) --no-print-directory test-unit test-integration test-reliability test-awx test-molecule test-containers test-packaging test-bench sanity lint test-cores
	@echo "make test: all stages passed"

test-unit: $(DEPS_STAMP)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --junitxml=build/test-results/unit.xml tests/unit tests/vrpsim

test-integration: setup
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --junitxml=build/test-results/integration.xml tests/integration

# Issue 9: fault matrix, recovery, bad-input campaign, fleet concurrency, secrets.
test-reliability: setup
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --junitxml=build/test-results/reliability.xml tests/reliability

# Issue 17: the execution environment image, built offline (ee/build.py; a no-op when up to date).
NAVIGATOR_STAMP := build/venvs/navigator/.stamp
CORE_VERSIONS := 2.17.14 2.18.19 2.19.14
ee: $(TARBALL)
	$(BIN)/python ee/build.py --tarball $(TARBALL)

ee-navigator: $(NAVIGATOR_STAMP)
$(NAVIGATOR_STAMP): ee/requirements-navigator.txt constraints.txt
	rm -rf $(@D) && $(PYTHON) -m venv $(@D)
	$(@D)/bin/python -m pip install -q -r $<
	touch $@

# Issue 17: sanity + the demo rollout smoke under each ansible-core AWX users have, one venv each.
build/venvs/core-%/.stamp: requirements.txt constraints.txt
	rm -rf $(@D) && $(PYTHON) -m venv $(@D)
	$(@D)/bin/python -m pip install -q ansible-core==$* -r requirements.txt
	touch $@

test-cores: setup $(foreach v,$(CORE_VERSIONS),build/venvs/core-$(v)/.stamp)
	CORE_VERSIONS="$(CORE_VERSIONS)" $(BIN)/pytest -q --junitxml=build/test-results/cores.xml tests/awx/cores

# Issue 7: the AWX-shaped run (ansible-runner) and the execution environment build context.
# Issue 17: the EE image built and run (podman; fails with the reason when it cannot run), sliced jobs.
test-awx: setup $(NAVIGATOR_STAMP)
	$(BIN)/pytest -q --junitxml=build/test-results/awx.xml --ignore=tests/awx/cores tests/awx

# Issue 10: containerized routers (podman). Fails with the reason when the engine cannot run.
test-containers: setup
	$(BIN)/pytest -q --junitxml=build/test-results/containers.xml tests/containers

# Issue 10: the vrpsim router image (offline: debootstrap rootfs + host wheels; no-op when up to date).
containers-image: setup
	PYTHON=$(BIN)/python containers/build.sh

# Issue 8: the benchmark at its smallest size, as a smoke check (no timing assertions).
test-bench: setup
	$(BIN)/pytest -q --junitxml=build/test-results/bench.xml tests/bench

test-packaging: setup
	$(BIN)/pytest -q --junitxml=build/test-results/packaging.xml tests/packaging

# ANSIBLE_HOME: molecule and ansible-lint (offline) keep their roles/ and collections/ cache there, else in ~/.ansible
test-molecule: setup
	@if ls extensions/molecule/*/molecule.yml >/dev/null 2>&1; then \
	  PATH="$(CURDIR)/$(BIN):$$PATH" ANSIBLE_CONFIG="$(CURDIR)/ansible.cfg" ANSIBLE_HOME="$(CURDIR)/.ansible" $(BIN)/molecule test --all; \
	else echo "test-molecule: no molecule scenario found under extensions/molecule/"; exit 1; fi

sanity: $(DEPS_STAMP)
	$(BIN)/python scripts/sanity.py

lint: setup
	$(BIN)/ruff check .
	PATH="$(CURDIR)/$(BIN):$$PATH" ANSIBLE_HOME="$(CURDIR)/.ansible" $(BIN)/ansible-lint --profile production --offline

bench: setup
	$(BIN)/python bench/run.py

docs: $(DEPS_STAMP)
	$(BIN)/python scripts/gen_docs.py

clean:
	-$(BIN)/python -m vrpsim lab down --all 2>/dev/null
	rm -rf build $(COLLECTIONS) .vrpsim .pytest_cache tests/output
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
