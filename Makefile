# iadsim: the two commands a user needs are `make demo` and `make test`.
# Needs only Python >= 3.11 (with its venv module), make and git; everything else is installed
# from the package index into .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench venv clean prerequisites

prerequisites:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "iadsim needs Python >= 3.11; found " + sys.version.split()[0] + ". Install it, then run: make PYTHON=python3.11 ...")' \
	  || exit 1
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null \
	  || { echo "Python's venv module is missing. Install it (Debian/Ubuntu: sudo apt-get install python3-venv), then run make again." >&2; exit 1; }

$(STAMP): pyproject.toml | prerequisites
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/iadsim demo --out out/united_resolve_2022

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache
