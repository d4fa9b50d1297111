/** Formatting helpers shared by terminal, Markdown and HTML renderers. Pure. */

export function formatLatencyUs(us: number): string {
  if (us < 1_000) return `${us} us`;
  if (us < 1_000_000) return `${(us / 1_000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatRate(perSec: number): string {
  return `${formatCount(perSec)} msg/s`;
}

export function formatMb(mbPerSec: number): string {
  return `${mbPerSec.toFixed(mbPerSec < 10 ? 2 : 1)} MB/s`;
}

export function formatSeconds(us: number): string {
  const s = us / 1_000_000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}
