#!/usr/bin/env bash
# Time from a crash-looping pod appearing to WaitReady failing, against the guide's
# `kubectl wait --for=condition=Ready pod -l app=mlflow --timeout=300s`, in the same run.
# Runs the real Build.dll and the real kubectl against the in-process fake kube-apiserver of the tests.
# Usage: bench/wait-ready.sh [guide-timeout, default 300s]   Target: WaitReady fails <= 5 s after the crash loop shows.
set -euo pipefail
cd "$(dirname "$0")/.."
result="$(mktemp)"
trap 'rm -f "$result"' EXIT
BENCH_GUIDE_TIMEOUT="${1:-300s}" BENCH_RESULT_FILE="$result" \
  dotnet test tests/Build.Tests --filter "Category=Bench" --nologo --verbosity quiet >&2
cat "$result"
