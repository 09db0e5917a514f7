# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Roboflow's client in its own venv: the inference compatibility tests drive `seglab serve` with it
SDK_VENV ?= .venv-sdk
SDK_INSTALLED := $(SDK_VENV)/.installed
TORCH := torch==2.14.1 torchvision==0.29.1
# Python caches compiled modules (and pytest its assertion-rewritten tests) even where the environment says not to
# (PYTHONDONTWRITEBYTECODE): without the cache every test process and every seglab subprocess the tests start
# compiles all it imports again.
unexport PYTHONDONTWRITEBYTECODE

WEB_BUILT := src/seglab/server/static/index.html
WEB_SOURCES := $(shell find web/src -type f -not -path 'web/src/generated/*' 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
# The web app's API types are generated from the server's OpenAPI schema (the venv's Python dumps it) on every build.
API_SOURCES := $(shell find src/seglab -name '*.py' -not -path '*/static/*' 2>/dev/null)
WEB_ENV := SEGLAB_PYTHON=$(abspath $(BIN))/python

.PHONY: install install-export sdk web vitest run test test-fast lint format clean

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first, from the exact pinned builds, so no resolver ever picks another torch.
	$(BIN)/pip install $(TORCH)
	# sam2 ships as source and builds against torch: build it with the torch above (no isolated build
	# environment, which would download another torch) and without its optional CUDA kernel.
	$(BIN)/pip install -c constraints.txt setuptools
	SAM2_BUILD_CUDA=0 $(BIN)/pip install -c constraints.txt --no-build-isolation sam2
	$(BIN)/pip install -c constraints.txt -e '.[dev,sam,ray,s3,postgres,openvino]'
	# seglab[yolo] (AGPL-3.0) without its opencv-python, which would overwrite opencv-python-headless's cv2: ultralytics
	# and what it needs that seglab's dependencies do not already bring
	$(BIN)/pip install -c constraints.txt --no-deps ultralytics ultralytics-thop polars polars-runtime-32
	# seglab[track] the same way: trackers (ByteTrack) and pyDeprecate, its one dependency seglab does not bring
	$(BIN)/pip install -c constraints.txt --no-deps trackers pyDeprecate
	touch $@

install: $(INSTALLED) web

# Optional: the converters of `seglab export-model --format tflite|coreml` (about 800 MB, so not in `install`; their
# tests skip without them). litert-torch (the TFLite converter) and the packages it imports go in with --no-deps:
# its litert-converter pins xdsl==0.28.0, which pins typing-extensions<4.13, older than pydantic allows, and
# pip would refuse; it converts fine with the newer typing-extensions. Its other dependencies (transformers, kagglehub,
# sentencepiece...) are for its generative-model tools, which seglab does not use.
install-export: $(INSTALLED)
	$(BIN)/pip install -c constraints.txt -e '.[export]'
	$(BIN)/pip install -c constraints.txt --no-deps litert-torch litert-converter xdsl ai-edge-quantizer jax jaxlib \
		opt_einsum torchao immutabledict absl-py lark multipledispatch

# The web app (React + TypeScript + Vite) builds into the package's static folder, which `seglab serve` serves.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_BUILT): $(INSTALLED) web/node_modules/.installed $(WEB_SOURCES) $(API_SOURCES)
	cd web && $(WEB_ENV) npm run build

web: $(WEB_BUILT)

$(SDK_INSTALLED): constraints-sdk.txt
	test -x $(SDK_VENV)/bin/python || $(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/pip install -c constraints-sdk.txt inference-sdk
	touch $@

sdk: $(SDK_INSTALLED)

run: install
	$(BIN)/seglab serve

# Python only: the web build is not needed to lint (`make test` builds it anyway)
lint: $(INSTALLED)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# `web` has just generated the API types from the server (what `npm test` would do again first): run Vitest alone
vitest: web
	cd web && npx vitest run

# The steps before pytest run side by side (the SDK's venv and `npm ci` download while pip installs seglab; mypy
# checks while Vite builds), each step's output kept together
test:
	$(MAKE) --no-print-directory -j4 --output-sync=target lint sdk vitest
	$(BIN)/pytest -n auto --dist loadgroup

# The quick loop while working: every test but those that drive Chromium or train a model (markers `browser` and
# `training`, set in tests/conftest.py from the fixtures a test uses) or take more than a few seconds (`slow`: live
# servers, SAM on the CPU, killed processes). `make test` still runs everything.
test-fast: $(INSTALLED)
	SEGLAB_TEST_DATABASES=sqlite $(BIN)/pytest -n auto --dist loadgroup -m "not slow and not browser and not training"

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) $(SDK_VENV) web/node_modules src/seglab/server/static .mypy_cache .pytest_cache .ruff_cache .hypothesis
