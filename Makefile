# ecvet-forms: `make forms` then `make test` is the whole set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
COHORT ?= inputs/demo
OUT    ?= outputs

.DEFAULT_GOAL := help
.PHONY: help forms validate test bench templates catalogs clean i18n-extract i18n-init i18n-update i18n-compile i18n-check

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'
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

# Translations (README "Languages"): labels are extracted from pipeline/ with their msgctxt
# (NC_) and the translator comments (# TRANSLATORS:); .po/.pot are committed, .mo built.
LOCALES := forms/locales
POT := $(LOCALES)/messages.pot
EXTRACT := $(BIN)/pybabel -q extract -F $(LOCALES)/babel.cfg -k N_ -k NC_:1c,2 -c TRANSLATORS: \
	--sort-by-file --project ecvet-forms --copyright-holder ecvet-forms
UPDATE := $(BIN)/pybabel -q update -D messages -i $(POT) -d $(LOCALES) --no-fuzzy-matching --ignore-obsolete

i18n-extract: $(BIN)/ecvet ## Extract every label into forms/locales/messages.pot
	$(EXTRACT) -o $(POT) .

i18n-init: $(BIN)/ecvet ## Start a catalog for a new language: make i18n-init LANG=xx
	@echo "$(LANG)" | grep -Eq '^[a-z]{2,3}$$' || { echo "Give the language code: make i18n-init LANG=xx (e.g. LANG=fi)"; exit 1; }
	$(BIN)/pybabel init -D messages -i $(POT) -d $(LOCALES) -l $(LANG)

i18n-update: i18n-extract ## Merge messages.pot into every language's catalog
	$(UPDATE)

i18n-compile: $(BIN)/ecvet ## Build the .mo files (not committed; the tool reads .po directly)
	$(BIN)/pybabel compile -D messages -d $(LOCALES) --statistics

i18n-check: $(BIN)/ecvet ## Every catalog complete, no fuzzy, placeholders kept, messages.pot current
	$(BIN)/ecvet i18n check --locales $(LOCALES)

catalogs: i18n-update ## Same as i18n-update

clean: ## Remove generated forms (outputs/) and caches, keep .venv
	rm -rf $(OUT)/*/ .pytest_cache

.PHONY: fuzz
fuzz: $(BIN)/ecvet ## Mutate real returned forms and read them, sandboxed, for SECONDS (default 60)
	$(BIN)/python tests/fuzz.py --seconds $(or $(SECONDS),60) $(if $(SEED),--seed $(SEED))
