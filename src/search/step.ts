/**
 * Whether one open-loop run sustained its rate (pure): achieved send and receive rates within 5% of the
 * asked rate, the latency objective held on the corrected end-to-end latency, nothing lost, no send
 * error, and the run went to its end.
 */
import type { RunResult } from '../results/types.js';
import type { StepVerdict } from './rate-search.js';
import { sloHolds, sloValueUs, type Slo } from './slo.js';
import { formatLatencyUs } from '../util/format.js';
import { plural } from '../util/plural.js';

/** The achieved rates may fall short of the asked one by this share at most. */
export const rateTolerance = 0.05;

/** What a search step records about its run. */
export interface StepDetail {
  /** the run's id and result file */
  runId: string;
  file: string;
  status: RunResult['status'];
  achievedSendPerSec: number;
  achievedReceivePerSec: number;
  /** the objective's metric (corrected end-to-end latency), us */
  sloValueUs: number;
  lost: number;
  sendErrors: number;
}

export function detailOf(result: RunResult, file: string, slo: Slo): StepDetail {
  return {
    runId: result.id,
    file,
    status: result.status,
    achievedSendPerSec: result.throughput.sentPerSec,
    achievedReceivePerSec: result.throughput.receivedPerSec,
    sloValueUs: sloValueUs(slo, result.latencyUs.endToEnd),
    lost: result.counts.lost,
    sendErrors: result.counts.sendErrors,
  };
}

export function judgeStep(rate: number, detail: StepDetail, slo: Slo): StepVerdict {
  const reasons: string[] = [];
  if (detail.status === 'aborted' || detail.status === 'errored') reasons.push(`the run ${detail.status === 'aborted' ? 'was aborted' : 'failed'}`);
  const floor = rate * (1 - rateTolerance);
  if (detail.achievedSendPerSec < floor) reasons.push(`sent ${Math.round(detail.achievedSendPerSec)} msg/s, under 95% of ${rate}`);
  if (detail.achievedReceivePerSec < floor) reasons.push(`received ${Math.round(detail.achievedReceivePerSec)} msg/s, under 95% of ${rate}`);
  if (!sloHolds(slo, detail.sloValueUs)) reasons.push(`${slo.metric} ${formatLatencyUs(detail.sloValueUs)} breaks ${slo.text}`);
  if (detail.lost > 0) reasons.push(`${detail.lost} lost`);
  if (detail.sendErrors > 0) reasons.push(`${plural(detail.sendErrors, 'send error')}`);
  return { pass: reasons.length === 0, reasons };
}

/** How far the found step's metric is from the objective: (threshold - value) / threshold. */
export function marginOf(slo: Slo, valueUs: number): { us: number; share: number } {
  return { us: slo.thresholdUs - valueUs, share: (slo.thresholdUs - valueUs) / slo.thresholdUs };
}
