import assert from 'node:assert/strict';
import {
  describeUnserved,
  formatAttempts,
  formatShortError,
  formatTool,
  describeUsage,
  formatCache,
  formatClient,
  formatCost,
  formatCostExact,
  formatDuration,
  formatRequestedModel,
  formatRoute,
  formatServed,
  formatTime,
  formatTokens,
  isFailure,
  spentNothing,
} from '../../../webview/format';
import { costFormatCases } from '../cost-format-cases';

describe('webview format', () => {
  it('writes costs by the same rule as the status bar and sidebar', () => {
    for (const [amount, expected] of costFormatCases) assert.equal(formatCost(amount), expected, `formatCost(${amount})`);
  });

  it('writes exact costs for tooltips without float noise or exponents', () => {
    assert.equal(formatCostExact(0.000412 * 1.1), '$0.0004532');
    assert.equal(formatCostExact(0.0374), '$0.0374');
    assert.equal(formatCostExact(12.4), '$12.40');
    assert.equal(formatCostExact(0.0000004), '$0.0000004');
    assert.equal(formatCostExact(1234.5678), '$1234.57');
    assert.equal(formatCostExact(null), '—');
  });

  it('writes durations in ms, seconds or minutes', () => {
    assert.equal(formatDuration(null), '—');
    assert.equal(formatDuration(842.4), '842 ms');
    assert.equal(formatDuration(1240), '1.24 s');
    assert.equal(formatDuration(12_340), '12.3 s');
    assert.equal(formatDuration(125_000), '2m 05s');
  });

  it('abbreviates token counts', () => {
    assert.equal(formatTokens(842), '842');
    assert.equal(formatTokens(12_000), '12k');
    assert.equal(formatTokens(12_345), '12.3k');
    assert.equal(formatTokens(123_456), '123k');
    assert.equal(formatTokens(1_250_000), '1.3M');
  });

  it('shows the time of day for today and the date for earlier days', () => {
    const now = new Date(2026, 10, 25, 15, 0, 0).getTime();
    assert.equal(formatTime(new Date(2026, 10, 25, 9, 5, 7).getTime(), now), '09:05:07');
    assert.equal(formatTime(new Date(2026, 10, 24, 23, 59, 1).getTime(), now), '11-24 23:59');
  });

  it('names the client, the served model and the cache state', () => {
    assert.equal(formatClient({ clientFormat: 'anthropic-messages', clientKey: '…ab12' }), 'Anthropic · …ab12', 'a record from before key ids');
    assert.equal(formatClient({ clientFormat: 'anthropic-messages', keyLabel: 'VS Code' }), 'Anthropic · VS Code');
    assert.equal(formatClient({ clientFormat: 'openai-chat', purpose: 'judge' }), 'Split judge: verdict');
    const direct = { via: 'direct' as const, strategy: 'direct' as const, candidates: [], attempts: [] };
    assert.equal(formatRoute(direct, 'shadow'), 'split judge · shadow', 'a shadow call names the judge, not "direct"');
    assert.equal(formatRoute(direct, 'judge'), 'split judge · verdict');
    assert.equal(formatClient({ clientFormat: 'openai-chat' }), 'OpenAI Chat');
    assert.equal(formatServed({ provider: 'openai', model: 'gpt-4o', status: 200 }), 'openai/gpt-4o');
    assert.equal(formatServed({ status: 200 }), '—');
    assert.equal(formatRequestedModel({ requestedModel: 'fast' }), 'fast');
    assert.equal(formatRequestedModel({ requestedModel: '' }), '—', 'a call refused for naming no model');
    assert.deepEqual(formatCache({ cacheReadTokens: 2048 }), { hit: true, label: 'read 2k', kind: 'prompt', title: "2,048 input tokens read from the provider's prompt cache" });
    assert.deepEqual(formatCache({ cacheReadTokens: 0, cache: 'hit', savedUsd: 0.0123 }), { hit: true, label: 'hit', kind: 'response', title: "Answered from Switchyard's response cache: no call made, $0.01 saved" });
    assert.deepEqual(formatCache({ cacheReadTokens: 0 }), { hit: false, label: '—' });
  });

  it('leaves "Served by" empty when nothing served the call, and says what was meant to', () => {
    const failedAttempts = {
      via: 'direct' as const,
      strategy: 'direct' as const,
      candidates: [],
      attempts: [{ target: 'openai/gpt-4o', status: 500, latencyMs: 40, outcome: 'failed' as const }],
    };
    assert.equal(formatServed({ provider: 'openai', model: 'gpt-4o', status: 500, decision: failedAttempts }), '—');
    assert.equal(describeUnserved({ provider: 'openai', model: 'gpt-4o', status: 500, decision: failedAttempts }), 'Not served: openai/gpt-4o failed');
    assert.equal(formatServed({ provider: 'openai', model: 'gpt-4o', status: 403 }), '—', 'refused before any attempt');
    assert.equal(describeUnserved({ provider: 'openai', model: 'gpt-4o', status: 403 }), 'Not served: refused before openai/gpt-4o was called');
    const cutMidway = { ...failedAttempts, attempts: [{ ...failedAttempts.attempts[0]!, status: 200, outcome: 'won' as const }], winner: 'openai/gpt-4o' };
    assert.equal(formatServed({ provider: 'openai', model: 'gpt-4o', status: 200, decision: cutMidway }), 'openai/gpt-4o', 'a stream cut midway was served');
    assert.equal(describeUnserved({ provider: 'openai', model: 'gpt-4o', status: 200, decision: cutMidway }), undefined);
  });

  it('names the tool, marks retries, fallbacks and races, and shortens errors', () => {
    assert.equal(formatTool({ tool: 'Claude Code', toolVersion: '2.1.105' }), 'Claude Code 2.1.105');
    assert.equal(formatTool({ tool: 'curl' }), 'curl');
    assert.equal(formatTool({}), '—');
    assert.equal(formatTool({ purpose: 'judge' }), 'Switchyard');
    const attempt = (target: string, outcome: 'won' | 'failed' | 'cancelled', status: number | null) => ({ target, outcome, status, latencyMs: 10 });
    const decision = (attempts: ReturnType<typeof attempt>[]) => ({ via: 'rule' as const, strategy: 'fallback' as const, candidates: [], attempts });
    assert.deepEqual(formatAttempts({ decision: decision([attempt('a/x', 'won', 200)]) }), { text: '' });
    assert.deepEqual(formatAttempts({}), { text: '' });
    const fallback = formatAttempts({ decision: decision([attempt('a/x', 'failed', 529), attempt('a/x', 'failed', 529), attempt('b/y', 'won', 200)]) });
    assert.equal(fallback.text, '↻ 3');
    assert.match(fallback.title ?? '', /^3 attempts, with fallback\n1\. a\/x failed \(529\)/);
    assert.match(formatAttempts({ decision: decision([attempt('a/x', 'failed', 500), attempt('a/x', 'won', 200)]) }).title ?? '', /with retries/);
    assert.equal(formatAttempts({ decision: decision([attempt('a/x', 'won', 200), attempt('b/y', 'cancelled', null)]) }).text, '⇉ 2');
    assert.equal(formatShortError({ status: 200 }), '');
    assert.equal(formatShortError({ status: 502 }), 'HTTP 502');
    assert.equal(formatShortError({ status: 529, error: 'overloaded_error: Overloaded' }), 'overloaded_error: Overloaded');
    assert.equal(
      formatShortError({ status: 400, error: "No API key for provider 'openai'. Set one with Switchyard: Set Provider Key, or set OPENAI_API_KEY." }),
      "No API key for provider 'openai'.",
    );
    const long = formatShortError({ status: 500, error: 'x'.repeat(300) });
    assert.equal(long.length, 90);
    assert.ok(long.endsWith('…'));
  });

  it('tells failures by status or error', () => {
    assert.equal(isFailure({ status: 200 }), false);
    assert.equal(isFailure({ status: 429 }), true);
    assert.equal(isFailure({ status: 200, error: 'stream cut' }), true);
  });

  it('tells a call that failed before any tokens were used (nothing to pay) from one with no known price', () => {
    const none = { costUsd: null, inputTokens: 0, outputTokens: 0 };
    assert.equal(spentNothing({ ...none, status: 502 }), true);
    assert.equal(spentNothing({ ...none, status: 200, error: 'stream cut' }), true);
    assert.equal(spentNothing({ ...none, status: 200 }), false, 'a success with no price is unpriced');
    assert.equal(spentNothing({ ...none, status: 502, outputTokens: 40 }), false, 'a cut answer that used tokens had a cost');
    assert.equal(spentNothing({ ...none, status: 502, costUsd: 0.01 }), false);
  });

  it('describes the route, the rule and how it was chosen', () => {
    assert.equal(formatRoute(undefined), '—');
    assert.equal(
      formatRoute({ via: 'rule', rule: { index: 1, name: 'code' }, route: 'smart', strategy: 'fallback', candidates: [], attempts: [] }),
      'smart · code',
    );
    assert.equal(formatRoute({ via: 'rule', rule: { index: 2 }, route: 'fast', strategy: 'race', candidates: [], attempts: [] }), 'fast · rule #3');
    assert.equal(formatRoute({ via: 'header', route: 'fast', strategy: 'race', candidates: [], attempts: [] }), 'fast · header');
    assert.equal(formatRoute({ via: 'direct', strategy: 'direct', candidates: [], attempts: [] }), 'direct');
  });

  it('lists every part of the usage for the tooltip', () => {
    assert.equal(
      describeUsage({ inputTokens: 12_345, outputTokens: 678, cacheReadTokens: 10_000, cacheWriteTokens: 0, reasoningTokens: 256 }),
      'Input 12,345 · Output 678 · Cache read 10,000 · Cache write 0 · Reasoning 256',
    );
  });
});
