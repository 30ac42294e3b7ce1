# Firebreak. `make run` = fresh clone to a working app (embedded: SQLite, in-process channel
# layer, filesystem Celery broker). `make test` = the test suite (PostgreSQL/Redis when
# DATABASE_URL/REDIS_URL are set).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Local development runs with DEBUG on (and the dev-only secret) unless told otherwise.
DEV := DJANGO_DEBUG=$${DJANGO_DEBUG:-true}

.PHONY: setup run worker test lint fmt schema migrate shell seed up down

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed migrate  ## idempotent: venv, install, migrate

migrate: $(BIN)/.installed
	mkdir -p var
	$(DEV) $(BIN)/python manage.py migrate --noinput

seed: $(BIN)/.installed
	$(DEV) $(BIN)/python manage.py seed_demo

run: setup seed  ## serve on http://$(HOST):$(PORT) with a background worker
	@echo ""
	@echo "  Firebreak is starting on http://$(HOST):$(PORT)/"
	@echo "  Demo login: demo@example.com / firebreak-demo"
	@echo ""
	@$(DEV); export DJANGO_DEBUG; \
	$(BIN)/celery -A config worker --beat --schedule var/celerybeat-schedule -Q critical,default \
	    --pool=solo --loglevel=warning & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: $(BIN)/.installed  ## a Celery worker (+ beat) for both queues
	$(DEV) $(BIN)/celery -A config worker --beat --schedule var/celerybeat-schedule -Q critical,default --loglevel=info

test: $(BIN)/.installed
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(BIN)/.installed  ## regenerate docs/openapi.yaml
	$(DEV) $(BIN)/python manage.py spectacular --validate --file docs/openapi.yaml

shell: $(BIN)/.installed
	$(DEV) $(BIN)/python manage.py shell

up:  ## production shape with Docker (needs a Docker engine)
	docker compose up --build -d

down:
	docker compose down
