#!/usr/bin/env bash
# The smoke set on other Node versions (issue 30, item 7): the README asks for Node >= 20.19 and the
# Dockerfile ships 22, while `npm test` runs on the machine's Node only. For each version named (default
# 22 and 24) the Node binary comes from the npm registry (the `node` package, through npx), then:
#   - the pure unit tests of vitest.smoke.config.ts (no broker; under that Node, as vitest's own process),
#   - one real `bench run` per broker (--scenario ack: nothing may be lost), through bin/bench.js and its
#     esbuild copy of src/ (bin/prebuilt.js),
#   - one run of the external fixture plug-in (MQBENCH_PLUGINS), which goes through tsx instead.
# The node_modules installed for the machine's Node are used as they are: the smoke set is what a user of
# that Node gets after `npm ci`. Short by design: `.ci/run` calls it after `npm test`, whose 20-minute
# budget it has to share, so the versions run side by side. Brokers: the shared services as `npm test`
# needs them; Kafka and the private stream node are started here when nothing answers, and stopped again.
# usage: scripts/smoke.sh [major ...]      e.g. scripts/smoke.sh 24
set -euo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22 24)
brokers=rabbit,kafka,rabbit-stream,nats,redis,mqtt,memory

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# what this script starts it stops again; the shared services it never touches
started=()
stop_started() {
  for name in "${started[@]}"; do node bin/bench.js brokers down "$name" >/dev/null || true; done
}
out=$(mktemp -d "${TMPDIR:-/tmp}/mqbench-smoke-XXXXXX")
trap 'stop_started; rm -rf "$out"' EXIT
for pair in kafka:9092 rabbit-stream:5552; do
  if ! answers "${pair#*:}"; then
    node bin/bench.js brokers up "${pair%%:*}"
    started+=("${pair%%:*}")
  fi
done

smoke() {
  local major=$1 node_bin started_at
  started_at=$(date +%s)
  # the registry's `node` package: a binary of that major version, cached by npx after the first time
  node_bin=$(npx -y "node@$major" -p process.execPath)
  echo "== smoke on node $("$node_bin" --version) ($node_bin)"
  "$node_bin" node_modules/vitest/vitest.mjs run --config vitest.smoke.config.ts
  echo "== bench run --broker $brokers --scenario ack on node $major"
  "$node_bin" bin/bench.js run --broker "$brokers" --scenario ack --duration 2s --warmup 500ms --no-progress --out "$out/$major"
  echo "== an external plug-in (through tsx) on node $major"
  MQBENCH_PLUGINS=test/fixtures/plugins/loopback/index.ts "$node_bin" bin/bench.js run --broker loopback --scenario noack \
    --duration 1s --warmup 200ms --no-progress --out "$out/$major-plugin" | grep -E '^(mqbench |messages:)'
  echo "== node $major: smoke set passed in $(($(date +%s) - started_at)) s"
}

# the versions run side by side, each into its own log shown in turn: most of a version's time is waiting
# (imports, the runs' windows, connecting), so two take little longer than one on two cores
pids=()
for major in "${versions[@]}"; do
  smoke "$major" >"$out/smoke-$major.log" 2>&1 &
  pids+=($!)
done
failed=()
for i in "${!versions[@]}"; do
  wait "${pids[$i]}" || failed+=("${versions[$i]}")
  cat "$out/smoke-${versions[$i]}.log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "== smoke set FAILED on node ${failed[*]} (its log above)"
  exit 1
fi
