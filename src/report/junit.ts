/**
 * `bench check --junit FILE`: the check as JUnit XML in Apache Ant's format (what Jenkins, GitLab and
 * GitHub's test-report actions read; test/fixtures/junit/JUnit.xsd is its schema): one <testsuite> per
 * check, one <testcase> per workload and metric, a regression a <failure> whose message holds the
 * figures, a metric with too few repeats to call <skipped>. Pure.
 */
import type { GateCase } from './gate-cases.js';

export interface JUnitSuite {
  /** "bench check: <baseline> vs <candidate>" */
  name: string;
  /** when the check ran */
  startedAt: Date;
  hostname: string;
  /** how long the check took (s) */
  seconds: number;
  /** the thresholds and rules, as name=value pairs */
  properties: Record<string, string | number>;
  cases: readonly GateCase[];
  /** the check's text, as it printed it */
  text: string;
}

/** XML 1.0 has no place for most control characters (not even as references): they are dropped. */
const legal = (text: string): string => text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');

export function escapeXml(text: string): string {
  return legal(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Attribute values: line breaks kept as references (a parser turns a raw one into a space). */
const attr = (text: string): string => escapeXml(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

function testcase(c: GateCase): string {
  const open = `  <testcase classname="${attr(c.workload)}" name="${attr(c.metric)}" time="0"`;
  if (c.status === 'passed') return `${open}/>`;
  const body =
    c.status === 'failed' ? `<failure message="${attr(c.figures)}" type="regression">${escapeXml(c.figures)}</failure>` : `<skipped message="${attr(c.figures)}"/>`;
  return `${open}>\n    ${body}\n  </testcase>`;
}

/** Ant's timestamp: ISO 8601 to the second, no time zone (UTC here). */
const antTimestamp = (at: Date): string => at.toISOString().slice(0, 19);

export function renderJUnit(suite: JUnitSuite): string {
  const count = (status: GateCase['status']): number => suite.cases.filter((c) => c.status === status).length;
  const properties = Object.entries(suite.properties).map(([name, value]) => `    <property name="${attr(name)}" value="${attr(String(value))}"/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${attr(suite.name)}" timestamp="${antTimestamp(suite.startedAt)}" hostname="${attr(suite.hostname || 'localhost')}" ` +
      `tests="${suite.cases.length}" failures="${count('failed')}" errors="0" skipped="${count('skipped')}" time="${suite.seconds.toFixed(3)}">`,
    properties.length > 0 ? `  <properties>\n${properties.join('\n')}\n  </properties>` : '  <properties/>',
    ...suite.cases.map(testcase),
    `  <system-out>${escapeXml(suite.text)}</system-out>`,
    '  <system-err/>',
    '</testsuite>',
    '',
  ].join('\n');
}
