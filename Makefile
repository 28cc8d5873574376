# Một Cửa Desk — the two commands a newcomer needs:
#   make run    set up (system libraries, .venv), initialise the local database with the sample catalog, open the GUI
#   make test   set up (system libraries, .venv with the test tools) and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DESK := $(BIN)/desk-app

.PHONY: run test dist bench deps-run deps-test clean-venv

run: deps-run $(VENV)/.run-stamp
	$(DESK) init --demo
	@if [ "$$(uname -s)" = Linux ] && [ -z "$$DISPLAY$$WAYLAND_DISPLAY$$QT_QPA_PLATFORM" ]; then \
	  echo "No display found (DISPLAY and WAYLAND_DISPLAY are empty): the database is ready, but no window can open here."; \
	  if ms=$$(QT_QPA_PLATFORM=offscreen $(DESK) gui --exit-after-startup); then \
	    echo "Start-up check without a screen: the main window was built in $$ms ms."; \
	  else \
	    echo "Start-up check without a screen FAILED (see above)."; exit 1; \
	  fi; \
	  echo "To see the window: run 'make run' on a desktop, or on a virtual screen (Debian package xvfb):"; \
	  echo "  xvfb-run -a $(DESK) gui"; \
	  echo "Scripting works without a screen too: $(DESK) --help"; \
	else \
	  $(DESK) gui; \
	fi

test: deps-test $(VENV)/.test-stamp
	$(BIN)/python -m pytest

# Every speed figure of issue 8 against its target, one table (bench/run_all.py; BENCH_ARGS=--quick: 100,000
# dossiers only). Builds its demo databases once (bench/cache/; the million takes a while). Not part of `make test`.
bench: deps-test $(VENV)/.test-stamp
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# The desktop build: one folder, dist/MotCuaDesk/ (build.spec; on Windows run the same spec, see README).
dist: deps-run $(VENV)/.dist-stamp
	nice $(BIN)/python -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller build.spec
	@echo "Built dist/MotCuaDesk/ ($$(du -sh dist/MotCuaDesk | cut -f1)). Check: QT_QPA_PLATFORM=offscreen dist/MotCuaDesk/MotCuaDesk gui --exit-after-startup"

# System packages are checked on every run (a quick dpkg query), so a library removed later is named, not hidden.
deps-run:
	@bash scripts/system-deps.sh run
deps-test:
	@bash scripts/system-deps.sh test

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Một Cửa Desk needs Python 3.11 or newer; this python3 is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-stamp: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[desk]'
	touch $@

$(VENV)/.test-stamp: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.dist-stamp: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[desk,dist]'
	touch $@

clean-venv:
	rm -rf $(VENV)
