import assert from 'node:assert/strict';
import type { SQLiteValue } from 'node-sqlite3-wasm';
import { decodeRecordRow, encodeRecordRow, recordColumnCount, recordColumns, recordFieldPlaces } from '../../../proxy/store/sqlite/record-row';
import type { RequestRecord } from '../../../proxy/store/request-record';
import type { DecisionRecord } from '../../../proxy/routing/decision';
import { sampleRecord } from '../../support/sample-record';

/** A record through its row and back, as SQLite returns it (`error` and `extra` cast to text). */
function roundTrip(record: RequestRecord): { back: RequestRecord; extra: string | null } {
  const values: SQLiteValue[] = new Array<SQLiteValue>(recordColumnCount).fill(null);
  encodeRecordRow(record, values, 0);
  const row: Record<string, SQLiteValue> = {};
  recordColumns.forEach((column, index) => {
    const value = values[index]!;
    row[column] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  });
  return { back: decodeRecordRow(row), extra: row.extra as string | null };
}

function record(decision: DecisionRecord): RequestRecord {
  return sampleRecord({
    id: 'req_0123456789abcdef01234567',
    time: 1_765_000_000_000,
    requestedModel: 'gpt-4o-mini',
    model: 'gpt-4o-mini',
    inputTokens: 12,
    outputTokens: 3,
    timeToFirstTokenMs: 210.5,
    latencyMs: 212.1,
    userAgent: 'curl/8.5.0',
    decision,
  });
}

const target = 'openai/gpt-4o-mini';
const direct = (): DecisionRecord => ({
  via: 'direct',
  strategy: 'direct',
  candidates: [{ target, outcome: 'tried', reason: 'as addressed' }],
  attempts: [{ target, status: 200, latencyMs: 209.7, outcome: 'won', startedMs: 0.4 }],
  winner: target,
});

