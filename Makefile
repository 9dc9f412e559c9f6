SHELL := /bin/bash
# eCabinet: `make run` serves the app, `make dev` is the developer's server, `make test` runs
# every check. All bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails, calendars and papers name the address the app is served on: unset, the one
# `run`/`dev` listen on (a server listening on every interface is reached as localhost here;
# set PUBLIC_BASE_URL to the real public address, e.g. behind a proxy).
PUBLIC_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(if $(findstring :,$(HOST)),[$(HOST)],$(HOST)))
PUBLIC_BASE_URL ?= http://$(PUBLIC_HOST):$(PORT)
DEMO_PASSWORD ?= ecabinet2026
# Where the database, media, the generated secret key and the demo marker live (settings.VAR_DIR).
VAR_DIR ?= var
# Two workers by default (tests/conftest.py keeps their databases, Redis prefixes and media apart).
XDIST ?= -n 2
FUZZ := tests/ecabinet/test_api_fuzz.py
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml package-lock.json | sha256sum | cut -c1-16)

.PHONY: install run serve-prod dev test lint messages migrate bench bench-lighthouse clean

$(STAMP): pyproject.toml package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r <($(BIN)/python scripts/requirements.py dev)
	@# Third-party assets (the Times-metric font of the papers, later the front end's packages)
	@# come from npm, pinned in package-lock.json; no install scripts run.
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# Translations: .po files are the source, .mo are built here (Babel, no system gettext needed).
messages: $(STAMP)
	@for dir in ecabinet/locale meetings/locale signing/locale; do \
	  if [ -d $$dir ]; then $(BIN)/pybabel -q compile -D django -d $$dir -f || exit 1; fi; \
	done

migrate: messages
	$(BIN)/python manage.py migrate --noinput

# The database, the installation CA and (once) the demo body, for `run` and `dev`.
define prepare
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py init_ca
	@$(BIN)/python manage.py vapid_keys >/dev/null
	@$(BIN)/python manage.py seed_help >/dev/null
	@if [ ! -f $(VAR_DIR)/.demo-seeded ]; then \
	  $(BIN)/python manage.py seed_demo --password "$(DEMO_PASSWORD)" && touch $(VAR_DIR)/.demo-seeded && echo "Demo password (and signing PIN): $(DEMO_PASSWORD)"; \
	fi
endef

# `run` serves the app as it runs for real: DEBUG off (a wrong address gets the Vietnamese 404
# page), the secret key generated once into $(VAR_DIR)/secret_key, static files served by
# WhiteNoise. It speaks plain HTTP on this machine, so HTTPS_ONLY is off unless set; behind a
# TLS proxy set HTTPS_ONLY=1 (README, "Deploying"). Set ALLOWED_HOSTS to serve other names.
run: export DEBUG := 0
run: export HTTPS_ONLY ?= 0
run: export ALLOWED_HOSTS ?= 127.0.0.1,localhost,$(HOST)
run: export PUBLIC_BASE_URL := $(PUBLIC_BASE_URL)
run: messages
	$(prepare)
	@# Static files under hashed names, precompressed, into $(VAR_DIR)/static (ecabinet/staticfiles.py);
	@# only what changed since the last run is compressed again.
	$(BIN)/python manage.py collectstatic --noinput -v 0
	@# uvicorn reads a request body only as the app asks for it, so the body bound holds
	@# (ecabinet/bodylimit.py); client addresses come from TRUSTED_PROXIES, not uvicorn.
	@# Clients send the room only pings and resyncs: 64 KiB websocket messages are plenty. The
	@# snapshot goes compressed to a client offering permessage-deflate (browsers all do).
	@# run_with_worker starts the task queue's consumer (reminders, scheduled work) beside the
	@# server; both stop together (ecabinet/management/commands/run_with_worker.py).
	$(BIN)/python manage.py run_with_worker -- $(BIN)/uvicorn ecabinet.asgi:application --host $(HOST) --port $(PORT) --ws websockets-sansio --ws-max-size 65536 --ws-per-message-deflate true --no-proxy-headers

# `serve-prod`: the scale-out recipe (README, "Deploying with PostgreSQL, Redis and several
# workers") in one command: WORKERS uvicorn processes over PostgreSQL (DATABASE_URL) and Redis
# (REDIS_URL: the live layer, the cache and the task queue), and the task queue's consumer as a
# process of its own beside them (stopped with the server). No demo body is loaded.
WORKERS ?= 3
serve-prod: export DEBUG := 0
serve-prod: export PUBLIC_BASE_URL := $(PUBLIC_BASE_URL)
serve-prod: messages
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "serve-prod: set DATABASE_URL=postgres://… (and REDIS_URL=redis://…)"; exit 1;; esac
	@test -n "$$REDIS_URL" || { echo "serve-prod: set REDIS_URL=redis://…"; exit 1; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py init_ca
	@$(BIN)/python manage.py vapid_keys >/dev/null
	@$(BIN)/python manage.py seed_help >/dev/null
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py run_huey & consumer=$$!; trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	$(BIN)/uvicorn ecabinet.asgi:application --workers $(WORKERS) --host $(HOST) --port $(PORT) --ws websockets-sansio --ws-max-size 65536 --ws-per-message-deflate true --no-proxy-headers

# `dev`: the same server with DEBUG on (Django's technical error pages, mail printed to the
# console) and reloading when a Python file changes. Never expose it to a network.
dev: export DEBUG := 1
dev: export PUBLIC_BASE_URL := $(PUBLIC_BASE_URL)
dev: messages
	$(prepare)
	$(BIN)/python manage.py run_with_worker -- $(BIN)/uvicorn ecabinet.asgi:application --reload --reload-dir ecabinet --reload-dir meetings --reload-dir signing --host $(HOST) --port $(PORT) --ws websockets-sansio --ws-max-size 65536 --no-proxy-headers

# The shape checks: style, types (mypy + django-stubs, [tool.mypy] in pyproject.toml) and the
# import contracts (.importlinter). The pre-commit hooks run the same three.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: messages lint
	@$(BIN)/python scripts/test_environment.py
	$(BIN)/python -m pytest tests $(XDIST) --ignore=$(FUZZ) $(PYTEST_ARGS)
	@# schemathesis makes its cases while the test runs, which pytest-xdist's workers never run:
	@# the API fuzzer gets a process of its own.
	$(BIN)/python -m pytest $(FUZZ) -p no:xdist $(PYTEST_ARGS)

bench: messages
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Lighthouse (npm, a devDependency) with Debian's Chromium, as a phone on a slow line, against a
# server started like `make run` in a temporary VAR_DIR: scores and timings of the main pages.
bench-lighthouse: messages
	$(BIN)/python bench/lighthouse.py $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(VENV) $(VAR_DIR)
