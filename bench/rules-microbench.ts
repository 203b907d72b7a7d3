/**
 * The routing rules' cost per request, alone: `node --import tsx bench/rules-microbench.ts`.
 *
 * Fifty rules shaped like a large real config (exact names, `claude-*` prefixes, `*-mini`
 * suffixes, `?` patterns, several stars, with header, tool and token conditions after the
 * model) of which only the last matches the first request below. Each case runs
 * RULES_BENCH_ITERATIONS selects (default 1,000,000) per round, RULES_BENCH_ROUNDS rounds
 * (default 7) after a warm-up, and prints every round's ns per call, then the median.
 *
 * The cases:
 * - last rule matches: a model that fails 49 rules' model globs and matches the 50th;
 * - no rule matches: a model that fails all 50;
 * - features + select: the same miss with the features built per request, as the pipeline does.
 */
import { performance } from 'node:perf_hooks';
import type { RuleConfig } from '../proxy/config/config';
import type { JsonObject } from '../proxy/core/json';
import { createRequestFeatures, type RequestFeatures } from '../proxy/routing/request-features';
import { compileRules } from '../proxy/routing/rule-matcher';

const iterations = Number(process.env.RULES_BENCH_ITERATIONS ?? '1000000');
const rounds = Number(process.env.RULES_BENCH_ROUNDS ?? '7');

function makeRules(): RuleConfig[] {
  const families = ['claude', 'gpt', 'gemini', 'llama', 'mistral', 'qwen', 'deepseek', 'grok', 'command', 'phi'];
  const rules: RuleConfig[] = [];
  for (let index = 0; rules.length < 49; index++) {
    const family = families[index % families.length]!;
    switch (index % 5) {
      case 0:
        rules.push({ match: { model: `${family}-${index}.1-turbo` }, route: 'openai/gpt-5' });
        break;
      case 1:
        rules.push({ match: { model: `${family}-${index}-*`, tools: false }, route: 'openai/gpt-5' });
        break;
      case 2:
        rules.push({ match: { model: `*-${family}-mini`, headers: { 'x-team': 'research' } }, route: 'openai/gpt-5' });
        break;
      case 3:
        rules.push({ match: { model: `${family}-?o-${index}`, maxInputTokens: 2000 }, route: 'openai/gpt-5' });
        break;
      case 4:
        rules.push({ match: { model: `${family}*${index}*preview`, images: true }, route: 'openai/gpt-5' });
        break;
    }
  }
  rules.push({ name: 'the one that matches', match: { model: 'claude-sonnet-*', endpoint: '/v1/messages' }, route: 'anthropic/claude-sonnet-4-5' });
  return rules;
}

const body: JsonObject = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  messages: [{ role: 'user', content: 'Hello, Claude' }],
};
const headers = { host: '127.0.0.1:4141', 'content-type': 'application/json', 'x-team': 'support' };

function features(model: string): RequestFeatures {
  return createRequestFeatures({ format: 'anthropic-messages', body: () => body, endpoint: '/v1/messages', model, clientKey: '…k7Qz', headers });
}

const ruleSet = compileRules(makeRules());

/** Runs `run` `iterations` times and returns ns per call; `run` returns 1 for a hit so nothing is optimised away. */
function measure(run: () => number): { nanoseconds: number; hits: number } {
  let hits = 0;
  const start = performance.now();
  for (let index = 0; index < iterations; index++) hits += run();
  return { nanoseconds: ((performance.now() - start) * 1e6) / iterations, hits };
}

const lastMatches = features('claude-sonnet-4-5');
const noneMatches = features('o3-deep-research');
const cases: Array<{ name: string; expectedHits: number; run: () => number }> = [
  { name: 'last rule matches', expectedHits: iterations, run: () => (ruleSet.select(lastMatches)?.index === 49 ? 1 : 0) },
  { name: 'no rule matches', expectedHits: 0, run: () => (ruleSet.select(noneMatches) === undefined ? 0 : 1) },
  { name: 'features + select (miss)', expectedHits: 0, run: () => (ruleSet.select(features('o3-deep-research')) === undefined ? 0 : 1) },
];

for (const { run } of cases) measure(run);
console.log(`${ruleSet.size} rules, ${iterations} selects per round, ${rounds} rounds (ns per call)`);
for (const { name, expectedHits, run } of cases) {
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const { nanoseconds, hits } = measure(run);
    if (hits !== expectedHits) throw new Error(`${name}: ${hits} hits, expected ${expectedHits}`);
    results.push(nanoseconds);
  }
  const median = [...results].sort((first, second) => first - second)[Math.floor(results.length / 2)]!;
  console.log(`${name.padEnd(26)} ${results.map((value) => value.toFixed(0).padStart(5)).join(' ')}   median ${median.toFixed(0)} ns`);
}
if (lastMatches.decoded() !== undefined || noneMatches.decoded() !== undefined) throw new Error('a select decoded the body');
