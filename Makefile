# The README's two commands: `make run` and `make test`. Plus `make lint` and `make bench`.
SHELL := /bin/bash
PYTHON ?= python3
# `make run` serves here; `PORT=8000 make run` or `make run PORT=8000` to change it.
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
FLASK := BACK_RELIEF_DEV=1 $(BIN)/flask --app tracker
PIP_FLAGS ?= -q

.PHONY: run test test-fast bench lint clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip

# Stamp files re-run the install whenever pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e ".[dev]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) push init-keys
	@echo "Back Relief on http://127.0.0.1:$(PORT) (reminder clock running alongside; Ctrl-C stops both)"
	@# Both in the background so one trap stops both on Ctrl-C, TERM or the server exiting.
	@$(FLASK) reminders run & clock=$$!; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT) & web=$$!; \
	  trap 'kill $$clock $$web 2>/dev/null; wait' INT TERM EXIT; \
	  wait $$web

# Browser tests need Debian's Chromium; install it when we can, otherwise say how.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing. Install it with:  sudo apt-get install -y chromium"; exit 1; \
	  fi; }

# Lint first (seconds), then the suite. pytest exits 5 when it collected nothing; treat that
# as a pass, not a crash.
test: $(VENV)/.installed-dev lint chromium
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

test-fast: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not browser" -q $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev chromium
	$(BIN)/python -m bench

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache
