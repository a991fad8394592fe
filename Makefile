# Type `make help` for the list. The first two targets are the README's first two commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

.PHONY: help run test reliability lint format check migrations migrate demo worker bench messages catalogs clean
CATALOGS := $(patsubst %.po,%.mo,$(wildcard forum/locale/*/LC_MESSAGES/messages.po))

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

catalogs: $(CATALOGS) ## compile the translation catalogs (run and test do it for you)

messages: $(STAMP) ## extract new strings and merge them into every language's catalog
	$(BIN)/pybabel extract --no-location --sort-output -k N_ -F babel.cfg -o forum/locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i forum/locale/messages.pot -d forum/locale -D messages

run: $(STAMP) $(CATALOGS) ## apply migrations and serve the forum on http://127.0.0.1:8000
	$(BIN)/python run.py migrate
	$(BIN)/python run.py serve

test: $(STAMP) $(CATALOGS) ## run the whole test suite (browser tests need Debian's chromium)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

reliability: $(STAMP) $(CATALOGS) ## write storm, crash, shutdown and backup tests on SQLite (~3 min)
	$(BIN)/python -m pytest -m reliability tests/reliability $(PYTEST_ARGS)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test ## everything CI checks

migrations: $(STAMP) ## write a migration for model changes (review it like code)
	$(BIN)/tortoise makemigrations

migrate: $(STAMP) ## apply migrations to the configured database
	$(BIN)/python run.py migrate

demo: $(STAMP) $(CATALOGS) ## fill an empty database with a believable community
	$(BIN)/python run.py migrate
	$(BIN)/python run.py demo

worker: $(STAMP) ## run the background worker
	$(BIN)/python run.py worker

bench: $(STAMP) $(CATALOGS) ## load benchmark with wrk (BENCH_SCALES="10000" for a quick one)
	$(BIN)/python bench/load.py

clean: ## remove the virtualenv and caches (keeps data/)
	rm -rf $(VENV) .pytest_cache .ruff_cache
