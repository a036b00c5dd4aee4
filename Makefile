# The two commands a new user needs: `make run` and `make test`.
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: run test bench bench-targets lint services install screenshots

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m dashboard db upgrade
	$(PY) -m dashboard demo --scale county --if-empty
	$(PY) -m streamlit run dashboard/server.py

services:
	bash scripts/ensure-test-services.sh

lint: $(STAMP)
	$(PY) -m ruff check .

test: $(STAMP) services lint
	$(PY) -m pytest -n 2 -q

BENCH_STAMP := .venv/.bench-installed

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

# Everything: the query list, then every target (bench-targets) and its table.
bench: $(STAMP) $(BENCH_STAMP) services
	$(PY) -m bench
	$(PY) -m dashboard demo --scale county --if-empty
	$(PY) -m bench.pages
	-$(PY) -m bench.pages --db sqlite:///data/bench-province.db --region 620000 --page 季考核 --page 真实性核查 --repeat 1 --target 2 0.5
	$(MAKE) bench-targets

# Only the targets of issues 17 and 19, ending with one table of every target (bench.summary).
bench-targets: $(STAMP) $(BENCH_STAMP) services
	$(PY) -m bench.scale
	$(PY) -m bench.sessions
	$(PY) -m bench.postgres
	$(PY) -m dashboard demo --scale county --if-empty
	$(PY) -m bench.clicks
	$(PY) -m bench.summary

screenshots: $(STAMP) services
	$(PY) -m pytest -q tests/e2e/test_navigation.py --screenshots
