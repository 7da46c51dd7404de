/** Work owed to the outside world (stored webhooks not applied, control signals not delivered), as /ready shows it. */
export interface Backlog {
  pending: number;
  oldestAgeSeconds: number | null;
}

/** A count and the oldest pending item's time, as the whole seconds it has waited. */
export function backlogFrom(pending: number, oldest: Date | null): Backlog {
  return { pending, oldestAgeSeconds: oldest ? Math.max(0, Math.round((Date.now() - oldest.getTime()) / 1000)) : null };
}
