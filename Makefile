# Voicebox: the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test install install-dev install-qwen lint typecheck pytest bench clean build

## Install what the default app needs (core, Piper voice, Whisper model, the Qwen3-TTS
## voice-cloning engine on CPU PyTorch, built UI) and start it.
run: install
	$(VENV)/bin/voicebox serve

## Install the dev dependencies and run everything: lint, types, tests.
test: install-dev
	bash ci/test.sh

install:
	bash ci/install.sh run

install-dev:
	bash ci/install.sh dev

## The Qwen3-TTS engine alone (`make run` installs it; this retries it when that was skipped).
install-qwen: install
	bash ci/install-qwen.sh --required

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(VENV)/bin/pytest

bench:
	$(PY) bench/provider_overhead.py
	$(PY) bench/core.py
	$(PY) bench/manager.py
	$(PY) bench/providers.py

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache

## One-folder PyInstaller builds of the core app and the providers into build/dist/.
build: install
	bash ci/build.sh
