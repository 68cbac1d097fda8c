# The two commands a newcomer needs: `make run` and `make test`. Both set everything up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test bench lint sysdeps setup screenshots dist clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "callsim needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

setup: sysdeps $(STAMP)

# System libraries for sound and speech: installed when we can (root or password-less sudo),
# otherwise named in one line. The app runs without them (captions only).
sysdeps:
	@bash scripts/sysdeps.sh

run: setup
	$(VENV)/bin/callsim

# The suite runs on every core (pytest-xdist, at most 4 workers): each worker has its own
# temporary data and cache folders, and starts its own PostgreSQL and LRS where tests need them.
test: setup
	$(VENV)/bin/ruff check app tests benchmarks scripts setup.py
	$(VENV)/bin/ruff format --check app tests benchmarks scripts setup.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -n auto --maxprocesses 4

# A one-folder frozen build (PyInstaller, callsim.spec) in dist/callsim/, then its smoke test.
dist: setup
	$(PY) -m pip install --quiet -e '.[dist]'
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN callsim.spec
	$(PY) scripts/smoke_dist.py dist/callsim

bench: setup
	$(PY) -m benchmarks.run

# Screenshots of a scripted call for the README, in a real X server (Xvfb).
screenshots: setup
	xvfb-run -a -s "-screen 0 1366x800x24" $(PY) scripts/screenshots.py
	xvfb-run -a -s "-screen 0 1366x800x24" $(PY) scripts/screenshot_studio.py
	xvfb-run -a -s "-screen 0 1366x800x24" $(PY) scripts/screenshot_assessor.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
