/**
 * One reports/calibration.md section per saved calibration: the command, its window, the file, the
 * table and the cases' notes, as `bench calibrate` printed them.
 * Usage: node --import tsx scripts/calibration-md.ts results/baselines/calibration/<file>.json ...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderMarkdownTable } from '../src/calibrate/render.js';
import type { CalibrationReport } from '../src/calibrate/run.js';

function sizeLabel(size: number): string {
  return size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`;
}

function sizeFlag(size: number): string {
  return size % 1024 === 0 ? `${size / 1024}KiB` : String(size);
}

function section(file: string): string {
  const report = JSON.parse(readFileSync(file, 'utf8')) as CalibrationReport;
  const { size, partitions } = report.workload;
  const partitioned = report.broker === 'kafka';
  const heading = `### ${report.broker}, ${sizeLabel(size)}${partitioned ? `, ${partitions} partition${partitions === 1 ? '' : 's'}` : ''}`;
  const command = `bench calibrate --broker ${report.broker} --size ${sizeFlag(size)}${partitioned ? ` --partitions ${partitions}` : ''}`;
  const notes = report.cases.filter((c) => c.note).map((c) => `- ${c.title}: ${c.note ?? ''}`);
  return [
    heading,
    '',
    `\`${command}\` (${report.startedAt} - ${report.finishedAt}; \`${basename(file)}\`)`,
    '',
    `native: ${report.nativeTool}; mqbench client: ${report.client.name} ${report.client.version}; ${report.environment.cores} cores (${report.environment.cpuModel}), node ${report.environment.node}`,
    '',
    renderMarkdownTable(report),
    '',
    ...notes,
    '',
  ].join('\n');
}

for (const file of process.argv.slice(2)) process.stdout.write(`${section(file)}\n`);
