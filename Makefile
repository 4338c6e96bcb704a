# Carnet: `make run` to try it, `make test` to check it. Everything is installed on the way.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HTMX_VERSION := 2.0.11
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-noto-color-emoji fonts-hosny-amiri gettext
FLASK = $(BIN)/flask --app wsgi
RUN_ENV = CARNET_ENV=$${CARNET_ENV:-development}

.PHONY: run codes test lint install system-deps vendor translations static migrate seed serve bench \
	bench-scale bench-tools clean

system-deps: .system-deps.stamp
.system-deps.stamp:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	$(PYTHON) -c 'import ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@# PDFs are set in DejaVu Sans (Latin, Hebrew…), Arabic ones in Amiri: a stale font cache
	@# would hide them.
	@fc-list | grep -q "DejaVu Sans" && fc-list | grep -q "Amiri" || fc-cache -f
	@touch $@

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check '.[test]'
	@touch $@

vendor: static/vendor/htmx.min.js
static/vendor/htmx.min.js:
	@mkdir -p static/vendor .tools/pack
	cd .tools/pack && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null 2>&1
	tar -xzf .tools/pack/htmx.org-$(HTMX_VERSION).tgz -C .tools/pack
	cp .tools/pack/package/dist/htmx.min.js static/vendor/htmx.min.js
	@rm -rf .tools/pack

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -d translations 2>&1 | tail -1

# The brotli and gzip forms of the static files, built once per content into the instance
# folder (the server builds a missing one on first request; this spares the first visitors).
static: $(VENV)/.installed vendor
	@$(RUN_ENV) $(FLASK) static-compress

install: system-deps $(VENV)/.installed vendor translations static

migrate: install
	$(RUN_ENV) $(FLASK) db upgrade

seed: migrate
	$(RUN_ENV) $(FLASK) seed

run: seed
	@$(RUN_ENV) $(FLASK) demo-accounts
	@$(RUN_ENV) bash scripts/serve.sh

# The newest e-mails of the demo's outbox (one-time login codes): what `make run` would have sent.
codes:
	@$(RUN_ENV) $(FLASK) outbox --last 3

test: install lint
	@bash scripts/test-tools.sh
	$(BIN)/pytest

# ruff, configured in pyproject.toml ([tool.ruff]); part of make test.
lint: install
	$(BIN)/ruff check .

# wrk (throughput figures) comes from Debian, installed like .system-deps when missing.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

# Every figure of issue 14 on the embedded setup (SQLite): bench-results.md.
bench: install bench-tools
	PYTHONPATH=. $(BIN)/python -m benchmarks

# The PostgreSQL figures, on a throw-away PostgreSQL 15 cluster, Redis and S3 server that the
# run starts on 127.0.0.1 and stops: bench-results-scale.md.
bench-scale: install bench-tools
	@missing=; command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	[ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$$missing postgresql-15"; \
	if [ -n "$$missing" ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
	PYTHONPATH=. $(BIN)/python -m benchmarks --scale

clean:
	rm -rf $(VENV) static/vendor .tools .system-deps.stamp
