#!/usr/bin/env bash
# The partition runs behind reports/notes.md question 3's partition table: RabbitMQ on a rabbit-cluster
# brought up with --netns under each cluster_partition_handling in HANDLINGS (ignore, RabbitMQ's default,
# and pause_minority; autoheal for classic mirrored queues), and Kafka on a kafka-cluster with --netns;
# the leader partitioned from its peers only (partition-peers: the split-brain case, the cut node's
# clients still reach it) or from everything (partition-isolate), as listed below, REPEAT times, rounds
# interleaved by scripts/notes-q3.sh. Each cluster is brought down and up again with the handling asked (about a
# minute each) and brought down at the end. Results go under $OUT/<handling>/<case>-<fault>/ and
# $OUT/kafka/..., each with its summary.md (scripts/notes-q3-summary.ts: with a divergence table).
#
#   scripts/notes-q3-partitions.sh          # about 25 min with the defaults (24 runs, 4 cluster starts)
#
# BENCH, OUT, REPEAT (3), DURATION (30s), RATE (500), FAULT_AT (5s), FAULT_FOR (15s) can be overridden.
# Needs root, iproute2 and nftables. Run it on a quiet machine.
set -uo pipefail
cd "$(dirname "$0")/.."
bench=${BENCH:-npx bench}
out=${OUT:-results/baselines/q3-partitions}
export BENCH="$bench" REPEAT=${REPEAT:-3} DURATION=${DURATION:-30s} RATE=${RATE:-500} FAULT_AT=${FAULT_AT:-5s} FAULT_FOR=${FAULT_FOR:-15s}

rabbit_up() { # handling
  $bench brokers down rabbit-cluster >&2
  $bench brokers up rabbit-cluster --netns --partition-handling "$1" >&2 || exit 1
}
cases() { # handling, cases, faults
  OUT="$out/$1" CASES="$2" FAULTS="$3" scripts/notes-q3.sh
}

rabbit_up ignore
cases ignore "rabbit-quorum" "partition-isolate partition-peers"
cases ignore "rabbit-classic-mirrored" "partition-peers"
rabbit_up pause_minority
cases pause_minority "rabbit-quorum" "partition-isolate"
cases pause_minority "rabbit-classic-mirrored" "partition-peers"
rabbit_up autoheal
cases autoheal "rabbit-classic-mirrored" "partition-peers"
$bench brokers down rabbit-cluster >&2

$bench brokers down kafka-cluster >&2
$bench brokers up kafka-cluster --netns >&2 || exit 1
cases kafka "kafka-acks-all kafka-acks-1" "partition-isolate"
$bench brokers down kafka-cluster >&2
