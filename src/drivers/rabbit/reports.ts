/**
 * What RabbitMQ nodes say in their own logs about the cluster while a failover run goes: a peer seen
 * down or up, a partition detected (Mnesia's inconsistent_database, the node monitor's partial
 * partition), pause_minority's pause and resume, autoheal's steps, and the run's queues' leader
 * elections. One short line per report (rabbit-cluster's watchReports, result events broker-reported).
 */

/** The node monitor's, Mnesia's and autoheal's words for what happened to the cluster (RabbitMQ 3.10). */
const clusterPatterns: readonly RegExp[] = [
  /\bnode \S+ (down|up)\b/i,
  /rabbit on node \S+ (down|up)/i,
  /partial partition/i,
  /inconsistent_database/i,
  /partitioned/i,
  /minority/i,
  /autoheal/i,
];

/** "2026-12-07 10:00:00.123456+00:00 [info] <0.123.0> text" -> "text" */
function messageOf(line: string): string {
  const match = /^\S+ \S+ \[\w+\] <[\d.]+> (.*)$/.exec(line.trim());
  return (match?.[1] ?? line).trim();
}

/** A log line's report, or undefined when it says nothing about the cluster or the run's queues. */
export function rabbitReportOf(line: string, queueNames: readonly string[]): string | undefined {
  const text = messageOf(line);
  if (text === '') return undefined;
  const aboutQueue = queueNames.some((name) => text.includes(name)) && /leader|election|term/i.test(text);
  if (!aboutQueue && !clusterPatterns.some((pattern) => pattern.test(text))) return undefined;
  // one line: a report that spans lines (Mnesia's) is told by its first
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
