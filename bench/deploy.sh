#!/usr/bin/env bash
# A no-op redeploy (targets: <= 1.5 s on the fake apiserver, <= 5 kubectl starts, and no slower first Deploy) against
# the first Deploy and against starting the suite at all (`./build.sh --tree`, timed with hyperfine); prints both times,
# both ratios and the kubectl starts of each. Runs the real Build.dll (Release, as ./build.sh compiles it), docker daemon,
# registry and kubectl against the tests' fake kube-apiserver and fake Google APIs (the DeployBenchmark test).
# Needs a running dockerd, Debian's docker-registry, kubectl and hyperfine.
# Usage: bench/deploy.sh   Environment: BENCH_PAYLOAD_MIB (image payload, default 64), BENCH_RUNS (no-op runs, default 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
docker info >/dev/null 2>&1 || { echo "the docker daemon is not running (start dockerd)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }
result="$(mktemp)"
json="$(mktemp)"
trap 'rm -f "$result" "$json"' EXIT
BENCH_PAYLOAD_MIB="${BENCH_PAYLOAD_MIB:-64}" BENCH_RUNS="${BENCH_RUNS:-5}" BENCH_RESULT_FILE="$result" \
  dotnet test tests/Build.Tests --configuration Release --filter "Name~DeployBenchmark" --nologo --verbosity minimal >&2

./build.sh --tree >/dev/null   # compile once, so the floor is a warm start
hyperfine --warmup 2 --runs "${BENCH_RUNS:-5}" --export-json "$json" --style none './build.sh --tree' >/dev/null
grep -v '^noop_seconds=' "$result"
python3 - "$json" "$(sed -n 's/^noop_seconds=//p' "$result")" <<'PY'
import json, sys
tree = json.load(open(sys.argv[1]))["results"][0]["mean"]
noop = float(sys.argv[2])
print(f"./build.sh --tree: {tree:.3f} s (hyperfine mean); no-op Deploy: {noop:.3f} s; no-op / --tree: {noop / tree:.1f}")
PY
