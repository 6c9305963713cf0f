# Two commands for a new machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The suite runs on SQLite, then on PostgreSQL: DATABASE_URL when it names a PostgreSQL
# database, else the local server's `portal` database (scripts/test_suite.sh).
TEST_POSTGRES_URL ?= $(if $(filter postgres%,$(DATABASE_URL)),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/portal)
SQLITE_TEST_URL := sqlite:///$(CURDIR)/.pytest-db.sqlite3
# The project's apps, bottom layer first: one list, [tool.portal] apps in pyproject.toml.
APPS = $(shell $(BIN)/python scripts/project_apps.py)

.PHONY: install run serve test lint typecheck docs pytest bench audit key clean mutation

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

.env: | $(BIN)/.installed
	$(BIN)/python scripts/make_env.py .env

run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Production-style serving: gunicorn (threaded workers, >= 2) + whitenoise, with
# the production settings; needs DATABASE_URL, DJANGO_SECRET_KEY and
# PORTAL_ENCRYPTION_KEYS in the environment (docs/operations/deploying.md). With
# PORTAL_SANDBOX_ENABLED=true the sandbox gets a gunicorn of its own
# (GUNICORN_SANDBOX_BIND, default 127.0.0.1:8001; manage.py serve).
serve: install
	DJANGO_SETTINGS_MODULE=portal.settings.production $(BIN)/python manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=portal.settings.production $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=portal.settings.production $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_SETTINGS_MODULE=portal.settings.production $(BIN)/python manage.py serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy $(APPS)

# Installs Chromium when missing (root with apt), starts the local PostgreSQL when it is
# down, creates its database, and says plainly when the PostgreSQL pass is skipped.
SUITE := PYTEST=$(BIN)/pytest SQLITE_TEST_URL=$(SQLITE_TEST_URL) TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) \
	scripts/test_suite.sh
pytest: install
	$(SUITE) $(PYTEST_ARGS)

# The documentation site (mkdocs.yml) into site/, strictly: a broken link or anchor, or a
# page missing from the nav, fails the build.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The checks run while the machine is prepared (Chromium, Node packages), then pytest.
test: install
	CHECKS="$(MAKE) --no-print-directory lint typecheck docs" $(SUITE) $(PYTEST_ARGS)

# Benchmarks: writes docs/benchmarks.md. Needs PostgreSQL; BENCH_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/portal_bench) is dropped and created again.
bench: install
	$(BIN)/python bench/run.py

# Security audit: bandit on the code (also a test in the suite) and pip-audit on the
# pins. pip-audit needs its vulnerability service (PyPI's JSON API or OSV): run it
# where those are reachable; --strict fails when a package could not be checked.
audit: install
	$(BIN)/python -m bandit -r $(APPS) -lll -q
	$(BIN)/pip-audit -r requirements.txt --strict --progress-spinner off

# Mutation testing (docs/development/mutation-testing.md): mutmut on the modules that carry the
# security rules (pyproject.toml, [tool.mutmut]), on SQLite, two mutants at a time; prints
# killed/total per module and fails when one is below 90%. Of test_call.py only the
# request rules are mutated into runs: api_url, api_request_check and _rows_check.
MUTANTS := 'registrations.validators.*' 'core.redaction.*' \
	'oauthclient.services.test_call.x_api_url__mutmut_*' \
	'oauthclient.services.test_call.x_api_request_check__mutmut_*' \
	'oauthclient.services.test_call.x__rows_check__mutmut_*'
mutation: install
	rm -rf mutants
	DATABASE_URL=sqlite:///$(CURDIR)/mutants/mutation.sqlite3 $(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/python scripts/mutation_report.py

key: install
	@$(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"

clean:
	rm -rf $(VENV) .pytest-db.sqlite3 staticfiles .mypy_cache .ruff_cache mutants site
