# Accord: two commands for a newcomer.  `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
DEMO_DB ?= demo.db
DEMO_LOANS ?= 3000
ACCORD_DEMO = COLUMNS=150 ACCORD_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/accord

.PHONY: demo test bench install clean lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

# The demo: a fresh SQLite book of $(DEMO_LOANS) synthetic loans with a year of history, a daily run for
# every day of June (ledger, cases, plan, gate, outbox), then the bucket table, roll-rate matrix, KPIs,
# the last day's contacts, the champion / challenger results, and ledger and journal checks.
demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm demo-casefile.zip
	$(ACCORD_DEMO) init
	$(ACCORD_DEMO) demo-data --loans $(DEMO_LOANS) --seed 1 --as-of 2026-06-30
	$(ACCORD_DEMO) run --as-of 2026-05-31
	@echo "daily runs for June (plan, gate, outbox each day) ..."
	@for d in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do \
	  $(ACCORD_DEMO) run --as-of 2026-06-$$d --format json > /dev/null || exit 1; done
	$(ACCORD_DEMO) report delinquency --as-of 2026-06-30 --format summary
	$(ACCORD_DEMO) report rolls --from 2026-05-31 --to 2026-06-30
	$(ACCORD_DEMO) report kpis --from 2026-06-01 --to 2026-06-30
	$(ACCORD_DEMO) strategy results default-ladder-2026
	$(ACCORD_DEMO) actions list --date 2026-06-30
	$(ACCORD_DEMO) ledger verify
	$(ACCORD_DEMO) journal verify
	@echo "one M2 account: the arrangements it qualifies for, then its case file for a mediator ..."
	@set -- $$($(ACCORD_DEMO) case list --stage M2 --limit 1 --format json | $(BIN)/python -c \
	  'import json, sys; c = json.load(sys.stdin)[0]; print(c["case_id"], c["loan_id"])') && \
	$(ACCORD_DEMO) arrangement offers $$2 --income 6000 --expenses 3500 --hardship job_loss --on 2026-06-30 --limit 5 && \
	$(ACCORD_DEMO) case export $$1 --out demo-casefile.zip --lang en && \
	$(ACCORD_DEMO) journal verify --receipts demo-casefile.zip

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache
