import type { RedactionConfig, SwitchyardConfig } from '../config/config';
import { Scanner } from './scanner';

/** One `redaction` setting, compiled: what to do and the scanner that finds. */
export interface Redaction {
  mode: 'redact' | 'block';
  restore: boolean;
  scanner: Scanner;
}

/**
 * The redaction in force for each call of one config version: the global setting, overridden
 * field by field by the matched rule's. Undefined when every setting is off, so the stage is
 * skipped and a proxy without redaction pays nothing.
 */
export interface RedactionSettings {
  /** For calls no rule with its own `redaction` matched. */
  global: Redaction | undefined;
  /** By rule index; present only for rules with their own `redaction` (undefined: off for that rule). */
  byRule: ReadonlyMap<number, Redaction | undefined>;
}

export function compileRedaction(config: SwitchyardConfig): RedactionSettings | undefined {
  const global = compileOne(config.redaction);
  const byRule = new Map<number, Redaction | undefined>();
  config.rules.forEach((rule, index) => {
    if (rule.redaction !== undefined) byRule.set(index, compileOne({ ...config.redaction, ...rule.redaction }));
  });
  if (global === undefined && [...byRule.values()].every((redaction) => redaction === undefined)) return undefined;
  return { global, byRule };
}

function compileOne(config: RedactionConfig): Redaction | undefined {
  if (config.mode === 'off') return undefined;
  const scanner = new Scanner({
    detectors: config.detectors,
    // Checked at load (check-pattern.ts): compiles, never matches empty, fast on long input.
    custom: config.custom.map((custom) => ({ name: custom.name, pattern: new RegExp(custom.pattern, 'g') })),
    allow: config.allow,
  });
  return { mode: config.mode, restore: config.restore, scanner };
}

/** The redaction for a call routed by rule `ruleIndex` (undefined: no rule matched). */
export function redactionFor(settings: RedactionSettings, ruleIndex: number | undefined): Redaction | undefined {
  if (ruleIndex !== undefined && settings.byRule.has(ruleIndex)) return settings.byRule.get(ruleIndex);
  return settings.global;
}
