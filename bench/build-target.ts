/**
 * A Switchyard build named on an A/B script's command line, with the side of a feature case it
 * plays: `<folder>` as built, `off:<folder>` sent the case's request without its route (a cache
 * case with the cache off), `redact:<folder>` with redaction on, `governed:<folder>` as the
 * bench's governed Switchyard (3 named keys, 5 budgets, rate limits) under its key, `mixed:<folder>`
 * as built, first sent every plain passthrough and translation case (as the full bench's process
 * has served them all before any case is measured; where a script supports it).
 */
export interface BuildTarget {
  folder: string;
  role: 'plain' | 'off' | 'redact' | 'governed' | 'mixed';
}

const roles = ['off', 'redact', 'governed', 'mixed'] as const;

export function parseBuildTarget(text: string): BuildTarget {
  for (const role of roles) {
    if (text.startsWith(`${role}:`)) return { folder: text.slice(role.length + 1), role };
  }
  return { folder: text, role: 'plain' };
}
