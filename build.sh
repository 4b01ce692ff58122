#!/usr/bin/env bash
# Runs the deployment suite: ./build.sh --target=Deploy [--plan] [--name=value ...]
# Every argument is passed to the build. The build project is compiled only when a file under build/
# is newer than the last compile; otherwise the compiled assembly starts directly (no 'dotnet run').
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
output="$root/artifacts/build"
stamp="$output/.compiled"

needs_compile() {
  [[ ! -f "$stamp" || ! -f "$output/Build.dll" ]] && return 0
  [[ -n "$(find "$root/build" \( -name bin -o -name obj \) -prune -o -newer "$stamp" -print -quit)" ]]
}

if needs_compile; then
  mkdir -p "$output"
  # Stamp the start time so that an edit made during the compile triggers the next one.
  started="$(mktemp "$output/.compiling.XXXXXX")"
  echo "Compiling build/ ..." >&2
  dotnet build "$root/build/Build.csproj" --configuration Release --nologo --verbosity quiet \
    --property:OutDir="$output/" >&2
  mv "$started" "$stamp"
fi

exec dotnet "$output/Build.dll" "$@"
