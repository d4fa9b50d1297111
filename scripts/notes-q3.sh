#!/usr/bin/env bash
# The failover runs behind reports/notes.md question 3 ("is RabbitMQ's exchange a single point that hurts
# fault tolerance?"): on mqbench's local 3-node clusters, RabbitMQ classic vs classic-mirrored vs quorum
# vs stream queues and Kafka RF=3 acks=all vs acks=1, each with its leader killed (SIGKILL, restarted
# after FAULT_FOR), killed for good (kill-never: --fault-for never, restored only after the run) and
# frozen (SIGSTOP, continued), REPEAT times each, the repeats of all cases interleaved (round by round).
# RabbitMQ runs place their clients (--clients spread: some on the node that dies, some on survivors)
# and open LATE_JOINERS fresh producers after the fault, so every client population is measured.
# Raw results go under $OUT/<case>-<fault>/, a table of medians and spreads (min..max) per case and
# per population into $OUT/summary.md, headed by the machine, commits and dates of the results.
#
#   scripts/notes-q3.sh                     # about 50 min with the defaults (REPEAT=3, 40 s windows)
#   REPEAT=1 DURATION=20s FAULT_AT=5s FAULT_FOR=8s RATE=500 scripts/notes-q3.sh   # one short round
#
# BENCH="npx bench", OUT, REPEAT, DURATION, RATE, FAULT_AT, FAULT_FOR, LATE_JOINERS (4), CASES (a
# space-separated subset of the case names below) and FAULTS ("kill kill-never stop"; partition-isolate and
# partition-peers need clusters brought up with --netns: scripts/notes-q3-partitions.sh) can be overridden;
# DRY_RUN=1 prints the commands instead.
# classic-mirrored queues are mirrored by the ha policy `bench brokers up rabbit-cluster` sets.
# The clusters are started when they are not up (bench run does it) and left running; stop them with
# `npx bench brokers down rabbit-cluster` / `kafka-cluster`. Run it on a quiet machine.
set -uo pipefail
cd "$(dirname "$0")/.."
bench=${BENCH:-npx bench}
out=${OUT:-results/baselines/q3-populations}
repeat=${REPEAT:-3}
duration=${DURATION:-40s}
rate=${RATE:-1000}
fault_at=${FAULT_AT:-10s}
fault_for=${FAULT_FOR:-15s}
faults=${FAULTS:-kill kill-never stop}
late_joiners=${LATE_JOINERS:-4}
cases=${CASES:-rabbit-classic rabbit-classic-mirrored rabbit-quorum rabbit-stream kafka-acks-all kafka-acks-1}
run() {
  echo "+ $*" >&2
  if [[ -z "${DRY_RUN:-}" ]]; then "$@"; fi
}

flags_of() { # case name -> broker flags
  case $1 in
    rabbit-classic) echo "--broker rabbit --queue-type classic" ;;
    rabbit-classic-mirrored) echo "--broker rabbit --queue-type classic-mirrored" ;;
    rabbit-quorum) echo "--broker rabbit --queue-type quorum" ;;
    rabbit-stream) echo "--broker rabbit --queue-type stream" ;;
    kafka-acks-all) echo "--broker kafka --kafka-acks all" ;;
    kafka-acks-1) echo "--broker kafka --kafka-acks 1" ;;
    *) echo "unknown case $1" >&2; exit 2 ;;
  esac
}

fault_flags_of() { # fault name -> fault flags
  case $1 in
    kill) echo "--fault kill --fault-for $fault_for" ;;
    kill-never) echo "--fault kill --fault-for never" ;;
    stop) echo "--fault stop --fault-for $fault_for" ;;
    partition-isolate) echo "--fault partition --partition isolate --fault-for $fault_for" ;;
    partition-peers) echo "--fault partition --partition peers --fault-for $fault_for" ;;
    *) echo "unknown fault $1" >&2; exit 2 ;;
  esac
}

population_flags_of() { # case name -> placement flags (only RabbitMQ's clients stay on one node)
  case $1 in
    rabbit-*) echo "--clients spread --late-joiners $late_joiners" ;;
    *) echo "" ;;
  esac
}

for ((r = 1; r <= repeat; r++)); do
  for fault in $faults; do
    for case in $cases; do
      # shellcheck disable=SC2046
      run $bench run --scenario failover $(flags_of "$case") $(fault_flags_of "$fault") --fault-target leader \
        $(population_flags_of "$case") --rate "$rate" --duration "$duration" --fault-at "$fault_at" --no-progress \
        --out "$out/$case-$fault" || echo "(exit $? for $case-$fault repeat $r: kept, see its result)" >&2
    done
  done
done

[[ -n "${DRY_RUN:-}" ]] && exit 0
# medians and spreads per case, from the raw results
node --import tsx scripts/notes-q3-summary.ts "$out" >"$out/summary.md"
echo "wrote $out/summary.md" >&2
