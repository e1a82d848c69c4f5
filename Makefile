# Two commands from a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
# Serving locally: debug on (plain static files, no HTTPS redirect) unless the caller says otherwise.
RUN_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run serve test venv migrate fixtures lint format e2e check-deploy clean

# The venv is rebuilt only when requirements.txt changes, so re-running is quick.
$(VENV)/.installed: requirements.txt
	@PYTHON=$$(bin/find-python) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PYTHON"; $$PYTHON -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

venv: $(VENV)/.installed

migrate: venv
	$(RUN_ENV) $(PY) manage.py migrate --no-input -v 0

fixtures: migrate
	$(RUN_ENV) $(PY) manage.py import_fixtures fixtures/

run: fixtures
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production serving: DEBUG off, static files collected for WhiteNoise's compressed
# manifest, migrations applied, gunicorn with a worker count from the CPU count
# (config/gunicorn.conf.py). Without SECRET_KEY a random one is kept in .secret-key.
# SECURE_SSL_REDIRECT defaults to 0 here (plain HTTP on loopback); behind a TLS proxy set 1.
SERVE_ENV := DEBUG=0 SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-0} \
	CACHE_DIR=$${CACHE_DIR:-$${TMPDIR:-/tmp}/timeline-cache} \
	SECRET_KEY="$${SECRET_KEY:-$$(cat .secret-key)}"

.secret-key:
	@umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n' > $@

serve: venv .secret-key
	$(SERVE_ENV) $(PY) manage.py collectstatic --no-input -v 0
	$(SERVE_ENV) $(PY) manage.py migrate --no-input -v 0
	$(SERVE_ENV) $(VENV)/bin/gunicorn -c config/gunicorn.conf.py

test: venv
	$(PY) -m pytest

e2e: venv
	$(PY) -m pytest -m e2e

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: venv
	DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=timeline.example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
