# Voisinage — the whole set-up is in these targets; see README.md.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= python3
export PATH := $(HOME)/.local/bin:$(PATH)
# uv from PATH, else the module pip installed (works whatever folder pip put the script in).
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PG_MAJOR ?= 15

.PHONY: help setup uv deps postgis browser assets demo serve test test-fast bench lint format clean

help:
	@echo "make demo   — base de démonstration (SQLite embarqué) et application web sur http://127.0.0.1:8501/"
	@echo "make serve  — application web sur la base configurée (VOISINAGE_DATABASE_URL)"
	@echo "make test   — installe ce qu'il faut, lance toute la suite (SQLite et PostGIS)"
	@echo "make bench  — mesures de performance"
	@echo "make lint   — ruff et mypy"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet uv || python3 -m pip install --quiet --user --break-system-packages uv

# Bytecode compiled at install (third parties and ours): the CLI starts fast even where PYTHONDONTWRITEBYTECODE is set.
PACKAGES = alerts cli community data gis layers notify sectors server services settings stats store
deps: uv
	UV_COMPILE_BYTECODE=1 $(UV) sync --locked
	@$(UV) run python -m compileall -q $(wildcard $(PACKAGES)) >/dev/null

# PostgreSQL's PostGIS from Debian, when missing (the tests start a throwaway cluster with it).
postgis:
	@bash scripts/ensure_system_packages.sh postgis $(PG_MAJOR)

# Debian's chromium for the browser tests (Playwright drives it; no browser is ever downloaded).
browser:
	@bash scripts/ensure_system_packages.sh chromium

# Leaflet and its plugins from the npm registry, pinned by package-lock.json, served by the app (no CDN).
assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || bash scripts/ensure_system_packages.sh npm
	npm ci --ignore-scripts --no-audit --no-fund

setup: deps postgis browser assets

# Builds the demo database (Orsay when ../shared/data is there), then serves the app on it; no internet needed.
demo: deps assets
	$(UV) run python -m data.demo

serve: deps assets
	$(UV) run voisinage serve

test: setup
	$(UV) run pytest $(PYTEST_ARGS)

test-fast: deps assets
	$(UV) run pytest -x -q -m "not slow" $(PYTEST_ARGS)

bench: setup
	$(UV) run python -m bench $(BENCH_ARGS)

lint: deps
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

format: deps
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

clean:
	rm -rf .venv .pytest_cache .ruff_cache data/cache data/*.sqlite3* node_modules
