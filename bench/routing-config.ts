/**
 * The routes and rules the benchmark's Switchyard runs with, and the routing decisions the
 * routed cases must produce.
 *
 * Fifty-one rules: 49 shaped like a large real config that no benchmark request matches, then
 * the rule for `bench-routed` (the 50th) and the one for `bench-routed-anthropic` (the 51st).
 * The 49 mix exact names, `claude-*` / `gpt-4*` prefixes, `*-mini` suffixes, `?` patterns,
 * endpoint, header and client-key conditions. Some have a model glob that holds for the
 * unrouted bench models (`gpt-4o-mini`, `claude-sonnet-4-5`) and then fail on a cheap
 * condition (endpoint, header, client key); every rule that tests `tools`, `images` or input
 * tokens has a model glob that fails for every bench model first, so no benchmark request
 * pays for a decode in rule matching, routed or not.
 */
import type { RouteConfig, RuleConfig } from '../proxy/config/config';

/** A route as written in the config file; the loader fills in retry and timeouts. */
export type RouteEntry = Pick<RouteConfig, 'strategy' | 'targets' | 'hedgeMs' | 'cache'>;

/** The model names the routed cases ask for. */
export const routedModels = {
  /** Matches the 50th rule: route `chain`. */
  openai: 'bench-routed',
  /** Matches the 51st rule: route `chain-anthropic`. */
  anthropic: 'bench-routed-anthropic',
  /** No rule matches; the model names the route `hedged`. */
  raced: 'hedged',
} as const;

/**
 * The routes. Both fallback chains have a healthy first target, so a routed request costs
 * what routing costs and nothing more. The race starts both targets at once (`hedgeMs` 0)
 * at the same fake upstream, so the winner's first token comes as early as an unrouted
 * request's would, and any delay is the race's own.
 */
