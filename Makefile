# Entry points for a fresh machine (Linux or macOS, Python >= 3.10):
#   make docs        serve the site on http://127.0.0.1:8000/ (docs dependencies only)
#   make test        run the whole test suite, browser tests included (CI: .ci/run)
#   make site        strict offline build into site/
#   make serve-site  build site/, then serve it on http://127.0.0.1:8000/ (never open it from disk)
#   make outputs     regenerate every generated file the pages show (tools/outputs.py);
#                    UPSTREAM=<folder with mlx, mlx-lm, mlx-examples clones> runs them all
#   make linkcheck   build site/, then fetch its external links (needs the network; not in
#                    `make test`; exceptions with reasons: tools/linkcheck-exceptions.toml)
#   make zensical-check  build the site with Zensical in a throwaway venv and record what
#                    breaks (non-gating; writes test-artifacts/zensical-readiness.md)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The docs venv holds only the `docs` dependency group (about a tenth of the test venv).
DOCS_VENV ?= .venv-docs
DOCS_BIN := $(DOCS_VENV)/bin
DOCS_STAMP := $(DOCS_VENV)/.installed-stamp
# Material's and properdocs' end-of-life banners (see CONTRIBUTING, "Zensical readiness").
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true

.PHONY: test docs site serve-site venv docs-venv outputs linkcheck zensical-check

$(STAMP): pyproject.toml packages/metalsim/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=25.1'
	# metalsim editable from this checkout (packages/metalsim maps to src/metalsim), so the
	# guide's dependency on mlx-metalsim is met without an index and without a copy.
	$(BIN)/python -m pip install --quiet -e packages/metalsim -e '.[test]' --group docs
	touch $(STAMP)

$(DOCS_STAMP): pyproject.toml
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_BIN)/python -m pip install --quiet --upgrade 'pip>=25.1'
	$(DOCS_BIN)/python -m pip install --quiet --group docs
	touch $(DOCS_STAMP)

venv: $(STAMP)

docs-venv: $(DOCS_STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

docs: $(DOCS_STAMP)
	$(DOCS_BIN)/mkdocs serve -a 127.0.0.1:8000

site: $(DOCS_STAMP)
	$(DOCS_BIN)/mkdocs build --strict

serve-site: site
	$(DOCS_BIN)/python -m http.server --bind 127.0.0.1 --directory site 8000

outputs: $(STAMP)
	$(BIN)/python -m tools.outputs $(if $(UPSTREAM),--upstream $(UPSTREAM))

linkcheck: site
	$(DOCS_BIN)/python tools/linkcheck.py site

zensical-check:
	$(PYTHON) tools/zensical_readiness.py
