# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
FLASK  := $(VENV)/bin/flask --app lms.app
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The suite runs on every core; `make test PYTEST_WORKERS=` runs it in one process.
PYTEST_WORKERS ?= -n auto
# The 30 slowest tests are listed at the end of each run: where the suite's time goes.
PYTEST_ARGS ?= --durations=30

# Debian packages the tests read outputs with: the browser, PDF and image tools, fonts,
# HarfBuzz's own shaper (hb-shape) that certificate glyphs are checked against.
APT_PACKAGES := chromium qpdf poppler-utils fonts-dejavu-core libharfbuzz-bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-test system-deps js-deps lint format clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: $(PY) setup.cfg pyproject.toml
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(PY) setup.cfg pyproject.toml
	$(PIP) install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

system-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# Mozilla's ical.js and Deque's axe-core (pinned in tests/js/package-lock.json): the tests
# read .ics files with the one and check every page's accessibility with the other.
# Installed again whenever the lock file differs from the one last installed.
JS_LOCK := tests/js/package-lock.json
JS_STAMP := tests/js/node_modules/.installed-lock.json
js-deps:
	@if ! cmp -s $(JS_LOCK) $(JS_STAMP); then \
	  if command -v npm >/dev/null; then \
	    npm ci --prefix tests/js --no-audit --no-fund && cp $(JS_LOCK) $(JS_STAMP); \
	  else echo "npm not found: the ical.js readings and the axe-core sweep are skipped"; fi; \
	fi

run: export LMS_DEPARTMENT_NAME ?= Missoula Police Department
# Links in mail (and the demo's, made outside a request) point to the served app.
run: export LMS_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: install
	$(FLASK) lms db upgrade
	$(FLASK) lms demo --if-empty
	@# The worker delivers the outbox (instance/mail/*.eml without LMS_SMTP_HOST) beside
	@# the web server, in the background, and stops with it.
	$(FLASK) lms worker --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test system-deps js-deps
	$(PY) -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache tests/js/node_modules
