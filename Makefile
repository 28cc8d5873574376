# Một Cửa Desk — the two commands a newcomer needs:
#   make run    set up (.venv, system libraries), initialise the local database with the sample catalog, open the GUI
#   make test   set up (.venv with the dev tools) and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DESK := $(BIN)/desk-app

.PHONY: run test setup setup-dev clean-venv

run: setup
	$(DESK) init --demo
	@if [ "$$(uname -s)" = Linux ] && [ -z "$$DISPLAY$$WAYLAND_DISPLAY$$QT_QPA_PLATFORM" ]; then \
	  echo "No display found (DISPLAY and WAYLAND_DISPLAY are empty): the database is ready, but no window can open here."; \
	  printf "Start-up check without a screen: the main window built in "; \
	  QT_QPA_PLATFORM=offscreen $(DESK) gui --exit-after-startup 2>/dev/null | tr -d '\n'; echo " ms."; \
	  echo "To see the window: run 'make run' on a desktop, or on a virtual screen: xvfb-run -a $(DESK) gui"; \
	  echo "Scripting works without a screen too: $(DESK) --help"; \
	  exit 0; \
	fi
	$(DESK) gui

test: setup-dev
	$(BIN)/python -m pytest

setup: $(VENV)/.run-stamp
setup-dev: $(VENV)/.test-stamp

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Một Cửa Desk needs Python 3.11 or newer; this python3 is " + sys.version.split()[0])'
	bash scripts/system-deps.sh test
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-stamp: pyproject.toml | $(VENV)/bin/python
	bash scripts/system-deps.sh run
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-stamp: pyproject.toml | $(VENV)/bin/python
	bash scripts/system-deps.sh test
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

clean-venv:
	rm -rf $(VENV)
