/**
 * Failover: whether a group member's heartbeats are answered again after its coordinator was lost
 * (the patched client looks for the group's new coordinator and keeps the member; patches/).
 */
import type { EventEmitter } from 'node:events';

/** How often `stopped` is asked while waiting. */
const stopPollMs = 250;

/** Resolves true at the member's next answered heartbeat, false after `withinMs` or once `stopped()`. */
export function nextHeartbeat(member: EventEmitter, withinMs: number, stopped: () => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (answered: boolean): void => {
      clearTimeout(deadline);
      clearInterval(poll);
      member.off('consumer:heartbeat:end', onAnswered);
      resolve(answered);
    };
    const onAnswered = (): void => finish(true);
    // neither keeps a process alive: the member, or the run, does
    const deadline = setTimeout(() => finish(false), withinMs).unref();
    const poll = setInterval(() => {
      if (stopped()) finish(false);
    }, stopPollMs).unref();
    member.on('consumer:heartbeat:end', onAnswered);
  });
}
