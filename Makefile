# Two commands on a fresh machine: `make preview` (the main job) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=
WORKERS ?= 3  # pytest-xdist processes: 2 cores, and many tests wait on loopback servers

.PHONY: preview demo serve test test-deps lint bench golden clean

$(BIN)/uv:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv

# What the site needs to collect and build (~120 MB); the test and infra extras only for tests.
$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --python $(BIN)/python -q -e '.[test,infra]'
	touch $@ $(VENV)/.installed

# Collect every group's feed into the embedded store, then build the site into _site/.
preview: $(VENV)/.installed
	$(BIN)/dctech refresh $(ARGS)

# The same from the bundled sample feeds in demo/: no network needed.
demo: $(VENV)/.installed
	$(BIN)/dctech refresh --groups demo/_groups --store sqlite:///.dctech/demo.db $(ARGS)

# Serve _site/ and /api/events on http://127.0.0.1:8000
serve: $(VENV)/.installed
	$(BIN)/dctech serve $(ARGS)

# What the tests need beyond Python: Chromium (Debian), DynamoDB Local and axe-core (npm), and
# the Lambda bundles' arm64 wheels (the bundle test installs them with no index).
test-deps: $(VENV)/.dev-installed
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: chromium missing and not root: browser tests will be skipped"; fi; }
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python infra/build_lambda.py --download

# One pass, in a zone far from UTC and New York (tests/test_local_zone.py says why that is enough).
# Bytecode is written even where the environment says not to: a run starts hundreds of Python
# processes (workers, CLI runs, parse workers), each of which would compile its imports again.
test: test-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	PYTHONDONTWRITEBYTECODE= TZ=Pacific/Auckland \
		$(BIN)/pytest -q -n $(WORKERS) --dist loadfile --durations=10 $(ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/collect.py && $(BIN)/python bench/build.py && $(BIN)/python bench/api.py \
		&& $(BIN)/python bench/system.py && $(BIN)/python bench/catalogue.py && $(BIN)/python bench/search.py

# Re-render tests/golden/ after a template change; review with `git diff tests/golden`.
golden: $(VENV)/.dev-installed
	DCTECH_REFRESH_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

clean:
	rm -rf $(VENV) node_modules _site .dctech .pytest_cache
