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
 * The model test of each rule apart, since it is the one that turns most requests away: the
 * request's model is read once and tested directly (about a quarter faster than a condition
 * that reads it again for every rule). The other conditions of all rules sit in one flat
 * array; rule `i` owns the slots from `ends[i - 1]` up to `ends[i]`.
 */
class CompiledRuleSet implements RuleSet {
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
    const { modelTests, conditions, ends } = this;
    const model = features.model;
    let position = 0;
    for (let index = 0; index < ends.length; index++) {
      const end = ends[index]!;
      const modelTest = modelTests[index];
      if (modelTest === undefined || modelTest(model)) {
        while (position < end && conditions[position]!(features)) position++;
        if (position === end) return this.selections[index];
      }
      position = end;
    }
    return undefined;
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

