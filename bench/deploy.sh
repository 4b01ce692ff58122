#!/usr/bin/env bash
# A first Deploy against a no-op redeploy (target: the redeploy takes <= 10 % of the first), and Deploy's own
# overhead against zero-latency doubles (the no-op redeploy less the cost of starting Build.dll at all).
# Runs the real Build.dll, docker daemon, registry and kubectl against the tests' fake kube-apiserver and fake
# Google APIs (the DeployBenchmark test). Needs a running dockerd, Debian's docker-registry and kubectl.
# Usage: bench/deploy.sh   Environment: BENCH_PAYLOAD_MIB (image payload, default 64), BENCH_RUNS (no-op runs, default 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
docker info >/dev/null 2>&1 || { echo "the docker daemon is not running (start dockerd)" >&2; exit 1; }
result="$(mktemp)"
trap 'rm -f "$result"' EXIT
BENCH_PAYLOAD_MIB="${BENCH_PAYLOAD_MIB:-64}" BENCH_RUNS="${BENCH_RUNS:-5}" BENCH_RESULT_FILE="$result" \
  dotnet test tests/Build.Tests --filter "Name~DeployBenchmark" --nologo --verbosity quiet >&2
cat "$result"
