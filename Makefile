# OutreachPass: the two commands are `make dev` and `make test`; each bootstraps what it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# This machine's pip configuration names package mirrors that may be absent; their warnings are noise.
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The CDK CLI, pinned by tools/cdk/package-lock.json (what make synth, the CLI test and deploys run).
CDK_DIR := tools/cdk
CDK := $(CDK_DIR)/node_modules/.bin/cdk

.PHONY: dev test typecheck synth bench bench-quick lint openapi catalogues clean system-deps console web-test

# The console (web/): npm ci when node_modules is missing or the lockfile changed; a build
# when its sources changed. Tests (*.test.*, src/test/) are not sources of the build.
WEB := web
WEB_STAMP := $(WEB)/node_modules/.installed
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/public -type f ! -name '*.test.*' ! -path '*/src/test/*' 2>/dev/null) \
	$(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json $(WEB)/package.json

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip $(PIP_QUIET)
	$(PY) -m pip install --quiet -r requirements-dev.txt $(PIP_QUIET)
	@touch $(STAMP)

$(CDK): $(CDK_DIR)/package.json $(CDK_DIR)/package-lock.json
	npm ci --prefix $(CDK_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages the tests need (headless Chromium, openssl); installed only when missing.
system-deps:
	@bash scripts/system-deps.sh

$(WEB_STAMP): $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB)/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd $(WEB) && npm run --silent build

console: $(WEB)/dist/index.html

# Vitest: the client glue, forms, sign-in flows, and the generated client checked against
# docs/openapi.json (fails when `npm run generate:client` is due).
web-test: $(WEB_STAMP)
	cd $(WEB) && npx vitest run

dev: $(STAMP) console
	$(PY) -m local

test: $(STAMP) $(CDK) system-deps typecheck console web-test
	$(PY) -m pytest

# mypy, strict on the runtime library and the handlers ([tool.mypy] in pyproject.toml); make test and make lint run it.
typecheck: $(STAMP)
	$(PY) -m mypy

# A deployable synth: the real dependencies layer and the built console (it refuses to go on without it).
synth: $(STAMP) $(CDK)
	@if [ -f web/package.json ]; then $(MAKE) --no-print-directory console; fi
	$(PY) -m stacks.synth

# The analytics benchmark runs at the issue's scale (10M events, 50 tenants; the generated
# database is kept in .local/bench-analytics, so only the first run pays ~12 minutes for it).
# `make bench-quick` runs it on 200k events.
bench: $(STAMP)
	BENCH_ANALYTICS_EVENTS=$${BENCH_ANALYTICS_EVENTS:-10000000} $(PY) -m bench

bench-quick: $(STAMP)
	$(PY) -m bench

lint: $(STAMP) typecheck
	$(PY) -m ruff check .

openapi: $(STAMP)
	$(PY) -m local.openapi --write

# The translation catalogues (layers/core/python/outreachpass/locales): extract the messages of the
# templates and code (babel.cfg), merge them into each language's .po, compile the .mo files.
catalogues: $(STAMP)
	$(PY) -m ops.catalogues

clean:
	rm -rf cdk.out .build test-artifacts $(WEB)/dist
