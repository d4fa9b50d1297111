#!/usr/bin/env bash
# Before the tests: they start Kafka and run the brokers' own benchmark tools, whose jars come from
# Maven Central. Fetched once, when missing (a RabbitMQ-only job never needs them).
set -euo pipefail
cd "$(dirname "$0")/.."
compgen -G 'brokers/kafka/lib/kafka_*.jar' >/dev/null || npm run -s fetch:kafka
compgen -G 'brokers/tools/lib/perf-test-*.jar' >/dev/null || npm run -s fetch:tools
