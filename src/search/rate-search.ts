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
 * takes at most `maxSteps` steps. The answer is the highest rate that passed every run at it, its
 * confirmation runs included. A search that ends before that (budget spent while doubling, before the
 * resolution or while confirming; interrupted) has no answer: its highest pass is reported apart, as
 * unconfirmed, never as the rate found.
 */
import { plural } from '../util/plural.js';

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
  /** the run was interrupted (Ctrl-C, SIGTERM): kept as a step, never a verdict on its rate */
  interrupted?: true;
}

/** What one try at a rate gives the search. */
export interface TryOutcome<T> {
  verdict: StepVerdict;
  detail: T;
  /** interrupted: the step neither passes nor fails its rate */
  interrupted?: boolean;
}

export interface SearchOutcome<T> {
  /**
   * the answer: the highest rate that passed and then its confirmation runs; undefined when the
   * search ended before one did (a rate the search did not establish is never called found)
   */
  foundRate: number | undefined;
  /** the highest rate that passed a step, confirmed or not; undefined when none did */
  highestPassedRate: number | undefined;
  /** the lowest rate that failed; undefined when none did */
  failedRate: number | undefined;
  steps: SearchStep<T>[];
  stoppedBecause: string;
}

/** The search's state: every step so far, and the bracket they set. */
class RateSearch<T> {
  readonly steps: SearchStep<T>[] = [];
  /** the highest rate that passed (the confirmation phase may move it down) */
  floor: number | undefined;
  /** the lowest rate that failed */
  ceiling: number | undefined;

  constructor(
    readonly rules: SearchRules,
    private readonly tryRate: (rate: number) => Promise<TryOutcome<T>>,
    readonly shouldStop: () => string | undefined,
  ) {}

  /** One step: a pass raises the floor, a failure lowers the ceiling; an interrupted one neither (it is not a failing rate). */
  async run(rate: number, phase: SearchStep<T>['phase']): Promise<boolean> {
    const { verdict, detail, interrupted } = await this.tryRate(rate);
    if (interrupted) {
      this.steps.push({ rate, phase, verdict: { pass: false, reasons: ['interrupted: not a verdict on this rate'] }, detail, interrupted: true });
      return false;
    }
    this.steps.push({ rate, phase, verdict, detail });
    if (verdict.pass) this.floor = rate;
    else this.ceiling = rate;
    return verdict.pass;
  }

  /** How the search ended with no established answer (the highest pass is kept apart). */
  outcome(stoppedBecause: string): SearchOutcome<T> {
    return { foundRate: undefined, highestPassedRate: this.floor, failedRate: this.ceiling, steps: this.steps, stoppedBecause };
  }

  budgetLeft(): boolean {
    return this.steps.length < this.rules.maxSteps;
  }

  /** 1. Double from the start rate until a step fails (halve until one passes); an outcome when the search ends here. */
  async bracket(): Promise<SearchOutcome<T> | undefined> {
    const { rules } = this;
    let rate = Math.max(rules.minRate, Math.round(rules.startRate));
    const goingUp = await this.run(rate, 'bracket');
    while (this.budgetLeft() && (goingUp ? this.ceiling === undefined : this.floor === undefined)) {
      const stop = this.shouldStop();
      if (stop) return this.outcome(stop);
      const next = goingUp ? rate * 2 : Math.max(rules.minRate, Math.round(rate / 2));
      if (next === rate) return this.outcome(`no step passed down to the lowest rate tried (${rules.minRate} msg/s)`);
      rate = next;
      await this.run(rate, 'bracket');
    }
    if (this.floor === undefined) return this.outcome(this.budgetLeft() ? 'no step passed' : `no step passed within the budget of ${rules.maxSteps} steps`);
    if (this.ceiling === undefined) return this.outcome(`every step passed: the budget of ${rules.maxSteps} steps ran out while doubling`);
    return undefined;
  }

  /** 2. Bisect the bracket to the resolution: why it is narrow enough, or an outcome when the search ends here. */
  async bisect(): Promise<string | SearchOutcome<T>> {
    const { rules } = this;
    while ((this.ceiling as number) - (this.floor as number) > rules.resolution * (this.floor as number)) {
      if (!this.budgetLeft()) return this.outcome(`the budget of ${rules.maxSteps} steps ran out before the ${(rules.resolution * 100).toFixed(0)}% resolution`);
      const stop = this.shouldStop();
      if (stop) return this.outcome(stop);
      const mid = Math.round(((this.floor as number) + (this.ceiling as number)) / 2);
      // the midpoint rounds onto a rate already tried
      if (mid === this.floor || mid === this.ceiling) return 'the bracket is one msg/s wide';
      await this.run(mid, 'bisect');
    }
    return `the bracket is within ${(rules.resolution * 100).toFixed(0)}% of the found rate`;
  }

  /** 3. Confirm the highest passing rate below the ceiling; a failed confirmation makes it the ceiling, and the next lower pass is tried. */
  async confirm(why: string): Promise<SearchOutcome<T>> {
    const { rules } = this;
    const passes = [...new Set(this.steps.filter((s) => s.verdict.pass).map((s) => s.rate))].sort((a, b) => b - a);
    for (const candidate of passes) {
      if (this.ceiling !== undefined && candidate >= this.ceiling) continue;
      const held = await this.confirmations(candidate);
      if (typeof held !== 'boolean') return held;
      if (held) {
        this.floor = candidate;
        const confirmed = rules.confirmations > 0 ? `; ${candidate} msg/s passed ${plural(rules.confirmations, 'more run')}` : '';
        return { ...this.outcome(`${why}${confirmed}`), foundRate: candidate };
      }
    }
    return this.outcome('no passing rate held in its confirmation runs');
  }

  /** The confirmation runs at one rate, up to the first failure: whether all passed, or an outcome (no rate found) when the search ends meanwhile. */
  private async confirmations(candidate: number): Promise<boolean | SearchOutcome<T>> {
    let held = true;
    for (let i = 0; i < this.rules.confirmations && held; i++) {
      if (!this.budgetLeft()) return this.outcome(`the budget of ${this.rules.maxSteps} steps ran out while confirming ${candidate} msg/s`);
      const stop = this.shouldStop();
      if (stop) return this.outcome(stop);
      held = await this.run(candidate, 'confirm');
    }
    return held;
  }
}

export async function searchRate<T>(
  rules: SearchRules,
  tryRate: (rate: number) => Promise<TryOutcome<T>>,
  shouldStop: () => string | undefined = () => undefined,
): Promise<SearchOutcome<T>> {
  const search = new RateSearch(rules, tryRate, shouldStop);
  const bracketEnd = await search.bracket();
  if (bracketEnd) return bracketEnd;
  const bisected = await search.bisect();
  return typeof bisected === 'string' ? search.confirm(bisected) : bisected;
}
