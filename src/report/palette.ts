/**
 * One colour assignment for every page mqbench draws (`report`, `sweep`, `trend`, `find-rate`): a
 * broker's hue is picked by a hash of its name, never by the order series happen to come in, so a
 * broker has the same colour on every page; the workloads (and clients) of one broker on a page are
 * shades of that hue. Tableau 10, readable on white and for the common colour-vision deficiencies.
 */
export const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

/** FNV-1a, 32 bits: a stable small hash with good spread for short names. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Appended to the name before hashing: chosen so that the registered brokers each hash to a palette
 * entry of their own (a unit test checks it), so no page has to move one aside, and the hue of a
 * broker never depends on which other brokers share the page. Red and grey stay free for marks.
 */
const hashSalt = '#352';

/** The palette index a broker's name hashes to. */
export function hashedHue(broker: string): number {
  return fnv1a(`${broker}${hashSalt}`) % palette.length;
}

/**
 * The hue of each broker of one page: its hashed entry; a broker that is not registered and clashes
 * with another on the page (by name order) takes the next free entry, so no two share a hue.
 */
export function brokerHues(brokers: readonly string[]): Map<string, string> {
  const assigned = new Map<string, string>();
  const used = new Set<number>();
  for (const broker of [...new Set(brokers)].sort()) {
    let index = hashedHue(broker);
    for (let tries = 0; used.has(index) && tries < palette.length; tries++) index = (index + 1) % palette.length;
    used.add(index);
    assigned.set(broker, palette[index] as string);
  }
  return assigned;
}

/** `hex` mixed with black (amount < 0) or white (amount > 0), amount in -1..1. */
export function mix(hex: string, amount: number): string {
  const target = amount < 0 ? 0 : 255;
  const channel = (i: number): string => {
    const value = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
    return Math.round(value + (target - value) * Math.abs(amount))
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

/** The nth shade of a hue: the hue itself, then darker and lighter by turns, further each round. */
export function shade(hue: string, nth: number): string {
  if (nth === 0) return hue;
  const round = Math.ceil(nth / 2);
  const step = Math.min(0.7, 0.32 * round);
  return mix(hue, nth % 2 === 1 ? -step : step);
}

/** One drawn thing: the broker and what tells it apart from the broker's others on the page (client, workload); '' when nothing does. */
export interface ColourEntry {
  broker: string;
  variant: string;
}

export function entryKey(entry: ColourEntry): string {
  return `${entry.broker}\u0000${entry.variant}`;
}

/**
 * Colours of the entries of one page (by entryKey): each broker's hue, its variants shades of it in
 * name order (the first the hue itself). A broker with one variant gets its hue on every page, so a
 * report and a sweep of the same broker and workload agree.
 */
export function assignColours(entries: readonly ColourEntry[]): Map<string, string> {
  const hues = brokerHues(entries.map((e) => e.broker));
  const variants = new Map<string, Set<string>>();
  for (const e of entries) variants.set(e.broker, (variants.get(e.broker) ?? new Set()).add(e.variant));
  const colours = new Map<string, string>();
  for (const [broker, names] of variants) {
    [...names].sort().forEach((variant, nth) => colours.set(entryKey({ broker, variant }), shade(hues.get(broker) as string, nth)));
  }
  return colours;
}

/** Line styles that tell apart several workloads drawn in one broker's shades (also for grey print). */
export const dashes = ['solid', 'dashed', 'dotted'] as const;

/** A point that fails a check: red, which no registered broker hashes to. */
export const failColour = '#d62728';

/** find-rate's step bars, pale so the broker-coloured lines drawn over them stay readable. */
export const stepColours = { pass: '#a8d5a0', fail: '#f2a097' } as const;
