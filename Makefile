# Accord: two commands for a newcomer.  `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
DEMO_DB ?= demo.db
DEMO_LOANS ?= 3000
ACCORD_DEMO = ACCORD_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/accord

.PHONY: demo test bench install clean lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

# The demo: a fresh SQLite book of $(DEMO_LOANS) synthetic loans, a year of history, daily runs for the
# last quarter, then the bucket table, roll-rate matrix, KPIs and a journal check.
demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(ACCORD_DEMO) init
	$(ACCORD_DEMO) demo-data --loans $(DEMO_LOANS) --seed 1 --as-of 2026-06-30
	$(ACCORD_DEMO) run --as-of 2026-03-31
	$(ACCORD_DEMO) run --as-of 2026-06-30
	$(ACCORD_DEMO) report delinquency --as-of 2026-06-30 --format summary
	$(ACCORD_DEMO) report rolls --from 2026-05-31 --to 2026-06-30
	$(ACCORD_DEMO) report kpis --from 2026-04-01 --to 2026-06-30
	$(ACCORD_DEMO) actions list --date 2026-06-30
	$(ACCORD_DEMO) ledger verify
	$(ACCORD_DEMO) journal verify

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache
