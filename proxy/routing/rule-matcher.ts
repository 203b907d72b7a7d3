import { keyIdOf } from '../core/principal';
import type { RuleConfig, RuleMatch } from '../config/config';
import { compileGlob } from './glob';
import type { RequestFeatures } from './request-features';

/** The rule a request matched: its place in `rules[]` (for the decision record) and the rule. */
export interface RuleSelection {
  readonly index: number;
  readonly rule: RuleConfig;
}

/** The config's rules, compiled once per config load. */
export interface RuleSet {
  readonly size: number;
  /** The first rule whose every condition holds for the request, or undefined when none does. */
  select(features: RequestFeatures): RuleSelection | undefined;
}

/** One compiled test of one rule. */
type Condition = (features: RequestFeatures) => boolean;

type StringTest = (value: string) => boolean;

/**
 * Compiles routing rules into predicates: globs become plain string tests, header names are
 * lower-cased, and each rule's conditions are ordered cheapest first (model, endpoint, client
 * key, headers, tools) with the ones that decode the body last (images, then tokens), so a
 * request that fails a rule's model glob never pays for a decode. A rule with an empty
 * `match` matches every request.
 */
export function compileRules(rules: readonly RuleConfig[]): RuleSet {
  const globs = new Map<string, StringTest>();
  const glob = (pattern: string): StringTest => {
    let compiled = globs.get(pattern);
    if (compiled === undefined) {
      compiled = compileGlob(pattern);
      globs.set(pattern, compiled);
    }
    return compiled;
  };
  const modelTests: Array<StringTest | undefined> = [];
  const conditions: Condition[] = [];
  const ends: number[] = [];
  const selections: RuleSelection[] = [];
  rules.forEach((rule, index) => {
    modelTests.push(rule.match.model === undefined ? undefined : glob(rule.match.model));
    addConditions(rule.match, glob, conditions);
    ends.push(conditions.length);
    selections.push(Object.freeze({ index, rule }));
  });
  return new CompiledRuleSet(modelTests, conditions, ends, selections);
}

/**
 * Past this many distinct model names the remembered rule lists start over: a name is the
 * client's to choose, and a client that sends a new one on every call must not grow the map.
 */
const rememberedModelsLimit = 1000;

/**
 * The model test of each rule apart, since it is the one that turns most requests away. A
 * glob's answer for a name never changes while the config stands, so which rules a model
 * passes is worked out once per model name and remembered: a request then walks only the
 * rules its model passed (none or a few of a large config's), where every request used to
 * test every rule's glob (51 rules in the benchmark: ~3,000 instructions a call under
 * callgrind, docs/benchmark.md "Twelfth round"). The other conditions of all rules sit in one
 * flat array; rule `i` owns the slots from `ends[i - 1]` up to `ends[i]`.
 */
class CompiledRuleSet implements RuleSet {
  /** Per model name, the rules whose model test holds for it (or that have none), in order. */
  private readonly rulesByModel = new Map<string, readonly number[]>();

  constructor(
    private readonly modelTests: ReadonlyArray<StringTest | undefined>,
    private readonly conditions: readonly Condition[],
    private readonly ends: readonly number[],
    private readonly selections: readonly RuleSelection[],
  ) {}

  get size(): number {
    return this.selections.length;
  }

  select(features: RequestFeatures): RuleSelection | undefined {
    const { conditions, ends } = this;
    const candidates = this.rulesFor(features.model);
    for (let at = 0; at < candidates.length; at++) {
      const index = candidates[at]!;
      const end = ends[index]!;
      let position = index === 0 ? 0 : ends[index - 1]!;
      while (position < end && conditions[position]!(features)) position++;
      if (position === end) return this.selections[index];
    }
    return undefined;
  }

  private rulesFor(model: string): readonly number[] {
    let rules = this.rulesByModel.get(model);
    if (rules === undefined) {
      const passed: number[] = [];
      this.modelTests.forEach((test, index) => {
        if (test === undefined || test(model)) passed.push(index);
      });
      rules = passed;
      if (this.rulesByModel.size >= rememberedModelsLimit) this.rulesByModel.clear();
      this.rulesByModel.set(model, rules);
    }
    return rules;
  }
}

/** The conditions of one rule after its model, cheapest first. */
function addConditions(match: RuleMatch, glob: (pattern: string) => StringTest, conditions: Condition[]): void {
  if (match.endpoint !== undefined) {
    const test = glob(match.endpoint);
    conditions.push((features) => test(features.endpoint));
  }
  if (match.clientKey !== undefined) {
    const wanted = match.clientKey;
    // The key's id as records show it, its label, or the key itself (matched by its id).
    const ids = new Set([wanted, keyIdOf(wanted)]);
    conditions.push((features) => (features.clientKey !== undefined && ids.has(features.clientKey)) || features.clientLabel === wanted);
  }
  if (match.headers !== undefined) {
    for (const [name, pattern] of Object.entries(match.headers)) {
      const lowerCaseName = name.toLowerCase();
      const test = glob(pattern);
      conditions.push((features) => {
        const value = features.header(lowerCaseName);
        return value !== undefined && test(value);
      });
    }
  }
  if (match.tools !== undefined) {
    const wanted = match.tools;
    conditions.push((features) => features.hasTools === wanted);
  }
  if (match.images !== undefined) {
    const wanted = match.images;
    conditions.push((features) => features.hasImages === wanted);
  }
  if (match.minInputTokens !== undefined || match.maxInputTokens !== undefined) {
    const least = match.minInputTokens ?? 0;
    const most = match.maxInputTokens ?? Number.POSITIVE_INFINITY;
    conditions.push((features) => {
      const tokens = features.estimatedInputTokens;
      return tokens >= least && tokens <= most;
    });
  }
}

