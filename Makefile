# benchmark_tools — tapez « make » pour la liste des commandes.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OMP_NUM_THREADS := 1
export MPLBACKEND := Agg
# Tests and runs leave no __pycache__ in the checkout.
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help setup system report note test test-fast test-slow test-all test-lab lint bench validate lab clean freshcheck printemps

help: ## Affiche cette aide
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) ## Crée l'environnement .venv si besoin et installe le projet (idempotent)

system: ## Installe les paquets Debian utiles (chromium, poppler-utils, polices) — en root
	bash scripts/install_system.sh

validate: setup ## Vérifie tous les fichiers YAML (critères, profils, cas)
	$(BIN)/benchmark-tools validate

report: setup validate ## Exécute les notebooks et rend reports/latest/preconisations.{html,pdf}
	$(BIN)/benchmark-tools report

note: setup ## Rend la note de synthèse reports/latest/note_de_synthese.{pdf,docx} (après make report)
	$(BIN)/benchmark-tools note

EDITION ?= 2024
printemps: setup ## Printemps citoyen : carnet, programme et fichiers de communication (EDITION=2024 par défaut)
	$(BIN)/benchmark-tools printemps validate $(EDITION)
	$(BIN)/benchmark-tools printemps rapport $(EDITION)
	$(BIN)/benchmark-tools printemps publish $(EDITION)

# Tests: "slow" marks the end-to-end runs (whole report, PDF, browser, corpus of bad inputs);
# make test leaves them to make test-slow, and .ci/run runs both.
# Two pytest workers (pytest-xdist): the machine has two cores; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: setup ## Tests rapides : toute la suite sauf les tests de bout en bout marqués « slow » (moins d'une minute)
	$(BIN)/python -m pytest -q -m "not slow" -n $(TEST_WORKERS)

test-fast: test ## Ancien nom de make test

test-slow: setup ## Tests de bout en bout marqués « slow » (rapport complet, PDF, navigateur), lancés par la CI
	$(BIN)/python -m pytest -q -m "slow"

test-all: setup ## Toute la suite : make test puis make test-slow, comme .ci/run
	$(BIN)/python -m pytest -q -m "not slow" -n $(TEST_WORKERS)
	$(BIN)/python -m pytest -q -m "slow"

test-lab: setup ## Installe l'extra « lab » et vérifie que JupyterLab ouvre les notebooks (API REST)
	@$(BIN)/python -c "import jupyterlab, ipywidgets, jupytext" 2>/dev/null || $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,lab]'
	$(BIN)/python -m pytest -q tests/test_lab.py tests/test_explorer.py

lint: setup ## Vérifie le style du code (ruff)
	$(BIN)/ruff check src tests bench notebooks

bench: setup ## Chronomètre make report et make test, et la vitesse face aux bibliothèques de référence (reports/bench/latest.json)
	$(BIN)/python bench/bench.py

lab: setup ## Ouvre JupyterLab sur le projet (installe l'extra « lab » si besoin)
	@$(BIN)/python -c "import jupyterlab, ipywidgets, jupytext" 2>/dev/null || $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,lab]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "benchmark_tools" >/dev/null
	$(BIN)/jupyter lab --ServerApp.contents_manager_class=jupytext.TextFileContentsManager $$(test "$$(id -u)" = 0 && echo --allow-root) notebooks/

freshcheck: ## Clone le dépôt dans un dossier temporaire et y lance make test et make report
	bash scripts/fresh_clone_check.sh

clean: ## Supprime les fichiers générés (pas les cas ni la configuration)
	rm -rf build .pytest_cache .ruff_cache reports/runs reports/latest reports/bench
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