export function benchRoutes(): Record<string, RouteEntry> {
  return {
    chain: { strategy: 'fallback', targets: ['openai/gpt-4o-mini', 'fakecompat/bench-model'] },
    'chain-anthropic': { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-5', 'fakecompat/bench-model'] },
    // A dated snapshot as the second target: same upstream, same price, a distinct label for
    // its circuit breaker and latency window.
    hedged: { strategy: 'race', targets: ['openai/gpt-4o-mini', 'openai/gpt-4o-mini-2024-07-18'], hedgeMs: 0 },
    // The response-cache cases: the only route with the cache on, so no other case pays for it.
    cached: { strategy: 'fallback', targets: ['openai/gpt-4o-mini'], cache: { enabled: true } },
    'cached-anthropic': { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-5'], cache: { enabled: true } },
    // The same routes with the cache off: the cache cases' comparison, so both sides pay the
    // same for routing (a routed model's output ceiling is checked) and differ by the cache alone.
    uncached: { strategy: 'fallback', targets: ['openai/gpt-4o-mini'] },
    'uncached-anthropic': { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-5'] },
    // Routes of the rules that never match; they must still pass the config's validation.
    smart: { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4.1'] },
    fast: { strategy: 'race', targets: ['groq/llama-3.3-70b-versatile', 'cerebras/llama3.1-8b'], hedgeMs: 300 },
    cheap: { strategy: 'cheapest', targets: ['groq/llama-3.1-8b-instant', 'openai/gpt-4.1-nano', 'anthropic/claude-3-5-haiku-latest'] },
    reasoning: { strategy: 'fastest', targets: ['openai/o3', 'anthropic/claude-opus-4-1'] },
  };
}

/** Rules no benchmark request matches, in the order a team might have written them. */
const missingRules: RuleConfig[] = [
  // Claude by team, client and size.
  { name: 'research on Claude', match: { model: 'claude-*', headers: { 'x-team': 'research' } }, route: 'smart' },
  { name: 'short Claude 3 chats', match: { model: 'claude-3-*', tools: false, maxInputTokens: 2000 }, route: 'fast' },
  { match: { model: 'claude-opus-*', endpoint: '/v1/messages' }, route: 'reasoning' },
  { match: { model: 'claude-haiku-*' }, route: 'cheap' },
  { match: { model: 'claude-3-5-haiku-latest' }, route: 'cheap' },
  { match: { model: 'claude-sonnet-4-6', clientKey: '…Qz7k' }, route: 'smart' },
  { match: { model: 'claude-*', headers: { 'x-switchyard-tier': 'batch' } }, route: 'cheap' },
  { match: { model: 'claude-sonnet-*', clientKey: '…ci01' }, route: 'anthropic/claude-3-5-haiku-latest' },
  { match: { model: 'claude-?-opus-*', images: true }, route: 'reasoning' },
  { match: { model: 'claude-instant-*' }, route: 'anthropic/claude-3-5-haiku-latest' },
  // OpenAI models.
  { match: { model: 'gpt-4*', endpoint: '/v1/responses' }, route: 'openai/gpt-4.1' },
  { match: { model: 'gpt-4*', headers: { 'x-team': 'web' } }, route: 'fast' },
  { match: { model: 'gpt-4.1*', tools: true }, route: 'smart' },
  { match: { model: 'gpt-5*', minInputTokens: 100_000 }, route: 'smart' },
  { match: { model: 'gpt-5-mini', maxInputTokens: 4000 }, route: 'cheap' },
  { match: { model: 'gpt-3.5-turbo' }, route: 'cheap' },
  { match: { model: 'gpt-3.5-turbo-*' }, route: 'cheap' },
  { match: { model: 'o3*' }, route: 'reasoning' },
  { match: { model: 'o4-mini', images: true }, route: 'openai/gpt-4.1' },
  { match: { model: 'o1-*', maxInputTokens: 32_000 }, route: 'reasoning' },
  { match: { model: '*-mini', headers: { 'x-switchyard-tier': 'free' } }, route: 'cheap' },
  { match: { model: 'gpt-4o', clientKey: '…a9F2' }, route: 'openai/gpt-4.1' },
  { match: { model: 'chatgpt-4o-latest' }, route: 'openai/gpt-4.1' },
  { match: { model: 'codex-*', tools: true }, route: 'reasoning' },
  // Other families, by name or by pattern.
  { match: { model: 'gemini-*', tools: true }, route: 'gemini/gemini-2.5-pro' },
  { match: { model: 'gemini-2.?-flash*' }, route: 'gemini/gemini-2.5-flash' },
  { match: { model: 'gemini-1.5-pro-002', maxInputTokens: 128_000 }, route: 'gemini/gemini-2.5-pro' },
  { match: { model: 'llama-3.?-*', maxInputTokens: 8000 }, route: 'groq/llama-3.3-70b-versatile' },
  { match: { model: '*llama*', headers: { 'x-team': 'ml' } }, route: 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo' },
  { match: { model: 'mistral-large-*' }, route: 'mistral/mistral-large-latest' },
  { match: { model: 'codestral-*', tools: false }, route: 'mistral/codestral-latest' },
  { match: { model: 'qwen*coder*' }, route: 'ollama/qwen2.5-coder:7b' },
  { match: { model: 'deepseek-r1*', minInputTokens: 2000 }, route: 'deepinfra/deepseek-ai/DeepSeek-R1' },
  { match: { model: 'deepseek-*' }, route: 'deepinfra/deepseek-ai/DeepSeek-V3' },
  { match: { model: 'grok-?-*' }, route: 'xai/grok-4' },
  { match: { model: 'grok-code-fast-1', tools: true }, route: 'xai/grok-code-fast-1' },
  { match: { model: 'command-r*' }, route: 'openrouter/cohere/command-r-plus' },
  { match: { model: 'phi-?-mini*', maxInputTokens: 4000 }, route: 'lmstudio/phi-4-mini' },
  { match: { model: 'kimi-k2*' }, route: 'groq/moonshotai/kimi-k2-instruct' },
  { match: { model: '*:free' }, route: 'openrouter/openrouter/auto' },
  // Aliases people type.
  { match: { model: 'local' }, route: 'ollama/qwen2.5-coder:7b' },
  { match: { model: 'best' }, route: 'reasoning' },
  { match: { model: 'cheapest-*' }, route: 'cheap' },
  // Whole endpoints, callers and tiers, whatever the model.
  { name: 'Responses API', match: { endpoint: '/v1/responses' }, route: 'openai/gpt-4.1' },
  { match: { endpoint: '/v1beta/models/*' }, route: 'gemini/gemini-2.5-flash' },
  { match: { headers: { 'x-switchyard-tier': 'cheap' } }, route: 'cheap' },
  { match: { headers: { 'user-agent': 'aider/*' } }, route: 'smart' },
  { match: { clientKey: '…ci02' }, route: 'cheap' },
  { match: { headers: { 'x-team': 'eval', 'x-eval-run': '*' } }, route: 'fast' },
];

/** All 51 rules: the 49 that miss, then the two the routed fallback cases match. */
export function benchRules(): RuleConfig[] {
  if (missingRules.length !== 49) throw new Error(`expected 49 rules that miss, wrote ${missingRules.length}`);
  return [
    ...missingRules,
    { name: 'bench: OpenAI chain', match: { model: routedModels.openai }, route: 'chain' },
    { name: 'bench: Anthropic chain', match: { model: routedModels.anthropic, endpoint: '/v1/messages' }, route: 'chain-anthropic' },
  ];
}

/** What a request's record must say about how it was routed. */
export interface ExpectedDecision {
  via: 'rule' | 'model' | 'direct';
  /** The matched rule's index in `rules`, for `via: 'rule'`. */
  ruleIndex?: number;
  route?: string;
  strategy: string;
  /** Targets in the order of the record's attempts, with their outcomes. */
  attempts: Array<{ target?: string; outcome: 'won' | 'cancelled' }>;
  winner?: string;
}

/** The decision each routed model must produce, and what an unrouted request must produce. */
export const expectedDecisions = {
  openai: { via: 'rule', ruleIndex: 49, route: 'chain', strategy: 'fallback', attempts: [{ target: 'openai/gpt-4o-mini', outcome: 'won' }], winner: 'openai/gpt-4o-mini' },
  anthropic: {
    via: 'rule',
    ruleIndex: 50,
    route: 'chain-anthropic',
    strategy: 'fallback',
    attempts: [{ target: 'anthropic/claude-sonnet-4-5', outcome: 'won' }],
    winner: 'anthropic/claude-sonnet-4-5',
  },
  // Either target may win; the other is cancelled.
  raced: { via: 'model', route: 'hedged', strategy: 'race', attempts: [{ outcome: 'won' }, { outcome: 'cancelled' }] },
  unrouted: { via: 'direct', strategy: 'direct', attempts: [{ outcome: 'won' }] },
} satisfies Record<string, ExpectedDecision>;
