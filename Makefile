# Offline speech appliance: set up, run the demo call, test, benchmark.
# Builds and model files are cached under CACHE_DIR (outside the checkout, so a fresh
# clone on the same machine reuses the llama.cpp wheel and the Asterisk root).

CACHE_DIR ?= $(HOME)/.cache/offline-appliance
VENV      ?= .venv
PY        := $(VENV)/bin/python
export APPLIANCE_CACHE_DIR := $(abspath $(CACHE_DIR))
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup system-deps python models asterisk-root asterisk-up asterisk-down run test bench eval soak clean bundle lint-ansible ansible-lint-tool

setup: system-deps python models asterisk-root

system-deps:
	bash scripts/system-deps.sh

python: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup-python.sh
	bash scripts/setup-python.sh "$(VENV)"
	touch $@

models: python
	$(PY) -m appliance.cli.main models install
	$(PY) -m appliance.cli.main models install --group ru
	$(PY) -m appliance.cli.main models install llm_qwen_0_5b

asterisk-root:
	bash scripts/asterisk.sh build

asterisk-up: asterisk-root
	bash scripts/asterisk.sh up

asterisk-down:
	bash scripts/asterisk.sh down

run: setup
	bash scripts/demo.sh

# tests/test_ansible.py runs ansible-lint on the playbooks: its own venv in the cache (ansible-core
# and the appliance's venv do not share dependencies well), installed from the package registry.
ANSIBLE_LINT_VERSION := 26.10.1
ANSIBLE_LINT := $(APPLIANCE_CACHE_DIR)/ansible-venv/bin/ansible-lint

test: setup ansible-lint-tool
	$(PY) -m pytest -q -rs

ansible-lint-tool:
	[ -x "$(ANSIBLE_LINT)" ] || { python3 -m venv "$(APPLIANCE_CACHE_DIR)/ansible-venv" && "$(APPLIANCE_CACHE_DIR)/ansible-venv/bin/pip" install -q "ansible-lint==$(ANSIBLE_LINT_VERSION)"; }

bench: setup
	$(PY) -m appliance.cli.main bench

# Bounded chaos run (bench/README.md, "Soak"): its own Asterisk, >= 20 min of calls, hang-ups,
# uploads, kills. SOAK_ARGS="--duration 10m --calls 200" shortens it.
soak: setup
	$(PY) -m appliance.cli.main soak $(SOAK_ARGS)

# Answer quality on the evaluation's knowledge bases (bench/eval/, bench/README.md).
eval: setup
	$(PY) -m appliance.cli.main eval

clean:
	rm -rf $(VENV) models/cache

# Air-gapped provisioning: wheelhouse, models, Asterisk templates, KB -> dist/appliance-bundle
# (ansible/README.md).
bundle: python models
	bash scripts/bundle.sh

# ansible-lint lives in its own venv (it pins an ansible-core of its own).
lint-ansible: ansible-lint-tool
	cd ansible && PATH="$(APPLIANCE_CACHE_DIR)/ansible-venv/bin:$$PATH" ansible-lint site.yml
