/**
 * A partition's divergence (result `failover.divergence`), from the populations: the cut side is the
 * failed-node population (its clients stay on the cut node while its peers are gone: --partition
 * peers), the majority side the survivors and late joiners. Pure.
 */
import type { Divergence, DivergenceSide, PopulationOutcome } from '../results/types.js';

function sideOf(populations: readonly PopulationOutcome[]): DivergenceSide {
  return populations.reduce<DivergenceSide>(
    (side, p) => ({
      producers: side.producers + p.producers,
      ackedDuringPartition: side.ackedDuringPartition + (p.ackedDuringFault ?? 0),
      ackedThenLost: side.ackedThenLost + p.ackedThenLost,
    }),
    { producers: 0, ackedDuringPartition: 0, ackedThenLost: 0 },
  );
}

/** undefined when a side has no producer or sends are not acknowledged by the broker: nothing to tell apart. */
export function divergenceOf(populations: readonly PopulationOutcome[]): Divergence | undefined {
  const acked = populations.filter((p) => p.producers > 0 && p.ackedDuringFault !== null && p.ackedDuringFault !== undefined);
  const cutSide = sideOf(acked.filter((p) => p.population === 'failed-node'));
  const majoritySide = sideOf(acked.filter((p) => p.population !== 'failed-node'));
  if (cutSide.producers === 0 || majoritySide.producers === 0) return undefined;
  return { bothSidesAccepted: cutSide.ackedDuringPartition > 0 && majoritySide.ackedDuringPartition > 0, cutSide, majoritySide };
}
