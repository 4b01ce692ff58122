#!/usr/bin/env bash
# BuildImage+PushImage with nothing changed against the first (cold) run, same command, same context:
#   ./build.sh --target=PushImage --image-repository=127.0.0.1:PORT/REPO --image-context=CTX
# Each cold run gets new random content (a new tag and a layer neither docker nor the registry has) and no
# local images; the warm run finds the content tag in the registry and skips both steps. Prints both means and their ratio (target: ratio <= 0.10).
# Needs a running dockerd and Debian's docker-registry and busybox-static. PAYLOAD_MIB sizes the context
# (default 64 MiB of random data beside busybox; the real MLflow image is several hundred MiB).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for tool in hyperfine docker docker-registry python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install hyperfine docker.io docker-registry)" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "the docker daemon is not running (start dockerd)" >&2; exit 1; }

work="$(mktemp -d)"
# IMAGE_CONTEXT must lie inside the repository: the context goes into its git-ignored artifacts/ folder.
context="$PWD/artifacts/bench-image-context-$$"
registry_pid=""
cleanup() {
  [[ -n "$registry_pid" ]] && kill "$registry_pid" 2>/dev/null || true
  docker image ls --quiet --filter reference="127.0.0.1:$port/bench" | sort -u | xargs -r docker image rm --force >/dev/null 2>&1 || true
  rm -rf "$work" "$context"
}
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
trap cleanup EXIT

cat >"$work/registry.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done

mkdir -p "$context"
cp /bin/busybox "$context/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY payload.bin /data/payload.bin\nCMD ["/bin/busybox", "true"]\n' >"$context/Dockerfile"

./build.sh --tree >/dev/null   # compile once, outside the measurement

# Cold: new random payload (a new content tag, a layer neither the daemon nor the registry has seen) and no
# local images, so every run really builds and uploads. Warm: the context the last cold run pushed, unchanged.
cat >"$work/prepare.sh" <<PREPARE
head -c $((${PAYLOAD_MIB:-64} * 1024 * 1024)) /dev/urandom >"$context/payload.bin"
# Images built with an earlier one as cache are its children: remove what can be removed, ignore the rest.
docker image ls --quiet --filter reference='127.0.0.1:$port/bench' | sort -u | xargs -r docker image rm --force >/dev/null 2>&1 || true
PREPARE
run="./build.sh --target=PushImage --image-repository=127.0.0.1:$port/bench --image-context=$context"

json="$work/results.json"
hyperfine --runs "${RUNS:-5}" --style basic --export-json "$json" \
  --command-name cold --prepare "bash $work/prepare.sh" "$run"
hyperfine --warmup 1 --runs "${RUNS:-5}" --style basic --export-json "$json.warm" --command-name warm "$run"
# The floor every step pays: starting the compiled build and printing its tree, no image work at all.
hyperfine --warmup 1 --runs "${RUNS:-5}" --style basic --export-json "$json.floor" --command-name floor "./build.sh --tree"

python3 - "$json" "$json.warm" "$json.floor" <<'PY'
import json, sys
cold, warm, floor = (json.load(open(path))["results"][0]["mean"] for path in sys.argv[1:4])
print(f"first run (build+push): {cold:.3f} s   nothing changed (both skip): {warm:.3f} s   ratio: {warm / cold:.3f} (target <= 0.10)")
print(f"host start floor (./build.sh --tree): {floor:.3f} s   skip checks beyond it: {warm - floor:.3f} s")
PY
