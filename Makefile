# Stepbridge: `make run` serves the workbench on http://127.0.0.1:8000 (PORT overrides);
# `make test` runs the linters, the layer contract and the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint install system-deps-run system-deps-test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

system-deps-run:
	@bash scripts/system-deps.sh run

system-deps-test:
	@bash scripts/system-deps.sh test

run: system-deps-run install
	@echo "Debug pages are off (they show settings and tracebacks). To turn them on: STEPBRIDGE_DEBUG=1 make run"
	@echo "Served host names: 127.0.0.1, localhost, [::1]; add others with STEPBRIDGE_ALLOWED_HOSTS=a.example,b.example"
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py serve --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: system-deps-test install lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/patterns.py
	$(BIN)/python bench/states.py
	$(BIN)/python bench/served.py
	$(BIN)/python bench/delivery.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
