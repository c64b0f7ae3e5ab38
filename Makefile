# Each target calls one script or one tool; `make run` and `make test` work from nothing
# on a fresh Debian machine (as root): they install Python's venv, the Docker engine,
# PostgreSQL (tests only) and build the sandbox images as needed.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export CODERUNNER_TEST_POSTGRES_URL ?= postgresql+psycopg://coderunner:coderunner@127.0.0.1:5432/coderunner_test
export CODERUNNER_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test venv engine images postgres redis lint bench clean-containers

run: venv engine images
	$(VENV)/bin/coderunner serve

test: venv engine images postgres redis
	$(VENV)/bin/pytest

venv:
	bash scripts/setup-venv.sh

engine:
	bash scripts/provision-engine.sh

images: venv engine
	$(VENV)/bin/coderunner images build

postgres:
	bash scripts/start-postgres.sh

redis:
	bash scripts/start-redis.sh

lint: venv
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src bench
	$(VENV)/bin/lint-imports

bench: venv engine images redis
	$(PY) -m bench

clean-containers:
	docker ps -aq --filter label=org.coderunner.role=sandbox | xargs -r docker rm -f
