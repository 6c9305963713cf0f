#!/usr/bin/env bash
# The pytest part of `make test`: prepares this machine, then runs the suite on SQLite
# and again on PostgreSQL.
#
# - Chromium (browser tests): Debian's package, installed when missing and this runs
#   as root with apt-get; otherwise one line says how, and the run stops.
# - PostgreSQL: the server of TEST_POSTGRES_URL (default: the local one on 127.0.0.1:5432).
#   A local cluster that is installed but down is started; the database is created if
#   missing. When no server answers, the PostgreSQL pass is skipped and says so, except
#   in CI (CI set), where that is a failure.
# - Node packages (package.json, pinned in package-lock.json: newman runs the exported
#   Postman collection, axe-core checks the pages in the browser tests): `npm ci` when
#   node_modules is missing or older than the lock file. npm is Debian's package,
#   installed like Chromium when missing.
# - CHECKS: a command (make test's ruff, mypy and docs build) run while Chromium and the
#   Node packages are installed in the background; pytest starts once both are done, and
#   not at all when either fails. The preparation's output follows the checks'.
# - pytest's exit code 5 (no test ran) is a failure, said plainly.
# - Each pass runs on PYTEST_WORKERS pytest-xdist workers (default: one a CPU, at least
#   two), each with its own test database; tests that share an expensive server stay on
#   one worker (--dist loadgroup, groups in tests/conftest.py); live servers listen on
#   127.0.0.1 on ports the system picks. Each pass ends with its 15 slowest tests.
# - The PostgreSQL pass runs the tests that use a database (tests/conftest.py says which);
#   the others, which would run alike on both, ran in the SQLite pass.
#
# Environment: PYTEST (the pytest to run), SQLITE_TEST_URL, TEST_POSTGRES_URL,
# PORTAL_CHROMIUM (default /usr/bin/chromium), PYTEST_WORKERS, CHECKS. Extra arguments go
# to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTEST="${PYTEST:-.venv/bin/pytest}"
SQLITE_TEST_URL="${SQLITE_TEST_URL:-sqlite:///$PWD/.pytest-db.sqlite3}"
TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/portal}"
CHROMIUM="${PORTAL_CHROMIUM:-/usr/bin/chromium}"
PYTEST_WORKERS="${PYTEST_WORKERS:-$(( $(nproc) > 2 ? $(nproc) : 2 ))}"

ensure_chromium() {
  [[ -x "$CHROMIUM" ]] && return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "== Chromium missing at $CHROMIUM: installing Debian's chromium package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    [[ -x "$CHROMIUM" ]] && return 0
  fi
  echo "make test: Chromium is missing at $CHROMIUM; install it as root with 'apt-get update && apt-get install -y chromium' (or set PORTAL_CHROMIUM), then run make test again." >&2
  exit 1
}

ensure_node_packages() {
  [[ -f package-lock.json ]] || return 0
  if ! command -v npm >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "== npm missing: installing Debian's npm package"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    fi
    command -v npm >/dev/null 2>&1 || {
      echo "make test: npm is missing; install it as root with 'apt-get update && apt-get install -y npm', then run make test again." >&2
      exit 1
    }
  fi
  # Stale means: installed from another lock file than this one (a copy is kept beside the
  # packages). Contents, not dates: a fresh checkout is newer than packages that match it.
  local stamp=node_modules/.portal-package-lock.json
  if [[ ! -x node_modules/.bin/newman || ! -f "$stamp" ]] || ! cmp -s package-lock.json "$stamp"; then
    echo "== npm ci (node_modules missing or installed from another package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
  fi
}

# postgres://user@host:port/name?options -> host, port, name.
url_part() {
  local rest="${TEST_POSTGRES_URL#*://}"
  rest="${rest##*@}"
  local hostport="${rest%%/*}" name="${rest#*/}"
  case "$1" in
    host) echo "${hostport%%:*}" ;;
    port) [[ "$hostport" == *:* ]] && echo "${hostport##*:}" || echo 5432 ;;
    name) echo "${name%%\?*}" ;;
  esac
}

postgres_answers() {
  command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$(url_part host)" -p "$(url_part port)"
}

# 0: the server answers and the database exists; 1: no server answers; 2: the database could not be made.
ensure_postgres() {
  if ! postgres_answers && command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]]; then
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n1)"
    if [[ -n "$version" && "$(url_part host)" =~ ^(127\.0\.0\.1|localhost)$ ]]; then
      echo "== Starting the local PostgreSQL $version cluster"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
      for _ in $(seq 1 30); do postgres_answers && break; sleep 1; done
    fi
  fi
  postgres_answers || return 1
  local name maintenance
  name="$(url_part name)"
  maintenance="${TEST_POSTGRES_URL%/*}/postgres"
  if ! psql "$maintenance" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    echo "== Creating the PostgreSQL database $name"
    psql "$maintenance" -qc "CREATE DATABASE \"$name\"" || return 2
  fi
}

run_pytest() {
  local label="$1" url="$2"
  shift 2
  echo "== pytest on $label"
  local status=0
  DATABASE_URL="$url" "$PYTEST" --create-db -n "$PYTEST_WORKERS" --dist loadgroup \
    --liveserver=127.0.0.1 --durations=15 "$@" || status=$?
  if [[ $status -eq 5 ]]; then
    echo "make test: pytest ran no test on $label (exit code 5): that is a failure." >&2
  fi
  return "$status"
}

# Chromium and the Node packages come from the network and the disk; the checks use the CPU.
prepare_machine() {
  ensure_chromium
  ensure_node_packages
}

if [[ -n "${CHECKS:-}" ]]; then
  prepared_out="$(mktemp)" prepared_err="$(mktemp)"
  trap 'rm -f "$prepared_out" "$prepared_err"' EXIT
  echo "== Preparing the machine (Chromium, Node packages) while the checks run"
  prepare_machine >"$prepared_out" 2>"$prepared_err" &
  preparing=$!
  checked=0
  bash -c "$CHECKS" || checked=$?
  # Waited for even when a check failed: an apt-get stopped halfway leaves dpkg to repair.
  prepared=0
  wait "$preparing" || prepared=$?
  cat "$prepared_out"
  cat "$prepared_err" >&2
  [[ $checked -eq 0 ]] || exit "$checked"
  [[ $prepared -eq 0 ]] || exit "$prepared"
else
  prepare_machine
fi

run_pytest SQLite "$SQLITE_TEST_URL" "$@"
postgres=0
ensure_postgres || postgres=$?
if [[ $postgres -eq 0 ]]; then
  run_pytest PostgreSQL "$TEST_POSTGRES_URL" --database-tests-only "$@"
elif [[ $postgres -eq 1 && -z "${CI:-}" ]]; then
  echo "== PostgreSQL pass SKIPPED: no server answers at $(url_part host):$(url_part port) (start one, or set TEST_POSTGRES_URL). The tests marked postgres did not run."
elif [[ $postgres -eq 1 ]]; then
  echo "make test: no PostgreSQL server answers at $(url_part host):$(url_part port), and CI needs the PostgreSQL pass." >&2
  exit 1
else
  echo "make test: could not create the PostgreSQL database $(url_part name) at $(url_part host):$(url_part port)." >&2
  exit 1
fi
