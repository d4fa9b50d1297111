#!/usr/bin/env bash
# Runs the regression suite (workloads/ci-*.yaml) on RabbitMQ and Kafka, 3 repeats each,
# writing results into the directory given (default results/current).
#   scripts/bench-suite.sh results/current            # what CI compares
#   scripts/bench-suite.sh results/baselines/ci       # refresh the committed baseline (on the CI runner class!)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-results/current}"
repeat="${BENCH_REPEAT:-3}"
for workload in workloads/ci-*.yaml; do
  npx bench run --workload "$workload" --broker rabbit,kafka --repeat "$repeat" --out "$out" --no-progress
done
