/**
 * The search for the highest sustainable open-loop rate (pure: it is handed a function that runs
 * one step). Stopping rule, as README.md states it:
 *
 * 1. Bracket: try the start rate; while a step passes, double the rate; the first failure closes the
 *    bracket. If the start rate fails, halve instead until a step passes.
 * 2. Bisect between the highest passing rate and the lowest failing one, trying the midpoint
 *    (rounded to a whole msg/s), until the two are within `resolution` of the passing rate.
 * 3. Stop early when the step budget is spent, or when the midpoint rounds onto a rate already tried.
 *
 * The bracket only ever narrows (a pass raises its floor, a failure lowers its ceiling) and no rate is
 * tried twice, so the search cannot oscillate and takes at most `maxSteps` steps. The answer is the
 * highest rate that passed (none when no step passed).
 */

/** What one step at one rate showed. */
export interface StepVerdict {
  pass: boolean;
  /** why it failed (empty when it passed) */
  reasons: string[];
}

export interface SearchRules {
  startRate: number;
  /** stop bisecting when (ceiling - floor) <= resolution * floor; e.g. 0.05 */
  resolution: number;
  maxSteps: number;
  /** the lowest rate worth trying when halving (msg/s) */
  minRate: number;
}

export interface SearchStep<T> {
  rate: number;
  phase: 'bracket' | 'bisect';
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
  while ((ceiling as number) - (floor as number) > rules.resolution * (floor as number)) {
    if (!budgetLeft()) return outcome(`the budget of ${rules.maxSteps} steps ran out before the ${(rules.resolution * 100).toFixed(0)}% resolution`);
    const stop = shouldStop();
    if (stop) return outcome(stop);
    const mid = Math.round(((floor as number) + (ceiling as number)) / 2);
    if (mid === floor || mid === ceiling) return outcome('the bracket is one msg/s wide');
    await run(mid, 'bisect');
  }
  return outcome(`the bracket is within ${(rules.resolution * 100).toFixed(0)}% of the found rate`);
}
