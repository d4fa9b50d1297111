#!/usr/bin/env bash
# The sweeps behind reports/notes.md question 2 ("does Kafka's partitioning make it more efficient?"):
# partitions 1..8 and message sizes 100 B..64 KiB on RabbitMQ (queues behind the partitioned exchange),
# Kafka (partitions) and, when the plug-in is there, a RabbitMQ stream, with broker CPU and disk bytes
# per message. Raw results, sweep files and reports go under results/baselines/q2/ (reports beside them).
#
#   npx bench brokers up kafka && npx bench brokers up rabbit-stream   # brokers mqbench starts: their cost is measured
#   RABBIT_PID=$(pgrep -u rabbitmq -f beam.smp) scripts/notes-q2.sh    # the shared RabbitMQ's Erlang VM, if it is not mqbench's
#
# Run it on a quiet machine: about 2 h with the defaults (REPEAT=3, DURATION=20s; 35 min with DURATION=10s).
# BENCH="npx bench" and OUT, REPEAT, DURATION, RATE can be overridden; DRY_RUN=1 prints the commands instead;
# SWEEPS="sizes" and GROUP=rabbit (or GROUP=kafka,rabbit-stream) re-run a part. A sweep that ends with failed
# runs (exit 1) is reported and the next one still runs: its runs are in the sweep file with their status.
# --broker-pid applies to every broker of one sweep, so RabbitMQ gets its own sweeps when RABBIT_PID is set;
# without it RabbitMQ runs interleaved with the others and its broker cost says "not measured".
# /proc/<pid>/io of another user's process needs that user or root: otherwise disk bytes are left out (said so).
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${BENCH:-npx bench}
out=${OUT:-results/baselines/q2}
repeat=${REPEAT:-3}
duration=${DURATION:-20s}
rate=${RATE:-5000}
sweeps=${SWEEPS:-partitions-max partitions-rate sizes}
run() {
  echo "+ $*" >&2
  if [[ -n "${DRY_RUN:-}" ]]; then return; fi
  "$@" || echo "notes-q2: exit $? from the sweep above; going on" >&2
}

others=kafka
if $bench list 2>/dev/null | grep -q '^ *rabbit-stream'; then others=kafka,rabbit-stream; fi
if [[ -n "${RABBIT_PID:-}" ]]; then groups=("$others" rabbit); else groups=("rabbit,$others"); fi
if [[ -n "${GROUP:-}" ]]; then groups=("$GROUP"); fi

sweep() { # name, brokers, then the sweep's own flags
  local name=$1 brokers=$2
  shift 2
  if [[ " $sweeps " != *" $name "* ]]; then return; fi
  local pid=()
  if [[ "$brokers" == rabbit && -n "${RABBIT_PID:-}" ]]; then pid=(--broker-pid "$RABBIT_PID"); fi
  run $bench sweep --broker "$brokers" --repeat "$repeat" --duration "$duration" --warmup 5s --no-progress \
    --out "$out/$name" --report "$out/$name/report-${brokers//,/-}" "${pid[@]}" "$@"
}

for brokers in "${groups[@]}"; do
  # throughput and broker CPU per message against partitions (closed loop: as fast as each goes)
  sweep partitions-max "$brokers" --scenario partitioned --vary partitions=1,2,4,8
  # latency and cost at one fixed rate every broker sustains
  sweep partitions-rate "$brokers" --scenario partitioned --vary partitions=1,2,4,8 --rate "$rate"
  # message size: throughput, MB/s, CPU and disk bytes per message (4 partitions)
  sweep sizes "$brokers" --scenario partitioned --partitions 4 --vary size=100,1KiB,4KiB,16KiB,64KiB
done
echo "raw results, sweep files and reports: $out/" >&2
