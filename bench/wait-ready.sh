#!/usr/bin/env bash
# How fast WaitReady fails once a failure is certain, for each case that cannot heal: a crash loop at its 3rd
# restart (against the guide's `kubectl wait --for=condition=Ready pod -l app=mlflow --timeout=300s`, in the same
# run), the same pull error twice, a pinned digest not in the registry, a refused scale-up, and an unschedulable
# pod without scale-up at the end of WAIT_SCALE_UP_GRACE (90 s, the default).
# Runs the real Build.dll and the real kubectl against the in-process fake kube-apiserver of the tests.
# Usage: bench/wait-ready.sh [guide-timeout, default 300s] [scale-up grace in seconds, default 90s]
# Targets: <= 5 s after the failure is certain; the grace case <= grace + 3 s (WaitReady's start-up) + 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
result="$(mktemp)"
trap 'rm -f "$result"' EXIT
status=0
BENCH_GUIDE_TIMEOUT="${1:-300s}" BENCH_SCALE_UP_GRACE="${2:-90s}" BENCH_RESULT_FILE="$result" \
  dotnet test tests/Build.Tests --filter "Category=Bench" --nologo --verbosity quiet >&2 || status=$?
cat "$result"   # the numbers, also when a case missed its target
exit "$status"
