# The two commands: `make run` installs everything and starts the bot on its
# embedded defaults; `make test` runs the whole suite. Both need only
# Python 3.11+, make and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run serve test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %d.%d)" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/supportbot serve --host 127.0.0.1 --port 8080

serve: $(STAMP)
	$(BIN)/supportbot serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n 4

bench: $(STAMP)
	$(BIN)/python bench/route.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
