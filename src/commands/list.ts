import { drivers } from '../drivers/index.js';
import { scenarios } from '../scenarios/index.js';

/** `bench list`: brokers and scenarios, one line each; `--verbose` adds how each scenario maps onto each broker. */
export function renderList(verbose: boolean): string {
  const width = Math.max(...[...drivers, ...scenarios].map((x) => x.name.length)) + 2;
  const lines = ['brokers:'];
  for (const d of drivers) lines.push(`  ${d.name.padEnd(width)}${d.description}`);
  lines.push('', 'scenarios:');
  for (const s of scenarios) {
    lines.push(`  ${s.name.padEnd(width)}${s.description}`);
    if (verbose) {
      lines.push(`  ${''.padEnd(width)}  rabbit: ${s.mapping.rabbit}`);
      lines.push(`  ${''.padEnd(width)}  kafka:  ${s.mapping.kafka}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
