# One-command set-up: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install test test-fast lint demo bench bench-scale reliability accuracy clean

install: $(STAMP)

$(STAMP): pyproject.toml system-packages.txt
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .

# Everything, slow tests too (real crawls, kill -9, fuzzing, large inputs).
test: lint
	$(BIN)/python -m pytest -q

# Without the tests marked slow: under a minute.
test-fast: lint
	$(BIN)/python -m pytest -q -m "not slow"

demo: install
	$(BIN)/govreports demo

bench: install
	$(BIN)/python -m benchmarks.bench

# The corpus at scale: N reports (default 200000) stored, served, exported, checked, reparsed.
bench-scale: install
	$(BIN)/python -m benchmarks.scale --reports $(or $(N),200000)

clean:
	rm -rf $(VENV) output/*.db output/*.json output/replica

reliability: install
	$(BIN)/python -m reliability.run

accuracy: install
	$(BIN)/python -m benchmarks.accuracy --json output/accuracy.json
