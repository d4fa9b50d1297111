/**
 * One colour per broker + client, the same in every chart and every report: the colour is picked by
 * a hash of the name, not by the order series happen to come in (which changes from chart to chart).
 * Tableau 10, readable on white and for the common colour-vision deficiencies.
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

/** The key a colour belongs to: the broker and the client that drove it (not its version). */
export function colourKey(broker: string, clientName: string): string {
  return `${broker}/${clientName}`;
}

/**
 * Colours for the broker + client keys of one report: each its hashed colour; when two keys of the
 * report hash to the same colour, the later one (by name) takes the next free colour, so within a
 * report every chart and table agrees and no two keys share a colour (up to 10 keys).
 */
export function assignColours(keys: readonly string[]): Map<string, string> {
  const assigned = new Map<string, string>();
  const used = new Set<number>();
  for (const key of [...new Set(keys)].sort()) {
    let index = fnv1a(key) % palette.length;
    for (let tries = 0; used.has(index) && tries < palette.length; tries++) index = (index + 1) % palette.length;
    used.add(index);
    assigned.set(key, palette[index] as string);
  }
  return assigned;
}

/** Line styles that tell apart several workloads drawn in one broker + client colour. */
export const dashes = ['solid', 'dashed', 'dotted'] as const;
