# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Python may cache compiled modules (__pycache__/, ignored by git) even where the environment says not
# to: the test workers, the CLI subprocesses and pytest's rewritten test modules then compile once.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo notebooks test test-full lint typecheck docs bench install clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the project's metadata changes (new extras, new entry points).
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[all,dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/nimble-tools demo

# JupyterLab is not needed to run the notebooks (make test runs them headless): install it on first use.
notebooks: $(STAMP)
	@$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/python -m pip install --quiet "jupyterlab>=4,<5"
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The documentation site, into site/. Strict: a broken link, anchor or reference fails the build.
# make test builds it the same way (tests/test_docs_site.py), checks it and takes screenshots of it.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The test files run on every core, plus one worker: many tests wait on a subprocess, a server or a
# browser, and the extra worker uses those waits (TEST_WORKERS=1 runs them in this process, one after
# another). A file's tests stay together on one worker, so that its module fixtures are made once.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
PYTEST := $(BIN)/python -m pytest -q $(if $(filter 1,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: lint typecheck
	$(PYTEST)

# Everything, including the suites marked slow.
test-full: lint typecheck
	$(PYTEST) --run-slow

# Writes the figures to docs/explanation/benchmark-results.json, which the docs' benchmarks page shows.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache site dist
