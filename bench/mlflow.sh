#!/usr/bin/env bash
# The real MLflow against a private PostgreSQL 15 (the RealMlflow tests' setup, without the test harness):
#   - `mlflow server` start to GET /health = OK, on an empty database and on an initialised one;
#   - the manifests' migration step (deployment/mlflow/base/migrate.py when it exists, else `mlflow db upgrade`) on an
#     empty, an initialised and an MLflow 2.4.0 database (the last one when MLFLOW_TEST_SERVER_2_4 is set).
# Usage: bench/mlflow.sh [runs, default 3]. MLflow from MLFLOW_TEST_SERVER (bin folder), default /opt/mlflow-test-server/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
bin="${MLFLOW_TEST_SERVER:-/opt/mlflow-test-server/bin}"
bin24="${MLFLOW_TEST_SERVER_2_4:-}"
pg="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
migrate_script="deployment/mlflow/base/migrate.py"
[[ -x "$bin/mlflow" ]] || { echo "no mlflow in $bin: set MLFLOW_TEST_SERVER (see ../shared/mlflow-server/README.md)" >&2; exit 1; }
[[ -x "$pg/initdb" ]] || { echo "PostgreSQL server binaries are missing: apt-get install postgresql" >&2; exit 1; }

work="$(mktemp -d)"
servers=()
as_postgres() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for group in "${servers[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
  as_postgres "$pg/pg_ctl" stop -D "$work/data" -m fast >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[[ $EUID -eq 0 ]] && chown postgres: "$work"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# python with the same MLflow importable: the one beside mlflow (pip), or install.sh's launcher without "-m mlflow".
if [[ -x "$bin/python" ]]; then python="$bin/python"; else python="$work/python"; sed 's/ -m mlflow / /' "$bin/mlflow" >"$python"; chmod +x "$python"; fi

port="$(free_port)"
as_postgres "$pg/initdb" -D "$work/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 --no-sync >/dev/null
as_postgres "$pg/pg_ctl" start -D "$work/data" -l "$work/postgres.log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c fsync=off" >/dev/null
sql() { as_postgres "$pg/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U postgres -d postgres -c "$1" >/dev/null; }
sql "CREATE ROLE mlflow LOGIN PASSWORD 'bench'"
# Called in $( ), a subshell: the name must be unique without a counter.
new_database() { local name; name="bench_$(date +%s%N)"; sql "CREATE DATABASE $name OWNER mlflow"; echo "$name"; }
uri() { echo "postgresql+psycopg2://mlflow:bench@127.0.0.1:$port/$1"; }

# Seconds from starting `mlflow server` to /health answering OK; the server (its whole process group) is then stopped.
start_to_health() {
  local mlflow="$1" db="$2" http; http="$(free_port)"
  local start; start="$(now)"
  setsid "$mlflow" server --host 127.0.0.1 --port "$http" --workers 2 --backend-store-uri "$(uri "$db")" \
    --default-artifact-root "file://$work/artifacts" >"$work/server.log" 2>&1 &
  local group=$!; servers+=("$group")
  until [[ "$(curl -fs "http://127.0.0.1:$http/health" 2>/dev/null)" == OK ]]; do
    kill -0 "$group" 2>/dev/null || { echo "mlflow server exited:" >&2; tail -20 "$work/server.log" >&2; return 1; }
    sleep 0.05
  done
  echo "$(now) - $start" | bc
  kill -TERM -- "-$group"; wait "$group" 2>/dev/null || true
}

# Seconds the migration step takes, or "fails" with its last line.
migrate() {
  local db="$1" start; start="$(now)"
  if [[ -f "$migrate_script" ]]; then
    MLFLOW_BACKEND_STORE_URI="$(uri "$db")" "$python" "$migrate_script" >"$work/migrate.log" 2>&1
  else
    "$bin/mlflow" db upgrade "$(uri "$db")" >"$work/migrate.log" 2>&1
  fi && echo "$(now) - $start" | bc || echo "fails: $(grep -E '^[a-zA-Z_.]+(Error|Exception):' "$work/migrate.log" | tail -1 | cut -c1-120)"
}

report() {
  local what="$1"; shift
  if printf '%s\n' "$@" | grep -q '^fails'; then
    printf '%-62s %s\n' "$what" "$(printf '%s\n' "$@" | grep '^fails' | head -1)"
  else
    printf '%-62s %s\n' "$what" "$(printf '%s\n' "$@" | awk '{ s += $1; if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 }
      END { printf "mean %.2f s (min %.2f, max %.2f, %d runs)", s / NR, min, max, NR }')"
  fi
}

step="$([[ -f "$migrate_script" ]] && echo "migrate.py" || echo "mlflow db upgrade")"
echo "MLflow $("$bin/mlflow" --version 2>/dev/null | awk '{print $NF}'), PostgreSQL $("$pg/postgres" --version | awk '{print $3}'), $(nproc) cores, migration step: $step"

empty=(); for _ in $(seq "$runs"); do empty+=("$(start_to_health "$bin/mlflow" "$(new_database)")"); done
report "server start to /health, empty database" "${empty[@]}"
initialised_db="$(new_database)"; start_to_health "$bin/mlflow" "$initialised_db" >/dev/null
initialised=(); for _ in $(seq "$runs"); do initialised+=("$(start_to_health "$bin/mlflow" "$initialised_db")"); done
report "server start to /health, initialised database" "${initialised[@]}"

on_empty=(); for _ in $(seq "$runs"); do on_empty+=("$(migrate "$(new_database)")"); done
report "$step on an empty database" "${on_empty[@]}"
on_initialised=(); for _ in $(seq "$runs"); do on_initialised+=("$(migrate "$initialised_db")"); done
report "$step on an initialised database (nothing to do)" "${on_initialised[@]}"

if [[ -n "$bin24" ]]; then
  on_old=()
  for _ in $(seq "$runs"); do
    old_db="$(new_database)"; start_to_health "$bin24/mlflow" "$old_db" >/dev/null   # MLflow 2.4.0 creates its schema
    on_old+=("$(migrate "$old_db")")
  done
  report "$step on an MLflow 2.4.0 database" "${on_old[@]}"
fi
