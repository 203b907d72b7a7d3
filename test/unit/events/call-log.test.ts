import assert from 'node:assert/strict';
import { CallTotals, count, formatCallLine } from '../../../proxy/events/call-log';
import type { RequestRecord } from '../../../proxy/store/request-record';

const base: RequestRecord = {
  id: 'req_1',
  time: 0,
  clientFormat: 'anthropic-messages',
  endpoint: '/v1/messages',
  requestedModel: 'claude-sonnet-4-5',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  status: 200,
  stream: true,
  passthrough: true,
  inputTokens: 48_211,
  outputTokens: 1_204,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costUsd: 0.0374,
  timeToFirstTokenMs: 900,
  latencyMs: 14_320,
  tool: 'Claude Code',
  toolVersion: '2.1.105',
};

describe('one log line per call', () => {
  it('tool, model asked → served, status, tokens, cost, latency', () => {
    assert.equal(formatCallLine(base), 'call Claude Code 2.1.105 · claude-sonnet-4-5 → anthropic/claude-sonnet-4-5 · 200 · 48,211 in / 1,204 out · $0.04 · 14.3 s');
  });

  it('a fallback says how many attempts; a failure says "not served" and the error in short', () => {
    const decision = {
      via: 'rule' as const,
      strategy: 'fallback' as const,
      candidates: [],
      attempts: [
        { target: 'anthropic/claude-opus-4-1', status: 529, latencyMs: 10, outcome: 'failed' as const },
        { target: 'openai/o3', status: null, latencyMs: 30_000, outcome: 'failed' as const },
      ],
    };
    const line = formatCallLine({ ...base, status: 503, inputTokens: 0, outputTokens: 0, costUsd: null, latencyMs: 31_900, decision, error: `Every target of route "deep" failed: ${'x'.repeat(300)}` });
    assert.match(line, /^call Claude Code 2\.1\.105 · claude-sonnet-4-5 → not served \(↻ 2 attempts\) · 503 · Every target of route "deep" failed: x+… · 31\.9 s$/);
    assert.ok(line.length < 260);
    const refused = formatCallLine({ ...base, tool: undefined, toolVersion: undefined, requestedModel: '', status: 400, inputTokens: 0, outputTokens: 0, costUsd: null, latencyMs: 2, error: 'The body is not valid JSON.' });
    assert.equal(refused, 'call unknown tool · (no model) → not served · 400 · The body is not valid JSON. · 2 ms');
  });

  it('Switchyard\'s own split-judge calls say so', () => {
    assert.match(formatCallLine({ ...base, purpose: 'judge' }), /^call Switchyard \(split judge\) · /);
  });

  it('the totals line at shutdown', () => {
    const totals = new CallTotals();
    totals.add(base);
    totals.add({ ...base, status: 500, error: 'boom', costUsd: null });
    totals.refusedAtDoor = 3;
    assert.match(totals.summary(), /^stopping after \d+ ms: 2 calls \(1 failed\), 96,422 tokens in \/ 2,408 out, \$0\.04; 3 refused at the door/);
  });

  it('groups thousands by hand exactly as en-US does', () => {
    for (const value of [0, 7, 999, 1000, 1204, 48_211, 999_999, 1_000_000, 12_345_678_901, 0.4, 999.6, -1234, -5]) {
      assert.equal(count(value), Math.round(value).toLocaleString('en-US'), String(value));
    }
  });
});
