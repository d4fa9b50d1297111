/**
 * Two or three real examples under each command's `--help` (issue 31): what a newcomer types first.
 * Every line here runs as written on a machine with the brokers of README's Quick start.
 */
import type { Argv } from 'yargs';

const examples: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  run: [
    ['$0 run --broker rabbit --scenario noack', 'the main job: RabbitMQ, at most once, flat out for 10 s'],
    ['$0 run --broker rabbit,kafka --scenario ack --rate 2000 --repeat 3', 'both brokers at 2,000 msg/s, 3 times each, interleaved; a closing table'],
    ['$0 run --broker rabbit --scenario failover --queue-type quorum --duration 40s', "a node of mqbench's 3-node cluster killed at 10 s for 15 s"],
  ],
  calibrate: [
    ['$0 calibrate --broker rabbit', 'PerfTest beside mqbench, round by round'],
    ['$0 calibrate --floor --broker rabbit --rates 2000,5000', "mqbench's own noise floor beside RabbitMQ's figures"],
  ],
  sweep: [
    ['$0 sweep --broker kafka --scenario partitioned --vary partitions=1,2,4,8', 'one run per partition count, a report with curves'],
    ['$0 sweep --broker rabbit,kafka --scenario noack --vary size=100,1KiB,10KiB', 'message sizes on both brokers'],
  ],
  'find-rate': [
    ['$0 find-rate --broker rabbit --scenario ack --slo "p99<20ms"', 'the highest rate RabbitMQ keeps p99 under 20 ms'],
    ['$0 find-rate --broker kafka --scenario noack --slo "p99<10ms" --confirm-runs 3', 'the answer must pass 3 more runs'],
  ],
  report: [
    ['$0 report results --out reports/today', 'reports/today.md and a self-contained reports/today.html'],
    ['$0 report results --format omb --out reports/omb/', "each run as OpenMessaging Benchmark's result JSON"],
  ],
  compare: [
    ["$0 compare --baseline 'results/a/*.json' --candidate 'results/b/*.json'", 'medians with spread, and whether a change is significant'],
  ],
  trend: [['$0 trend results/nightly --out reports/trend.html', 'throughput and p99 over commits']],
  check: [
    ['$0 check --baseline results/main --candidate results/pr', 'exit 1 only on a significant regression'],
    ['$0 check --baseline results/main --candidate results/pr --junit check.xml', 'also as JUnit XML for the CI'],
  ],
  list: [['$0 list --verbose', 'brokers, scenarios and how each maps']],
  brokers: [
    ['$0 brokers status', 'what runs, and who started it'],
    ['$0 brokers up rabbit-cluster', "start mqbench's 3-node RabbitMQ cluster"],
    ['$0 brokers down kafka', 'stop the Kafka mqbench started (only what it started)'],
  ],
  clean: [
    ['$0 clean --dry-run', 'what earlier runs left on every broker, deleting nothing'],
    ['$0 clean --broker rabbit', "delete RabbitMQ's mqbench-* objects not in use"],
  ],
  harness: [['$0 harness', "mqbench's ceiling with the in-memory broker, 1 and 2 processes"]],
  k8s: [['$0 k8s render --broker kafka --scenario noack --pods 4 --kafka-url kafka:9092', 'the Indexed Job manifests on stdout']],
  merge: [['$0 merge pods.log --out results', "the pods' lines merged into one result"]],
};

/** `y` with the command's examples (none for a command without any). */
export function withExamples<T>(y: Argv<T>, command: string): Argv<T> {
  return (examples[command] ?? []).reduce((built, [line, what]) => built.example(line, what), y);
}

/** The commands that have examples (a test runs each --help). */
export const commandsWithExamples: readonly string[] = Object.keys(examples);
