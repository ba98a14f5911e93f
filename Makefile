# minzheng — 民政业务平台
# Quick start: `make demo` (build and serve the demo district) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check
PORT ?= 8000

.PHONY: help demo serve test lint format bench-registry bench-payroll bench-verification bench-senior-allowance bench-indicators clean

help:
	@echo "make demo            安装、迁移、生成演示区县并启动 http://127.0.0.1:$(PORT)"
	@echo "make test            运行全部测试（SQLite；设置 DATABASE_URL 则用 PostgreSQL）"
	@echo "make lint            ruff 与 mypy 检查"
	@echo "make bench-registry  百万人口登记库基准测试（PostgreSQL）"
	@echo "make bench-payroll   百万案件月救助金发放基准测试（PostgreSQL）"
	@echo "make bench-verification  1 万户 × 500 万条核对数据基准测试（PostgreSQL）"
	@echo "make bench-senior-allowance  40 万老年综合津贴发放基准测试（PostgreSQL）"
	@echo "make bench-indicators  百万人口区县规划指标重算基准测试（PostgreSQL）"

# The virtual environment is (re)created with an interpreter >= 3.12 found by
# scripts/find-python; a stamp file makes a second run skip pip entirely.
$(VENV)/.runtime: requirements.txt
	@set -e; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  base=$$(scripts/find-python); \
	  echo "创建虚拟环境：$$base"; rm -rf $(VENV); $$base -m venv $(VENV); \
	fi
	$(PIP) -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	@touch $@

demo: $(VENV)/.runtime
	@PORT=$(PORT) PY=$(PY) scripts/demo.sh

# pytest exits 5 when it collects nothing: that is a failure here, never a pass.
# The suite runs on every core (pytest-xdist, one test database per worker); add
# PYTEST_ARGS="-n 0" for a single process.
test: $(VENV)/.dev
	@$(PY) -m pytest -n auto $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "没有收集到任何测试 (pytest exit 5: no tests collected)"; exit 1; fi; exit $$rc

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench-registry: $(VENV)/.dev
	$(PY) bench/registry.py

bench-payroll: $(VENV)/.dev
	$(PY) bench/payroll.py

bench-verification: $(VENV)/.dev
	$(PY) bench/verification.py

bench-senior-allowance: $(VENV)/.dev
	$(PY) bench/senior_allowance.py

bench-indicators: $(VENV)/.dev
	$(PY) bench/indicators.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
