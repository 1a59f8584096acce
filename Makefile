# Two commands are the contract (see README): `make serve` and `make test`.
# Everything they need is installed here, from the project's own files.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup serve build test check compile chromium java clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian's Chromium for the browser tests; `npx playwright install` cannot download a browser here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }

check: setup
	$(PY) build.py check

compile: setup
	$(PY) build.py compile

build: setup
	$(PY) build.py

serve: setup
	$(PY) build.py serve

# Debian's Java for the Nu Html Checker (vnu.jar from the vnu-jar npm package); before `setup`, so that
# vnu-jar's install script finds it and never tries to download a Java runtime of its own.
java:
	@command -v java >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends default-jre-headless; }

test: chromium java setup
	$(PY) -m pytest

clean:
	rm -rf build generated site
