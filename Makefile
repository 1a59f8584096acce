# Two commands are the contract (see README): `make serve` and `make test`.
# Everything they need beyond Python 3.11+ and Node 20 (the README's prerequisites) is installed here,
# from the project's own files.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup serve build test check compile debs chromium java clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# --ignore-scripts: the only install script in the lock file is vnu-jar's, which would download a Java
# runtime when none is found (Debian's runs vnu.jar).
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# Debian packages the tests need, installed with apt when missing (one `apt-get update` for all):
# Chromium, which Playwright drives (`npx playwright install` cannot download a browser here); Java,
# which runs the Nu Html Checker (vnu.jar from the vnu-jar npm package); poppler-utils (pdftotext for
# `build.py archive`, pdftoppm to look at print views); fonts-noto-cjk, so Chinese in screenshots and PDFs
# is drawn with real glyphs.
DEBS = $(if $(shell command -v chromium),,chromium) $(if $(shell command -v java),,default-jre-headless) \
       $(if $(shell command -v pdftotext),,poppler-utils) \
       $(if $(wildcard /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc),,fonts-noto-cjk)

debs:
	@[ -z "$(strip $(DEBS))" ] || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(DEBS); }

chromium java: debs

check: setup
	$(PY) build.py check

compile: setup
	$(PY) build.py compile

build: setup
	$(PY) build.py

serve: setup
	$(PY) build.py serve

test: debs setup
	$(PY) -m pytest

clean:
	rm -rf build generated site
