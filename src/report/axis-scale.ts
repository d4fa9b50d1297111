/**
 * Linear or log value axes (pure): a linear axis flattens a 2,000 msg/s run beside a 488,000 msg/s
 * one to nothing, so an axis is logarithmic when asked (`bench report --log-axis`) or when the values
 * it compares span more than `autoLogRatio`; the chart's title says which and why.
 */
import type { EChartsOption } from 'echarts';

/** Beyond this ratio of the largest to the smallest non-zero value, a linear axis hides the small ones. */
export const autoLogRatio = 100;

export interface ChartOptions {
  /** every value axis logarithmic (`bench report --log-axis`) */
  logAxis: boolean;
}

export const defaultChartOptions: ChartOptions = { logAxis: false };

export interface AxisScale {
  log: boolean;
  /** why the axis is logarithmic, for the title; '' when linear */
  why: string;
  /** log: the power of ten below the smallest value (the axis starts there, not at 1) */
  floor?: number;
}

/** The power of ten at or below the smallest positive value: where a log axis starts. */
export function logFloor(values: readonly (number | null | undefined)[]): number | undefined {
  const positive = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  return positive.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : undefined;
}

/** The scale for an axis comparing `values` (nulls and zeros are not compared: a log axis cannot show them). */
export function axisScale(values: readonly (number | null | undefined)[], options: ChartOptions): AxisScale {
  const positive = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  const floor = logFloor(positive);
  if (options.logAxis) return { log: true, why: 'log scale (--log-axis)', ...(floor === undefined ? {} : { floor }) };
  if (positive.length < 2) return { log: false, why: '' };
  const ratio = Math.max(...positive) / Math.min(...positive);
  if (ratio <= autoLogRatio) return { log: false, why: '' };
  return { log: true, why: `log scale: the largest value is ${Math.round(ratio).toLocaleString('en-US')}x the smallest`, ...(floor === undefined ? {} : { floor }) };
}

/** `title`, with what makes its axis logarithmic when it is. */
export function scaledTitle(title: string, ...scales: { scale: AxisScale; axis?: string }[]): string {
  const notes = scales.filter((s) => s.scale.log).map((s) => (s.axis ? `${s.axis}: ${s.scale.why}` : s.scale.why));
  return notes.length > 0 ? `${title}\n(${[...new Set(notes)].join('; ')})` : title;
}

/** 1000 -> "1k", 2500000 -> "2.5M": log axes reach large round numbers. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  const [divisor, suffix] = abs >= 1e9 ? [1e9, 'G'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  const scaled = value / divisor;
  return `${Number(scaled.toPrecision(3))}${suffix}`;
}

type ValueAxis = Exclude<NonNullable<EChartsOption['yAxis']>, unknown[]>;

/** A value axis on `scale`: log (no zero: it has none) or linear from zero. */
export function valueAxis(scale: AxisScale, extra: Record<string, unknown>): ValueAxis {
  return (scale.log
    ? { type: 'log', logBase: 10, ...(scale.floor === undefined ? {} : { min: scale.floor }), axisLabel: { formatter: compactNumber }, ...extra }
    : { type: 'value', min: 0, axisLabel: { formatter: compactNumber }, ...extra }) as ValueAxis;
}

/** A value as the axis can draw it: a log axis has no zero or below, so such a value is a gap. */
export function onScale(value: number | null, scale: AxisScale): number | null {
  return scale.log && value !== null && value <= 0 ? null : value;
}
