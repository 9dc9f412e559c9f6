SHELL := /bin/bash
# eCabinet: `make run` serves the app, `make test` runs every check. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD ?= ecabinet2026
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-16)

.PHONY: run test lint messages migrate bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r <($(BIN)/python scripts/requirements.py dev)
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# Translations: .po files are the source, .mo are built here (Babel, no system gettext needed).
messages: $(STAMP)
	@for dir in ecabinet/locale meetings/locale signing/locale; do \
	  if [ -d $$dir ]; then $(BIN)/pybabel -q compile -D django -d $$dir -f || exit 1; fi; \
	done

migrate: messages
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

run: messages
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py init_ca
	@if [ ! -f var/.demo-seeded ]; then \
	  DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --password "$(DEMO_PASSWORD)" && touch var/.demo-seeded && echo "Demo password (and signing PIN): $(DEMO_PASSWORD)"; \
	fi
	@# uvicorn reads a request body only as the app asks for it, so the body bound holds
	@# (ecabinet/bodylimit.py); client addresses come from TRUSTED_PROXIES, not uvicorn.
	@# Clients send the room only pings and resyncs: 64 KiB websocket messages are plenty.
	DEBUG=$${DEBUG:-1} $(BIN)/uvicorn ecabinet.asgi:application --host $(HOST) --port $(PORT) --ws websockets-sansio --ws-max-size 65536 --no-proxy-headers

lint: $(STAMP)
	$(BIN)/ruff check .

test: messages
	@$(BIN)/python scripts/test_environment.py
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

bench: messages
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var
