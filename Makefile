# Firebreak. `make run` = fresh clone to a working app (embedded: SQLite, in-process channel
# layer, filesystem Celery broker). `make test` = the test suite (PostgreSQL/Redis when
# DATABASE_URL/REDIS_URL are set).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The links the app prints and sends (integration URLs, curl examples, paging emails) use the address it is
# served on, unless FIREBREAK_SITE_URL is set in the environment.
SITE_URL := http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
SERVE := FIREBREAK_SITE_URL=$${FIREBREAK_SITE_URL:-$(SITE_URL)}

.PHONY: setup run worker test lint fmt schema migrate shell seed up down

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Written once, never committed: this clone's development settings, read by manage.py, the server and the
# worker (config/settings.py reads .env; variables of the environment win). Delete it to start over.
.env:
	@printf '%s\n' \
	  '# Development settings of this clone, written once by `make run` (never committed).' \
	  '# Production sets real environment variables instead: README.md, "Production shape".' \
	  "DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  "FIREBREAK_ENCRYPTION_KEYS=$$($(PYTHON) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
	  'FIREBREAK_DEV=true' > $@
	@echo "Wrote .env (development settings, a generated DJANGO_SECRET_KEY and FIREBREAK_ENCRYPTION_KEYS)"

setup: $(BIN)/.installed .env migrate  ## idempotent: venv, install, .env, migrate

migrate: $(BIN)/.installed .env
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: $(BIN)/.installed .env
	$(BIN)/python manage.py seed_demo

run: setup seed  ## serve on http://$(HOST):$(PORT) with a background worker
	@echo ""
	@echo "  Firebreak is starting on $(SITE_URL)/"
	@echo "  Demo login: demo@example.com / firebreak-demo"
	@echo ""
	@export $(SERVE); \
	$(BIN)/celery -A config worker --beat --schedule var/celerybeat-schedule -Q critical,default \
	    --pool=solo & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: $(BIN)/.installed .env  ## a Celery worker (+ beat) for both queues
	mkdir -p var
	$(SERVE) $(BIN)/celery -A config worker --beat --schedule var/celerybeat-schedule -Q critical,default

test: $(BIN)/.installed
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(BIN)/.installed .env  ## regenerate docs/openapi.yaml
	$(BIN)/python manage.py spectacular --validate --file docs/openapi.yaml

shell: $(BIN)/.installed .env
	$(BIN)/python manage.py shell

up:  ## production shape with Docker (needs a Docker engine)
	docker compose up --build -d

down:
	docker compose down
