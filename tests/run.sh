#!/usr/bin/env bash
# The whole test suite, as the README's Quick start runs it and as CI runs it:
# installs what the tests need, lints, type-checks, then runs every test on SQLite and on
# PostgreSQL. Usage: bash tests/run.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
PG_URL=${WORKBENCH_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}

say() { printf '\n== %s\n' "$*"; }

say "Python environment (.venv)"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

say "Chromium and Chinese fonts for the browser tests"
# fonts-noto-cjk: without a CJK font, Chinese passages render as empty boxes in the browser.
if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  elif ! command -v chromium >/dev/null 2>&1; then
    echo "chromium is missing: install Debian's chromium package (apt-get install chromium)." >&2
    exit 1
  else
    echo "fonts-noto-cjk is missing: Chinese shows as boxes (apt-get install fonts-noto-cjk)." >&2
  fi
fi
chromium --version

say "PostgreSQL on 127.0.0.1:5432"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
pg_isready -h 127.0.0.1 -p 5432

say "Redis on 127.0.0.1:6379 (the job queue of the deployment test)"
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = "0" ] \
    && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
  fi
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
fi
redis-cli -h 127.0.0.1 -p 6379 ping || {
  echo "Redis is missing: install Debian's redis-server (apt-get install redis-server)." >&2
  exit 1
}

say "Lint and types"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# Strict typing on everything below the delivery layer: the pure core, the file formats, the
# records and every area.
STRICT=""
for package in core formats models unit_of_work db accounts documents codebooks coding \
  reliability analysis interchange jobs translations quality; do STRICT="$STRICT -p workbench.$package"; done
# shellcheck disable=SC2086
.venv/bin/mypy --strict $STRICT
# The house plan's contracts (pyproject.toml, [tool.importlinter]).
.venv/bin/lint-imports --no-cache

say "The built wheel, installed on its own"
# Not editable: templates, seeds, static files and migrations must travel inside the wheel.
WHEEL_DIR=$(mktemp -d)
.venv/bin/python -m pip wheel -q --no-deps -w "$WHEEL_DIR/dist" .
"$PY" -m venv "$WHEEL_DIR/venv"
"$WHEEL_DIR/venv/bin/pip" install -q "$WHEEL_DIR"/dist/workbench-*.whl
(
  cd "$WHEEL_DIR"
  export WORKBENCH_DATABASE_URL="sqlite:///$WHEEL_DIR/demo.sqlite3"
  venv/bin/workbench demo --no-serve
  venv/bin/python -c "
from workbench.app import create_app
client = create_app().test_client()
page = client.get('/login')
assert page.status_code == 200 and b'<form' in page.data, page.status_code
assert client.get('/static/workbench.css').status_code == 200
print('The installed wheel serves its pages.')
"
)
rm -rf "$WHEEL_DIR"

say "Tests on SQLite"
WORKBENCH_TEST_DATABASE_URL= .venv/bin/pytest -q -p no:cacheprovider -n "${WORKBENCH_TEST_WORKERS:-auto}" "$@"

say "Tests on PostgreSQL ($PG_URL)"
WORKBENCH_TEST_DATABASE_URL="$PG_URL" .venv/bin/pytest -q -p no:cacheprovider -n "${WORKBENCH_TEST_WORKERS:-auto}" "$@"
