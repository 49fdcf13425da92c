# Two entry points for a fresh machine (Linux or macOS, Python >= 3.10):
#   make docs   create .venv if needed, then serve the site on http://127.0.0.1:8000
#   make test   create .venv if needed, then run the whole test suite
# and one for maintainers:
#   make outputs [UPSTREAM=..]   regenerate every generated file the pages show (tools/outputs.py)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test docs site venv outputs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2

docs: $(STAMP)
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

site: $(STAMP)
	$(BIN)/mkdocs build --strict

outputs: $(STAMP)
	$(BIN)/python -m tools.outputs $(if $(UPSTREAM),--upstream $(UPSTREAM))
