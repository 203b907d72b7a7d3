import type { RedactionSetting, SwitchyardConfig } from '../config/config';
import type { Principal } from '../core/principal';
import { RawPrefilter } from './raw-prefilter';
import { Scanner } from './scanner';

/** One `redaction` setting, compiled: what to do and the scanner that finds. */
export interface Redaction {
  mode: 'redact' | 'block';
  restore: boolean;
  scanner: Scanner;
  /** A first look at the raw body that rules out findings without parsing it; undefined with custom patterns. */
  prefilter: RawPrefilter | undefined;
}

/**
 * The redaction in force for each call of one config version and one version of the named
 * keys. Three layers, each laid field by field over the one before, from the widest to the
 * narrowest: the config's `redaction`, the matched rule's `redaction`, then the caller's key's
 * (the config's `redaction.keys` entry for it, then the named key's own setting from
 * `switchyard keys`). The most specific setting wins: a key set to `block` is blocked whatever
 * rule its call matches, and a key set to `off` is not redacted. Undefined when no layer turns
 * redaction on, so the stage is skipped and a proxy without redaction pays nothing.
 */
export class RedactionSettings {
  private readonly base: RedactionSetting;
  /** By rule index; only rules with their own `redaction`. */
  private readonly byRule: ReadonlyMap<number, Partial<RedactionSetting>>;
  /** By key id; only keys with a setting of their own. */
  private readonly byKey: ReadonlyMap<string, Partial<RedactionSetting>>;
  /** Compiled settings by rule and key (`rule/key`, either part empty when it adds nothing). */
  private readonly compiled = new Map<string, Redaction | undefined>();
  /** With no rule or key setting of its own: the config's, compiled on the first call. */
  private only: { redaction: Redaction | undefined } | undefined;

  private constructor(base: RedactionSetting, byRule: ReadonlyMap<number, Partial<RedactionSetting>>, byKey: ReadonlyMap<string, Partial<RedactionSetting>>) {
    this.base = base;
    this.byRule = byRule;
    this.byKey = byKey;
  }

  /** The settings of a config and its callers; undefined when every layer leaves redaction off. */
  static compile(config: SwitchyardConfig, principals: readonly Principal[] = []): RedactionSettings | undefined {
    const { keys, ...base } = config.redaction;
    const byRule = new Map<number, Partial<RedactionSetting>>();
    config.rules.forEach((rule, index) => {
      if (rule.redaction !== undefined) byRule.set(index, rule.redaction);
    });
    const byKey = new Map<string, Partial<RedactionSetting>>();
    for (const principal of principals) {
      const named = keys[principal.keyId] ?? (principal.name === undefined ? undefined : keys[principal.name]) ?? keys[principal.label];
      const own = principal.policy?.redaction;
      if (named === undefined && own === undefined) continue;
      byKey.set(principal.keyId, { ...named, ...own } as Partial<RedactionSetting>);
    }
    const on = (mode: string | undefined): boolean => mode === 'redact' || mode === 'block';
    if (!on(base.mode) && ![...byRule.values(), ...byKey.values()].some((setting) => on(setting.mode))) return undefined;
    return new RedactionSettings(base, byRule, byKey);
  }

  /** The redaction for a call routed by rule `ruleIndex` (undefined: no rule matched) for `principal`. */
  resolve(ruleIndex: number | undefined, principal: Principal | undefined): Redaction | undefined {
    // Only the config's own setting (the usual case): every call has it, with no key to build.
    if (this.byRule.size === 0 && this.byKey.size === 0) return (this.only ??= { redaction: compileOne(this.base) }).redaction;
    const rule = ruleIndex !== undefined && this.byRule.has(ruleIndex) ? ruleIndex : undefined;
    const keyId = principal !== undefined && this.byKey.has(principal.keyId) ? principal.keyId : undefined;
    const cacheKey = `${rule ?? ''}/${keyId ?? ''}`;
    if (this.compiled.has(cacheKey)) return this.compiled.get(cacheKey);
    const setting: RedactionSetting = { ...this.base, ...(rule === undefined ? {} : this.byRule.get(rule)), ...(keyId === undefined ? {} : this.byKey.get(keyId)) };
    const redaction = compileOne(setting);
    this.compiled.set(cacheKey, redaction);
    return redaction;
  }
}

function compileOne(setting: RedactionSetting): Redaction | undefined {
  if (setting.mode === 'off') return undefined;
  const scanner = new Scanner({
    detectors: setting.detectors,
    // Checked at load (check-pattern.ts): compiles, never matches empty, fast on long input.
    custom: setting.custom.map((custom) => ({ name: custom.name, pattern: new RegExp(custom.pattern, 'g') })),
    allow: setting.allow,
  });
  // A custom pattern is any regular expression: nothing cheaper than running it can rule it out.
  const prefilter = setting.custom.length === 0 ? new RawPrefilter(setting.detectors) : undefined;
  return { mode: setting.mode, restore: setting.restore, scanner, prefilter };
}
