# The two commands of the README: `make run` and `make test`. Every target sets up what is
# missing first (Python 3.10 venv, pinned packages, the spaCy pipeline, a trained model).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
SPACY_PIPELINE := var/spacy/en_clinic/clinic_fingerprint.json
WIDGET  := web/node_modules/.installed
CHROMIUM := /usr/bin/chromium
HAPROXY := /usr/sbin/haproxy

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

.PHONY: help setup widget browser scaled-tools train run run-scaled test test-data test-stories test-py bench bench-console loadtest validate lint clean peer-baseline embedding-trial

help:
	@echo "make run    set up, train if needed, start the assistant and print its URLs"
	@echo "make test   set up, train if needed, run every test"
	@echo "make test-unit  the fast tier: lint and every test that needs no model, PostgreSQL or browser"
	@echo "make run-scaled  2 Rasa replicas + 2 action servers behind HAProxy, on PostgreSQL and Redis"
	@echo "make loadtest    one replica against two, realistic conversations (~5 min)"
	@echo "make bench  benchmark against a stock 'rasa init' assistant"
	@echo "make bench-console  benchmark the staff console's conversation index (100k conversations)"
	@echo "make peer-baseline  rasa init's default pipeline trained on our data, beside ours (45-75 min)"
	@echo "make embedding-trial  our pipeline plus the WordLlama featurizer, beside ours (trains once)"
	@echo "make clean  remove the venv, models and var/"

# A venv on Python 3.10 with the pinned packages (re-installed when a requirements file changes).
# WordLlama's wheel (its weights and tokenizer, for the embedding trial) without its dependencies:
# it wants numpy 2 and pydantic 2, which Rasa 3.6 cannot use, and is never imported.
$(INSTALLED): requirements.txt requirements-dev.txt requirements.lock requirements-embedding.txt scripts/find_python.sh
	@python=$$(scripts/find_python.sh) || exit 1; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then \
		echo "Replacing $(VENV): it is not on Python 3.10"; rm -rf $(VENV); fi; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt -c requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-embedding.txt
	@touch $@

# The project's spaCy pipeline, built from PyPI packages alone (rebuilt when its sources change).
$(SPACY_PIPELINE): $(INSTALLED) spacy_pipeline/build.py spacy_pipeline/terminology.yml
	$(PY) -m spacy_pipeline.build

# The website's chat widget (rasa-webchat) from the npm registry, exactly as
# web/package-lock.json pins it; webchat/ serves it locally (no CDN).
$(WIDGET): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found: install Node.js (Debian: apt-get install nodejs npm)"; exit 1; }
	cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

widget: $(WIDGET)

# Debian's Chromium for the browser test (Playwright drives it; it never downloads a browser).
$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser test..."
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

browser: $(CHROMIUM)

# Debian's HAProxy (the scaled topology's load balancer), and Redis and PostgreSQL's server
# binaries where missing (the topology's tests start instances of their own on spare ports).
$(HAPROXY):
	@echo "Installing Debian's haproxy (and redis-server, postgresql where missing)..."
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	missing=haproxy; command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing

scaled-tools: $(HAPROXY)

setup: $(INSTALLED) $(SPACY_PIPELINE) $(WIDGET)
	@$(PY) -m clinic.config
	@$(PY) -m clinic.migrate

train: setup
	@$(PY) -m ops.train

run: train
	@$(PY) -m ops.run

run-scaled: train scaled-tools
	@$(PY) -m ops.run_scaled

# The lint and format gate (ruff, configured in pyproject.toml): fast, so it runs first.
lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

validate: setup
	$(RASA) data validate --fail-on-warnings

test-stories: train
	$(RASA) test core --model models/clinic.tar.gz --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out var/results/stories

test-py: train browser scaled-tools
	$(PY) -m pytest

test: lint validate test-stories test-py

# The fast tier (about a minute): no training, no PostgreSQL, no browser (pytest.ini's markers).
test-unit: lint $(SPACY_PIPELINE)
	$(PY) -m pytest -n auto -m "not rasa and not postgres and not browser"

bench: train
	$(PY) -m ops.bench

loadtest: train scaled-tools
	$(PY) -m ops.loadtest

bench-console: setup
	$(PY) -m ops.bench_console

# Not part of `make test`: trains Rasa's default pipeline on this project's data (45-75 minutes here).
peer-baseline: train
	$(PY) -m ops.peer_baseline

# Not part of `make test`: trains config_trials/wordllama.yml (config.yml plus the WordLlama
# featurizer) on the same data and scores it beside the project's model.
embedding-trial: train
	$(PY) -m ops.embedding_trial

clean:
	rm -rf $(VENV) var models .rasa web/node_modules
