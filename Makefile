# Innkjøpsbot — every set-up step lives here, so a fresh machine needs only Python 3.11+, pip and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 3978
# The suite runs on every CPU (pytest-xdist); PYTEST_ARGS="-n 0 -x" for one process, or a file to run.
PYTEST_ARGS ?= -n auto
UV_VERSION := 0.13.9

.PHONY: run test lint bench playground teams-package screenshots translations field-vectors lock clean help

help:
	@echo "make run            set up, load the demo register and run the bot on http://127.0.0.1:$(PORT)/api/messages"
	@echo "make test           set up and run every test (PostgreSQL too when TEST_DATABASE_URL is set)"
	@echo "make lint           ruff (style, imports, common bugs) and mypy (types)"
	@echo "make bench          benchmarks: sync, search, bot throughput, announcement delivery"
	@echo "make playground     run the bot and the M365 Agents Playground (Teams emulator) side by side"
	@echo "make teams-package  build deploy/build/innkjopsbot-teams.zip for upload to Teams"
	@echo "make screenshots    renew docs/screenshots/ (the workspace's pages) in headless Chromium"
	@echo "make field-vectors  re-embed the taxonomy's changed texts (knowledge/taxonomy/field-vectors.npz)"
	@echo "make lock           re-resolve the pinned lock files from pyproject.toml"

# The virtual environment is rebuilt whenever a lock file or pyproject.toml changes.
$(BIN)/.installed: requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

venv: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/innkjopsbot migrate
	$(BIN)/innkjopsbot sync demo/avtaleregister-demo.csv --trigger demo
	$(BIN)/innkjopsbot serve --port $(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# After editing bokmål texts in knowledge/locale/*.pot or the authority matrix: carry the change into the
# nynorsk and English catalogs (changed texts are marked fuzzy until translated; tests/test_i18n.py insists on it).
translations: $(BIN)/.installed
	$(BIN)/python scripts/extract_data_texts.py
	for po in knowledge/locale/*/LC_MESSAGES/*.po; do \
	  domain=$$(basename $$po .po); lang=$$(basename $$(dirname $$(dirname $$po))); \
	  $(BIN)/pybabel update -w 100 -i knowledge/locale/$$domain.pot -d knowledge/locale -D $$domain -l $$lang; \
	done

field-vectors: $(BIN)/.installed
	$(BIN)/python scripts/embed_taxonomy.py

bench: $(BIN)/.installed
	$(BIN)/python -m benchmarks $(BENCH)

playground: $(BIN)/.installed
	bash deploy/playground.sh $(PORT)

teams-package: $(BIN)/.installed
	$(BIN)/innkjopsbot teams-package

# The workspace's pages in Debian's Chromium (the browser test), one screenshot each, for docs/workspace.md.
screenshots: $(BIN)/.installed
	INNKJOPSBOT_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q -rs tests/test_workspace_browser.py

lock:
	$(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(PYTHON) -m uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements.lock
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -q -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
