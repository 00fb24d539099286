# Accord: two commands for a newcomer.  `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
DEMO_DB ?= sqlite:///accord.db
DEMO_LOANS ?= 3000

.PHONY: demo test bench install clean lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	ACCORD_DATABASE_URL=$(DEMO_DB) $(BIN)/python -m accord.demo_script --loans $(DEMO_LOANS)

test: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) accord.db accord.db-wal accord.db-shm .pytest_cache
