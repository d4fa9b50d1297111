import { plugins } from '../drivers/index.js';
import { scenarios } from '../scenarios/index.js';

/** `bench list`: brokers and scenarios, one line each; `--verbose` adds how each scenario maps onto each broker. */
export function renderList(verbose: boolean): string {
  const width = Math.max(...[...plugins, ...scenarios].map((x) => x.name.length)) + 2;
  const lines = ['brokers:'];
  for (const p of plugins) lines.push(`  ${p.name.padEnd(width)}${p.description}`);
  lines.push('', 'scenarios:');
  const nameWidth = Math.max(...plugins.map((p) => p.name.length)) + 1;
  for (const s of scenarios) {
    lines.push(`  ${s.name.padEnd(width)}${s.description}`);
    if (!verbose) continue;
    for (const p of plugins) lines.push(`  ${''.padEnd(width)}  ${`${p.name}:`.padEnd(nameWidth)} ${p.mapping[s.name] ?? '(not supported)'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `bench list --json`: one document, every broker with its scenario mappings, and the scenarios. */
export function listJson(): string {
  return `${JSON.stringify(
    {
      brokers: plugins.map((p) => ({ name: p.name, description: p.description, mapping: Object.fromEntries(scenarios.map((s) => [s.name, p.mapping[s.name] ?? null])) })),
      scenarios: scenarios.map((s) => ({ name: s.name, description: s.description })),
    },
    null,
    2,
  )}\n`;
}