describe('request rows', () => {
  it('keep a direct call\'s decision in ~30 bytes and give the same decision back', () => {
    const original = record(direct());
    const { back, extra } = roundTrip(original);
    assert.deepEqual(back, original);
    assert.deepEqual(JSON.parse(extra!), { userAgent: 'curl/8.5.0', directAttempt: [200, 209.7, 0.4] });
  });

  /** The bench's routed call's decision, as plan.ts and execute.ts make it: rule 50, route `chain`, its first target won. */
  const routed = (): DecisionRecord => ({
    via: 'rule',
    strategy: 'fallback',
    candidates: [
      { target, outcome: 'tried', reason: 'first in order' },
      { target: 'fakecompat/bench-model', outcome: 'unused', reason: 'fallback' },
    ],
    attempts: [{ target, status: 200, latencyMs: 209.7, outcome: 'won', startedMs: 0.4 }],
    rule: { index: 49, name: 'bench: OpenAI chain' },
    route: 'chain',
    winner: target,
  });

  it("keep a routed call's decision whose first target answered in ~110 bytes and give the same decision back, its fields in the same order", () => {
    const original = record(routed());
    const { back, extra } = roundTrip(original);
    assert.deepEqual(back, original);
    assert.deepEqual(JSON.stringify(back.decision), JSON.stringify(original.decision), 'the same JSON, key for key');
    assert.deepEqual(JSON.parse(extra!), { userAgent: 'curl/8.5.0', routedAttempt: [200, 209.7, 0.4, 'rule', 'fallback', 49, 'bench: OpenAI chain', 'chain', 'first in order', 'fakecompat/bench-model', 'fallback'] });
    const variants: Array<(decision: DecisionRecord) => void> = [
      (decision) => (decision.rule = { index: 3 }),
      (decision) => delete decision.rule,
      (decision) => delete decision.route,
      (decision) => (decision.via = 'model'),
      (decision) => decision.candidates.splice(1),
      (decision) => decision.candidates.push({ target: 'groq/llama-3.3-70b-versatile', outcome: 'unused', reason: 'fallback "quoted"' }),
    ];
    for (const change of variants) {
      const decision = routed();
      change(decision);
      const changed = record(decision);
      const { back: changedBack, extra: changedExtra } = roundTrip(changed);
      assert.deepEqual(changedBack, changed);
      assert.ok(changedExtra!.includes('"routedAttempt":'), changedExtra!);
    }
    // A direct call that does not read as the usual one: a rule named a model, or its reason differs.
    for (const decision of [Object.assign(direct(), { via: 'rule', rule: { index: 3, name: 'long prompts' } }), Object.assign(direct(), { candidates: [{ target, outcome: 'tried', reason: 'first in order' }] })] as DecisionRecord[]) {
      const { back: directBack, extra: directExtra } = roundTrip(record(decision));
      assert.deepEqual(directBack, record(decision));
      assert.ok(directExtra!.includes('"routedAttempt":'), directExtra!);
    }
  });

  it('keep every other decision whole: a retry, a fallback taken, a skip, a clamp, an error, a field it does not know', () => {
    const variants: Array<(decision: DecisionRecord) => void> = [
      (decision) => decision.attempts.unshift({ target, status: 429, latencyMs: 3, outcome: 'failed', error: 'rate limited', retryDelayMs: 200, startedMs: 0.2 }),
      (decision) => (decision.candidates[0]!.outputClamped = { requested: 32_000, sent: 16_384, by: 'output limit' }),
      (decision) => (decision.winner = 'anthropic/claude-haiku-4-5'),
      (decision) => Object.assign(decision.attempts[0]!, { note: 'a field added later' }),
      (decision) => Object.assign(decision, { note: 'a field added later' }),
      (decision) => (decision.rule = Object.assign({ index: decision.rule?.index ?? 1 }, { note: 'a field added later' })),
      (decision) => delete decision.attempts[0]!.startedMs,
      (decision) => (decision.candidates[1] = { target: 'fakecompat/bench-model', outcome: 'skipped', reason: 'open circuit' }),
      (decision) => (decision.candidates[0]!.outcome = 'skipped'),
    ];
    for (const make of [direct, routed]) {
      for (const change of variants) {
        const decision = make();
        change(decision);
        const original = record(decision);
        const { back, extra } = roundTrip(original);
        assert.deepEqual(back, original);
        assert.ok(extra!.includes('"decision":'), extra!);
      }
    }
  });

  it('keep every field without a column in extra and give it back', () => {
    const original: RequestRecord = {
      ...record(direct()),
      tool: 'Claude Code',
      toolVersion: '2.1.105',
      overheadMs: 0.4,
      finishReason: 'stop',
      traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      traceState: 'vendor=value',
      refusal: 'rate_limit',
      redactions: { email: 2, 'api-key': 1 },
      redactionBlocked: true,
      budget: { reservedUsd: 0.5, settledUsd: 0.01, budgets: ['team'], warned: ['team'], assumedPrice: true },
    };
    const extraFields = Object.entries(recordFieldPlaces).filter(([, place]) => place === 'extra').map(([field]) => field);
    // Every field placed in extra is set above, so a new one the encoder does not write fails here.
    assert.deepEqual(extraFields.filter((field) => Reflect.get(original, field) === undefined), []);
    const { back, extra } = roundTrip(original);
    assert.deepEqual(back, original);
    // What the aggregates' SQL looks for in the text.
    assert.ok(extra!.includes('"refusal":"rate_limit"') && extra!.includes('"redactionBlocked":true'), extra!);
    const columnFields = Object.entries(recordFieldPlaces).filter(([, place]) => place === 'column').length;
    assert.equal(columnFields + 1, recordColumnCount, 'every column but extra holds one field');
  });

  it('keep a field the type does not know though records of known fields only came before, with as many keys', () => {
    const known = record(direct());
    roundTrip(known);
    roundTrip(record(direct()));
    // The same number of keys as the records before it, one of them unknown.
    const { userAgent: _userAgent, ...withoutAgent } = record(direct());
    const unknown = { ...withoutAgent, note: 'kept' } as RequestRecord;
    const { back, extra } = roundTrip(unknown);
    assert.equal(Object.keys(unknown).length, Object.keys(known).length);
    assert.deepEqual(back, unknown);
    assert.deepEqual(JSON.parse(extra!), { note: 'kept', directAttempt: [200, 209.7, 0.4] });
    // And an unknown field left undefined does not make its shape count as known.
    const undefinedFirst = { ...record(direct()), later: undefined } as unknown as RequestRecord;
    roundTrip(undefinedFirst);
    const definedLater = { ...record(direct()), later: 7 } as unknown as RequestRecord;
    assert.deepEqual(roundTrip(definedLater).back, definedLater);
  });

  it('write numbers in extra as JSON does', () => {
    const { extra } = roundTrip({ ...record(direct()), overheadMs: Number.NaN });
    assert.deepEqual(JSON.parse(extra!), { userAgent: 'curl/8.5.0', overheadMs: null, directAttempt: [200, 209.7, 0.4] });
  });
});
