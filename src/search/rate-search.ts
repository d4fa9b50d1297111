/**
 * The search for the highest sustainable open-loop rate (pure: it is handed a function that runs
 * one step). Stopping rule, as README.md states it:
 *
 * 1. Bracket: try the start rate; while a step passes, double the rate; the first failure closes the
 *    bracket. If the start rate fails, halve instead until a step passes.
 * 2. Bisect between the highest passing rate and the lowest failing one, trying the midpoint
 *    (rounded to a whole msg/s), until the two are within `resolution` of the passing rate.
 * 3. Stop early when the step budget is spent, or when the midpoint rounds onto a rate already tried.
 * 4. Confirm: the highest passing rate must pass `confirmations` more runs. One run at the edge of a
 *    cliff passes by luck (measured: RabbitMQ ack passed p99<20ms once at 26,000 msg/s, then failed
 *    three re-runs in a row), so a failed confirmation makes that rate a ceiling and the next lower
 *    passing rate is confirmed instead, down the list of passes.
 *
 * The bracket only ever narrows (a pass raises its floor, a failure lowers its ceiling); no rate is
 * tried twice except by confirmation runs, which only move down; so the search cannot oscillate and
 * takes at most `maxSteps` steps. The answer is the highest rate that passed every run at it (none
 * when no rate did, or the budget ran out before one was confirmed).
 */

/** What one step at one rate showed. */
export interface StepVerdict {
  pass: boolean;
  /** why it failed (empty when it passed) */
  reasons: string[];
}

export interface SearchRules {
  startRate: number;
  /** runs that must also pass at the found rate before it is the answer (0: none) */
  confirmations: number;
  /** stop bisecting when (ceiling - floor) <= resolution * floor; e.g. 0.05 */
  resolution: number;
  maxSteps: number;
  /** the lowest rate worth trying when halving (msg/s) */
  minRate: number;
}

export interface SearchStep<T> {
  rate: number;
  phase: 'bracket' | 'bisect' | 'confirm';
  verdict: StepVerdict;
  detail: T;
}

export interface SearchOutcome<T> {
  /** the highest rate that passed; undefined when none did */
  foundRate: number | undefined;
  /** the lowest rate that failed; undefined when none did */
  failedRate: number | undefined;
  steps: SearchStep<T>[];
  stoppedBecause: string;
}

export async function searchRate<T>(
  rules: SearchRules,
  tryRate: (rate: number) => Promise<{ verdict: StepVerdict; detail: T }>,
  shouldStop: () => string | undefined = () => undefined,
): Promise<SearchOutcome<T>> {
  const steps: SearchStep<T>[] = [];
  let floor: number | undefined;
  let ceiling: number | undefined;
  const run = async (rate: number, phase: SearchStep<T>['phase']): Promise<boolean> => {
    const { verdict, detail } = await tryRate(rate);
    steps.push({ rate, phase, verdict, detail });
    if (verdict.pass) floor = rate;
    else ceiling = rate;
    return verdict.pass;
  };
  const outcome = (stoppedBecause: string): SearchOutcome<T> => ({ foundRate: floor, failedRate: ceiling, steps, stoppedBecause });
  const budgetLeft = (): boolean => steps.length < rules.maxSteps;

  // 1. bracket
  let rate = Math.max(rules.minRate, Math.round(rules.startRate));
  const goingUp = await run(rate, 'bracket');
  while (budgetLeft() && (goingUp ? ceiling === undefined : floor === undefined)) {
    const stop = shouldStop();
    if (stop) return outcome(stop);
    const next = goingUp ? rate * 2 : Math.max(rules.minRate, Math.round(rate / 2));
    if (next === rate) return outcome(`no step passed down to the lowest rate tried (${rules.minRate} msg/s)`);
    rate = next;
    await run(rate, 'bracket');
  }
  if (floor === undefined) return outcome(budgetLeft() ? 'no step passed' : `no step passed within the budget of ${rules.maxSteps} steps`);
  if (ceiling === undefined) return outcome(`every step passed: the budget of ${rules.maxSteps} steps ran out while doubling`);

  // 2. bisect
  let why = `the bracket is within ${(rules.resolution * 100).toFixed(0)}% of the found rate`;
  while ((ceiling as number) - (floor as number) > rules.resolution * (floor as number)) {
    if (!budgetLeft()) return outcome(`the budget of ${rules.maxSteps} steps ran out before the ${(rules.resolution * 100).toFixed(0)}% resolution`);
    const stop = shouldStop();
    if (stop) return outcome(stop);
    const mid = Math.round(((floor as number) + (ceiling as number)) / 2);
    if (mid === floor || mid === ceiling) {
      why = 'the bracket is one msg/s wide';
      break;
    }
    await run(mid, 'bisect');
  }

  // 3. confirm, down the list of passing rates
  const passes = [...new Set(steps.filter((s) => s.verdict.pass).map((s) => s.rate))].sort((a, b) => b - a);
  for (const candidate of passes) {
    if (ceiling !== undefined && candidate >= ceiling) continue;
    let held = true;
    for (let i = 0; i < rules.confirmations && held; i++) {
      if (!budgetLeft()) return { ...outcome(`the budget of ${rules.maxSteps} steps ran out while confirming ${candidate} msg/s`), foundRate: undefined };
      const stop = shouldStop();
      if (stop) return { ...outcome(stop), foundRate: undefined };
      held = await run(candidate, 'confirm');
    }
    if (held) {
      floor = candidate;
      const confirmed = rules.confirmations > 0 ? `; ${candidate} msg/s passed ${rules.confirmations} more run(s)` : '';
      return outcome(`${why}${confirmed}`);
    }
  }
  return { ...outcome('no passing rate held in its confirmation runs'), foundRate: undefined };
}
