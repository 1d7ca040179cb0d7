# ecvet-forms: `make forms` then `make test` is the whole set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
COHORT ?= inputs/demo
OUT    ?= outputs

.DEFAULT_GOAL := help
.PHONY: help forms validate test bench templates catalogs clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  Options: COHORT=inputs/<name> (default inputs/demo), OUT=<folder> (default outputs)"

$(BIN)/ecvet: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

forms: $(BIN)/ecvet ## Build every form of COHORT (bootstraps .venv on first use)
	$(BIN)/ecvet generate $(COHORT) --out $(OUT)

validate: $(BIN)/ecvet ## Check COHORT and list every problem
	$(BIN)/ecvet validate $(COHORT)

test: $(BIN)/ecvet ## Run the test suite
	$(BIN)/python -m pytest

bench: $(BIN)/ecvet ## Time rendering, a cohort run and reading returned forms (LEARNERS=50)
	$(BIN)/python tests/benchmark.py $(or $(LEARNERS),50)

templates: $(BIN)/ecvet ## Rewrite the DOCX templates in forms/templates/
	$(BIN)/python forms/templates/make_templates.py

catalogs: $(BIN)/ecvet ## Re-extract labels into messages.pot and update every language's .po
	$(BIN)/pybabel extract -F forms/locales/babel.cfg -k N_ --no-location --sort-output \
	    --project ecvet-forms --copyright-holder ecvet-forms -o forms/locales/messages.pot .
	$(BIN)/pybabel update -D messages -i forms/locales/messages.pot -d forms/locales --no-fuzzy-matching

clean: ## Remove generated forms (outputs/) and caches, keep .venv
	rm -rf $(OUT)/*/ .pytest_cache
