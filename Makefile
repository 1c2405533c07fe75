# Chokepoint — everything a fresh machine needs: Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
# the interpreter itself, not a launcher (a pyenv shim made uv rebuild .venv on every sync)
PYTHON_EXE := $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
RUN := $(UV) run --frozen --no-sync

export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test lint typecheck docs bench bench-sweep bench-ario env env-dev clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

# --inexact: a demo after a test run keeps the test tools (a fresh environment gets none)
env: | $(UV)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON_EXE)

env-dev: | $(UV)
	$(UV) sync --frozen --group dev --python $(PYTHON_EXE)

demo: env
	$(RUN) chokepoint demo --html reports/demo.html

lint: env-dev
	$(RUN) ruff check src tests properties benchmarks examples
	$(RUN) ruff format --check src tests properties benchmarks examples
	$(RUN) mypy

typecheck: env-dev
	$(RUN) mypy

docs: env-dev
	$(RUN) python -m chokepoint.docs_gen docs/reference
	$(RUN) mkdocs build --strict --site-dir build/site

test: env-dev lint docs
	$(RUN) pytest -n 2 --dist loadfile

bench: env-dev
	$(RUN) python benchmarks/bench_engine.py

bench-sweep: env-dev
	$(RUN) python benchmarks/bench_sweep.py

bench-ario: env-dev
	$(RUN) python benchmarks/bench_ario.py

clean:
	rm -rf $(VENV) .tools build reports .pytest_cache .mypy_cache .ruff_cache
