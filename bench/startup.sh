#!/usr/bin/env bash
# Startup cost of one CI step: ./build.sh --tree (compiled assembly, staleness check) against
# 'dotnet run --project build/Build.csproj -- --tree', both warm, measured in the same run.
# Prints both means and their ratio (target: ratio <= 0.2). Also proves a stale build is detected.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }

./build.sh --tree >/dev/null                                   # compile once so both sides are warm
dotnet build build/Build.csproj --nologo --verbosity quiet >/dev/null

json="$(mktemp)"
hyperfine --warmup 2 --runs "${RUNS:-10}" --export-json "$json" --style basic \
  --command-name build.sh './build.sh --tree' \
  --command-name 'dotnet run' 'dotnet run --project build/Build.csproj -- --tree'

python3 - "$json" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
fast, slow = results["build.sh"], results["dotnet run"]
print(f"build.sh --tree: {fast:.3f} s   dotnet run --tree: {slow:.3f} s   ratio: {fast / slow:.2f} (target <= 0.20)")
PY

# A stale build must be detected: touch a source file and expect a compile.
touch build/Program.cs
if ./build.sh --tree 2>&1 >/dev/null | grep -q "Compiling build/"; then
  echo "stale build detected after editing build/Program.cs: yes"
else
  echo "stale build detected after editing build/Program.cs: NO" >&2
  exit 1
fi
