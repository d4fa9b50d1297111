import { createHistogram, type Histogram } from './histogram.js';
import { quantilesOf, type SecondQuantiles } from './timeline.js';

/**
 * What a cumulative histogram gained during the last whole second, by quantile (live metrics: the send
 * delay, which the recorder keeps for the whole run only). Nothing is added per value: once a second,
 * a copy of the histogram minus the copy kept a second before. The source is never changed.
 */
export class LastSecondOf {
  private readonly previous = createHistogram();
  private second = Number.NaN;
  private quantiles: SecondQuantiles | undefined;

  constructor(private readonly source: Histogram) {}

  /**
   * From the first call in the second before `atUs`'s to the first in `atUs`'s; undefined when nothing
   * came, and for the first call or after a second without a call (what was gained then is not one second's).
   */
  at(atUs: number): SecondQuantiles | undefined {
    const second = Math.floor(atUs / 1_000_000);
    if (second === this.second) return this.quantiles;
    const follows = second === this.second + 1;
    this.second = second;
    this.quantiles = follows ? this.gainedQuantiles() : undefined;
    this.previous.reset();
    this.previous.add(this.source);
    return this.quantiles;
  }

  private gainedQuantiles(): SecondQuantiles | undefined {
    const gained = createHistogram();
    try {
      gained.add(this.source);
      gained.subtract(this.previous);
      return gained.totalCount > 0 ? quantilesOf(gained) : undefined;
    } finally {
      gained.destroy();
    }
  }

  destroy(): void {
    this.previous.destroy();
  }
}
