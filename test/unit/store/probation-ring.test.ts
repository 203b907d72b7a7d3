import assert from 'node:assert/strict';
import { ProbationRing } from '../../../proxy/store/probation-ring';
import type { CachedQuestion, CachedResponse } from '../../../proxy/store/response-cache';

describe('ProbationRing', () => {
  const keyOf = (question: CachedQuestion): string => `key:${new TextDecoder().decode(question.request)}`;
  function entry(text: string, bodyLength = 100): CachedResponse & { question: CachedQuestion } {
    return {
      body: new Uint8Array(bodyLength).fill(text.charCodeAt(0)),
      metadata: { text, usage: { inputTokens: 3 } },
      question: { target: text.startsWith('b') ? 'openai/b' : 'openai/a', format: 'openai-chat', owner: 'key_0123', request: new TextEncoder().encode(text), headers: { 'anthropic-beta': 'x' } },
    };
  }
  function put(ring: ProbationRing, fingerprint: number, text: string, bodyLength = 100, expiresAt = 2_000): boolean {
    const kept = entry(text, bodyLength);
    return ring.put(fingerprint, kept.metadata, kept.question, kept.body as Uint8Array, true, bodyLength + text.length, 1_000, expiresAt, keyOf);
  }

  it('gives an entry back whole by its fingerprint, once, with its question, times and key function', () => {
    const ring = new ProbationRing(10_000);
    assert.equal(put(ring, 7, 'seven', 100, 5_000), true);
    assert.equal(ring.size, 1);
    assert.equal(ring.liveBytes, 105);
    const taken = ring.take(7)!;
    assert.deepEqual(taken.entry.metadata, { text: 'seven', usage: { inputTokens: 3 } });
    assert.deepEqual([...taken.body], new Array(100).fill('s'.charCodeAt(0)));
    assert.deepEqual(taken.entry.body, taken.body);
    assert.deepEqual({ ...taken.entry.question, request: new TextDecoder().decode(taken.entry.question.request) }, { target: 'openai/a', format: 'openai-chat', owner: 'key_0123', request: 'seven', headers: { 'anthropic-beta': 'x' }, fingerprint: 7 });
    assert.deepEqual([taken.storedAt, taken.expiresAt, taken.size], [1_000, 5_000, 105]);
    assert.equal((ring.keyFunction(taken) as typeof keyOf)(taken.entry.question), 'key:seven');
    assert.equal(ring.take(7), undefined, 'taken once');
    assert.equal(ring.size, 0);
    assert.equal(ring.liveBytes, 0);
  });

  it("keeps each entry's own question when the questions' target, owner or headers change from one to the next", () => {
    const ring = new ProbationRing(10_000);
    const questions: Array<Omit<CachedQuestion, 'request'>> = [
      { target: 'openai/a', format: 'openai-chat', owner: 'key_1', headers: { 'anthropic-beta': 'x' } },
      { target: 'openai/a', format: 'openai-chat', owner: 'key_1', headers: { 'anthropic-beta': 'y' } },
      { target: 'openai/a', format: 'openai-chat', owner: 'key_1', headers: { 'anthropic-beta': 'y', 'anthropic-version': '2023-06-01' } },
      { target: 'openai/a', format: 'openai-chat', owner: 'key_1', headers: {} },
      { target: 'openai/a', format: 'openai-chat', owner: 'key_1', headers: { 'anthropic-version': '2023-06-01' } },
      { target: 'openai/a', format: 'openai-chat', owner: 'key_2', headers: { 'anthropic-version': '2023-06-01' } },
      { target: 'openai/b', format: 'openai-chat', owner: 'key_2', headers: { 'anthropic-version': '2023-06-01' } },
      { target: 'openai/b', format: 'openai-responses', owner: 'key_2', headers: { 'anthropic-version': '2023-06-01' } },
      { target: 'openai/b', format: 'openai-responses', owner: 'key_2', headers: { 'anthropic-version': '2023-06-01' } },
    ];
    for (const [index, question] of questions.entries()) {
      assert.equal(ring.put(index, { n: index }, { ...question, request: new TextEncoder().encode(`q${index}`) }, new Uint8Array(10), true, 12, 1_000, 2_000, keyOf), true);
    }
    for (const [index, question] of questions.entries()) {
      const taken = ring.take(index)!;
      const { request, fingerprint, ...rest } = taken.entry.question;
      assert.deepEqual(rest, question, `question ${index}`);
      assert.equal(new TextDecoder().decode(request), `q${index}`);
      assert.equal(fingerprint, index);
      assert.deepEqual(taken.entry.metadata, { n: index });
    }
  });

  it('keeps the first of two entries of one fingerprint, and nothing larger than its budget', () => {
    const ring = new ProbationRing(1_000);
    assert.equal(put(ring, 1, 'first'), true);
    assert.equal(put(ring, 1, 'other'), false);
    assert.deepEqual(ring.take(1)?.entry.metadata.text, 'first');
    assert.equal(put(ring, 2, 'huge', 1_000), false);
    assert.equal(ring.size, 0);
  });

  it('drops the oldest past its budget, and its bytes stay exact through many wraps of the buffer', () => {
    const ring = new ProbationRing(5_000);
    const kept = new Map<number, string>();
    for (let index = 0; index < 2_000; index++) {
      // Sizes vary so that records wrap at every offset; some are taken on the way.
      const bodyLength = 50 + ((index * 37) % 400);
      assert.equal(put(ring, index, `n${index}`, bodyLength), true);
      kept.set(index, `n${index}`);
      if (index % 7 === 3) {
        assert.equal(ring.take(index - 1)?.entry.metadata.text ?? 'dropped', kept.has(index - 1) ? `n${index - 1}` : 'dropped');
        kept.delete(index - 1);
      }
      const live = [...ring.fingerprints()];
      for (const fingerprint of [...kept.keys()]) if (!live.includes(fingerprint)) kept.delete(fingerprint);
      assert.ok(ring.liveBytes <= 5_000, `over budget at ${index}: ${ring.liveBytes}`);
      assert.equal(ring.size, kept.size);
    }
    // The newest survive, oldest first out; each reads back as written.
    const all = ring.takeAll();
    assert.deepEqual(all.map((taken) => taken.fingerprint), [...kept.keys()].sort((left, right) => left - right));
    for (const taken of all) assert.equal(taken.entry.metadata.text, `n${taken.fingerprint}`);
    assert.ok(all.length > 5, 'several entries fit');
    assert.ok(all.at(-1)!.fingerprint === 1_999, 'the newest is there');
    assert.equal(ring.size, 0);
    assert.equal(ring.liveBytes, 0);
  });

  it('takes a target\'s entries and leaves the others', () => {
    const ring = new ProbationRing(10_000);
    put(ring, 1, 'alpha');
    put(ring, 2, 'beta');
    put(ring, 3, 'amber');
    assert.deepEqual(ring.takeTarget('openai/a').map((taken) => taken.fingerprint).sort(), [1, 3]);
    assert.deepEqual([...ring.fingerprints()], [2]);
    assert.equal(ring.liveBytes, 104);
  });

  it('remembers the fingerprints it dropped unasked (not those taken), a newer one of the same low bits replacing an older', () => {
    const ring = new ProbationRing(300);
    const slots = 65_536;
    put(ring, 5, 'five');
    put(ring, 6, 'six');
    ring.take(6);
    assert.equal(ring.dropped(5), false, 'not dropped yet');
    put(ring, 7, 'seven', 250);
    assert.equal(ring.dropped(5), true, 'dropped for room, unasked');
    assert.equal(ring.dropped(6), false, 'taken, not dropped');
    assert.equal(ring.dropped(7), false);
    assert.equal(ring.dropped(5 + slots), false, 'same slot, another fingerprint');
    put(ring, 5 + slots, 'late', 250);
    assert.equal(ring.dropped(7), true);
    put(ring, 8, 'eight', 250);
    assert.equal(ring.dropped(5 + slots), true);
    assert.equal(ring.dropped(5), false, 'its slot went to a newer ghost');
    const large = 2 ** 30 - 1;
    put(ring, large, 'large', 250);
    put(ring, 9, 'nine', 250);
    assert.equal(ring.dropped(large), true, 'the largest fingerprint too');
  });

  it("gives an answer's metadata back exactly when its numbers went into the header, the reused text never mixing two answers' names", () => {
    const ring = new ProbationRing(1_000_000);
    const usage = (index: number) => ({ inputTokens: 250 + index, outputTokens: 2 ** 40 + index, cacheReadTokens: index % 3, cacheWriteTokens: 0, reasoningTokens: index / 4 });
    // The shapes cached-answer.ts writes (parts; the provider's bytes, with and without an API
    // version), each answer after the first differing from the one before in one name only.
    const named: Array<Record<string, unknown>> = [
      { provider: 'openai', model: 'm' },
      { provider: 'anthropic', model: 'm' },
      { provider: 'anthropic', model: 'm-5' },
      { provider: 'anthropic', model: 'm-5', wireApi: 'openai-chat', wireStream: false },
      { provider: 'anthropic', model: 'm-5', wireApi: 'openai-chat', wireStream: true },
      { provider: 'anthropic', model: 'm-5', wireApi: 'anthropic-messages', wireStream: true },
      { provider: 'anthropic', model: 'm-5', wireApi: 'anthropic-messages', wireStream: true, wireApiVersion: '2023-06-01' },
      { provider: 'anthropic', model: 'm-5', wireApi: 'anthropic-messages', wireStream: true, wireApiVersion: '2023-06-02' },
      { provider: 'anthropic', model: 'm-5', wireApi: 'anthropic-messages', wireStream: true },
      { provider: 'anthropic', model: 'm-5' },
    ];
    // Two answers in a row share their names, and some pairs differ in their question's owner alone.
    const owner = (index: number) => (index % 30 === 11 ? 'key_7' : 'key_1');
    const metadatas = Array.from({ length: 400 }, (_, index) => ({ ...named[Math.floor(index / 2) % named.length], usage: usage(index), costUsd: index % 4 === 0 ? null : 0.000169 * index, storedAt: 1_700_000_000_000 + index }));
    for (const [index, metadata] of metadatas.entries()) {
      const question = { target: 'openai/a', format: 'openai-chat', owner: owner(index), request: new TextEncoder().encode(`q${index}`), headers: {} };
      assert.equal(ring.put(index, metadata as never, question, new Uint8Array(10), true, 12, 1_000 + index, 2_000, keyOf), true);
    }
    for (const [index, metadata] of metadatas.entries()) {
      const taken = ring.take(index)!;
      assert.deepEqual(taken.entry.metadata, metadata, `answer ${index}`);
      assert.equal(taken.entry.question.owner, owner(index));
      assert.equal(taken.storedAt, 1_000 + index);
    }
  });

  it('keeps as JSON any metadata the header has no place for', () => {
    const ring = new ProbationRing(10_000);
    const answer = { provider: 'openai', model: 'm', usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, costUsd: 0.5, storedAt: 7 };
    const others = [
      { ...answer, note: 'an extra field' },
      { ...answer, usage: { ...answer.usage, audioTokens: 3 } },
      { ...answer, usage: { inputTokens: 1, outputTokens: 2 } },
      { ...answer, usage: { ...answer.usage, inputTokens: Number.NaN } },
      { ...answer, costUsd: Number.POSITIVE_INFINITY },
      { ...answer, costUsd: '0.5' },
      { ...answer, wireStream: 'yes' },
      { ...answer, provider: 3 },
    ];
    for (const [index, metadata] of others.entries()) {
      assert.equal(ring.put(index, metadata as never, { target: 'openai/a', format: 'openai-chat', owner: 'k', request: new Uint8Array([index]), headers: {} }, new Uint8Array(4), true, 5, 1, 2, keyOf), true);
    }
    for (const [index, metadata] of others.entries()) assert.deepEqual(ring.take(index)!.entry.metadata, JSON.parse(JSON.stringify(metadata)), `metadata ${index}`);
  });

  it('empties on clear', () => {
    const ring = new ProbationRing(10_000);
    put(ring, 1, 'alpha');
    ring.clear();
    assert.equal(ring.size, 0);
    assert.equal(ring.take(1), undefined);
    assert.equal(put(ring, 1, 'again'), true);
  });
});
