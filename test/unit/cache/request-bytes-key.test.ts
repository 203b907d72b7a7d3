import assert from 'node:assert/strict';
import { bytesKeyFor, bytesKeyOfQuestion, deferrable, hashWithoutNeutral, keyedRanges, neutralBodyFields, rangesWithout, requestBytesDigest, requestBytesOf } from '../../../proxy/cache/request-bytes-key';
import { scanRequestHead } from '../../../proxy/inbound/json-scan';
import type { ClientFormat } from '../../../proxy/core/request';

/** The body as the scanner hands it to the hash. */
function stripped(body: string, neutral: ReadonlySet<string>): string | undefined {
  const pieces: Buffer[] = [];
  return hashWithoutNeutral(Buffer.from(body), neutral, (piece) => pieces.push(piece)) ? Buffer.concat(pieces).toString('utf8') : undefined;
}

function seeded(seed: number): () => number {
  return () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random JSON for the seeded property tests: strings that stress a scanner (quotes, escapes,
 * brackets inside text, multi-byte and line-separator characters), nesting to depth three, and
 * object keys that collide with the neutral fields' names.
 */
function randomJson(random: () => number): { pick: <T>(items: readonly T[]) => T; text: () => string; value: (depth: number) => unknown } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const text = (): string => pick(['', 'x', 'stream', '"quoted"', 'back\\slash', '}{][,:', 'déjà vu', '\n\t', 'model', '\\"', '😀', '\u2028']);
  const value = (depth: number): unknown => {
    const kind = Math.floor(random() * (depth > 2 ? 4 : 6));
    if (kind === 0) return text();
    if (kind === 1) return Math.floor(random() * 1000) / 7;
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return -0.5;
    if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    const object: Record<string, unknown> = {};
    for (let member = Math.floor(random() * 4); member > 0; member--) object[pick(['stream', 'model', 'user', 'a', 'b\\"', 'metadata', text()])] = value(depth + 1);
    return object;
  };
  return { pick, text, value };
}

const chat = neutralBodyFields['openai-chat'];

describe('the response cache bytes key', () => {
  it('leaves out exactly the neutral top-level fields, wherever they sit', () => {
    assert.equal(stripped('{"model":"m","stream":true,"messages":[]}', chat), '{"messages":[]}');
    assert.equal(stripped('{"messages":[],"stream":true}', chat), '{"messages":[]}');
    assert.equal(stripped('{"stream":true}', chat), '{}');
    assert.equal(stripped('{"stream":true,"user":"u","model":"m"}', chat), '{}');
    assert.equal(stripped('{"a":1,"stream":true,"user":"u","b":2,"model":"m"}', chat), '{"a":1,"b":2}');
    // Nested fields of the same names are the question: kept.
    assert.equal(stripped('{"tools":[{"name":"model","parameters":{"stream":{"type":"boolean"}}}],"stream":false}', chat), '{"tools":[{"name":"model","parameters":{"stream":{"type":"boolean"}}}]}');
    // Quotes, braces and commas inside strings are text.
    assert.equal(stripped('{"messages":[{"content":"a \\"stream\\":true, } ] {\\\\"}],"stream":true}', chat), '{"messages":[{"content":"a \\"stream\\":true, } ] {\\\\"}]}');
    assert.equal(stripped('["stream"]', chat), undefined);
    assert.equal(stripped('{"messages":"unclosed', chat), undefined);
  });

  it('hashes what JSON.stringify writes without the neutral fields, for random bodies (seeded)', () => {
    const random = seeded(0xb17e5);
    const { pick, text, value } = randomJson(random);
    for (let round = 0; round < 1500; round++) {
      const body: Record<string, unknown> = {};
      for (let member = Math.floor(random() * 7); member > 0; member--) body[pick(['stream', 'model', 'user', 'messages', 'temperature', 'store', 'stream_options', 'tools', 'x"y', text()])] = value(1);
      const kept = Object.fromEntries(Object.entries(body).filter(([name]) => !chat.has(name)));
      assert.equal(stripped(JSON.stringify(body), chat), JSON.stringify(kept), JSON.stringify(body));
      assert.equal(stripped(JSON.stringify(body, null, 2), chat) !== undefined, true);
    }
  });

  it('is one digest streamed or not, and differs by format, every other field and the keyed headers, exactly as sent', () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Weather in Paris?' }], temperature: 0.2 };
    const digest = (value: unknown, format: ClientFormat = 'openai-chat', headers = {}): string | undefined => requestBytesDigest(format, Buffer.from(JSON.stringify(value)), headers);
    const plain = digest(body);
    assert.ok(plain);
    assert.equal(digest({ ...body, stream: true, stream_options: { include_usage: true } }), plain);
    assert.equal(digest({ ...body, model: 'alias', user: 'someone', metadata: { a: 'b' }, store: false }), plain);
    assert.notEqual(digest(body, 'openai-responses'), plain);
    assert.notEqual(digest({ ...body, temperature: 0.3 }), plain);
    assert.notEqual(digest({ ...body, messages: [{ role: 'user', content: 'weather in Paris?' }] }), plain, 'never lower-cased');
    assert.notEqual(digest({ ...body, messages: [{ role: 'user', content: 'Weather in Paris? ' }] }), plain, 'never trimmed');
    assert.notEqual(digest({ ...body, service_tier: 'flex' }), plain, 'an unclassified field is keyed');
    assert.notEqual(digest(body, 'openai-chat', { 'openai-beta': 'x' }), plain);
    assert.notEqual(digest(body, 'openai-chat', { 'openai-beta': 'X' }), digest(body, 'openai-chat', { 'openai-beta': 'x' }));
    assert.equal(digest(body, 'openai-chat', { 'user-agent': 'codex/1', authorization: 'Bearer k' }), plain);
  });

  it('finds the same keyed ranges from the read stage\'s scan as from its own, for random bodies, spaced or not (seeded)', () => {
    const random = seeded(0x5ca11);
    const { pick, text, value } = randomJson(random);
    const formats: ClientFormat[] = ['openai-chat', 'openai-responses', 'anthropic-messages'];
    let compared = 0;
    for (let round = 0; round < 2000; round++) {
      const format = pick(formats);
      const neutral = neutralBodyFields[format];
      const body: Record<string, unknown> = {};
      for (let member = Math.floor(random() * 7); member > 0; member--) body[pick(['stream', 'model', 'user', 'messages', 'metadata', 'store', 'stream_options', 'tools', 'max_tokens', 'x"y', text()])] = value(1);
      const raw = Buffer.from(random() < 0.3 ? JSON.stringify(body, null, pick([1, 2, '\t'])) : JSON.stringify(body));
      const head = scanRequestHead(raw, neutral);
      assert.ok(head.neutralMembers !== undefined, raw.toString());
      assert.deepEqual(rangesWithout(raw.length, head.neutralMembers), keyedRanges(raw, neutral), raw.toString());
      compared++;
    }
    assert.equal(compared, 2000);
    assert.equal(scanRequestHead(Buffer.from('{"stream":true,"a":1}')).neutralMembers, undefined, 'noted only when asked');
    assert.equal(scanRequestHead(Buffer.from('{"stream":true,"a":1'), chat).neutralMembers, undefined, 'nor for an incomplete body');
  });

  it('keys a stored question (its own copy of the bytes) exactly as its request was keyed from the read stage\'s scan', () => {
    const bodies: Array<[ClientFormat, string]> = [
      ['openai-chat', '{"model":"gpt-4o","stream":true,"user":"u1","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}'],
      ['openai-chat', '{ "messages" : [ { "role" : "user", "content" : "spaced" } ] , "model" : "gpt-4o" }'],
      ['anthropic-messages', '{"model":"claude-sonnet-4-5","metadata":{"user_id":"x"},"max_tokens":9,"messages":[{"role":"user","content":"hello"}]}'],
      ['openai-responses', '{"model":"gpt-4o","input":"hi","store":false,"stream":true}'],
    ];
    for (const [format, body] of bodies) {
      for (const headers of [{}, { 'anthropic-beta': 'prompt-caching-2024-07-31' }]) {
        const raw = Buffer.from(body);
        const scan = scanRequestHead(raw, neutralBodyFields[format]);
        const asked = bytesKeyFor(requestBytesOf(format, raw, headers, scan.neutralMembers)!.digest(), { target: 'openai/gpt-4o', owner: 'key_00' });
        // The store's copy: another buffer, at an offset inside a larger one.
        const copy = new Uint8Array(raw.length + 7);
        copy.set(raw, 7);
        const question = { target: 'openai/gpt-4o', format, owner: 'key_00', request: copy.subarray(7), headers: headers as Record<string, string> };
        assert.equal(bytesKeyOfQuestion(question), asked, `${format} ${body}`);
        assert.notEqual(bytesKeyOfQuestion({ ...question, owner: 'key_01' }), asked, 'scoped to its owner');
      }
    }
    assert.equal(deferrable({ 'anthropic-beta': 'a' }), true);
    assert.equal(deferrable({ 'anthropic-beta': ['a', 'b'] }), false, 'a keyed header sent twice is not in the question as sent');
  });

  it('gives one fingerprint to every body of one digest: neutral fields moved, added, changed or gone, streamed or not (seeded)', () => {
    const random = seeded(0xf1e6e7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const formats: ClientFormat[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'];
    const neutralMember = (format: ClientFormat): string | undefined => {
      const names = [...neutralBodyFields[format]];
      const name = pick(names);
      return `${JSON.stringify(name)}:${JSON.stringify(pick([true, false, 'gpt-4o', { user_id: `u${Math.floor(random() * 9)}` }, null, 7]))}`;
    };
    let checked = 0;
    for (let round = 0; round < 600; round++) {
      const format = pick(formats);
      const keyed = [`"messages":[{"role":"user","content":${JSON.stringify(`Question ${round % 40} ${pick(['', 'déjà', '😀', '"'])}`)}}]`, ...(random() < 0.5 ? ['"temperature":0.2'] : []), ...(random() < 0.3 ? ['"tools":[{"name":"stream"}]'] : [])];
      const arrange = (): string => {
        const members = [...keyed];
        for (let count = Math.floor(random() * 4); count > 0; count--) {
          const member = neutralMember(format);
          if (member !== undefined) members.splice(Math.floor(random() * (members.length + 1)), 0, member);
        }
        return `{${members.join(',')}}`;
      };
      const headers = random() < 0.3 ? { 'anthropic-beta': 'b1' } : {};
      const [left, right] = [requestBytesOf(format, Buffer.from(arrange()), headers)!, requestBytesOf(format, Buffer.from(arrange()), headers)!];
      assert.equal(left.digest(), right.digest(), 'one question');
      assert.equal(left.fingerprint(), right.fingerprint(), 'so one fingerprint');
      const fingerprint = left.fingerprint()!;
      assert.ok(Number.isInteger(fingerprint) && fingerprint >= 0 && fingerprint < 2 ** 30, 'a Smi');
      checked++;
    }
    assert.equal(checked, 600);
  });

  it('tells apart by fingerprint bodies that differ in one answer-affecting byte, nearly always', () => {
    let same = 0;
    const base = requestBytesOf('openai-chat', Buffer.from('{"model":"m","messages":[{"role":"user","content":"[call-0] Name three primes."}]}'), {})!;
    for (let call = 1; call <= 2000; call++) {
      const other = requestBytesOf('openai-chat', Buffer.from(`{"model":"m","messages":[{"role":"user","content":"[call-${call}] Name three primes."}]}`), {})!;
      if (other.fingerprint() === base.fingerprint()) same++;
    }
    assert.equal(same, 0);
    assert.notEqual(requestBytesOf('openai-chat', Buffer.from('{"a":1}'), {})!.fingerprint(), requestBytesOf('openai-chat', Buffer.from('{"a":1}'), { 'openai-beta': 'x' })!.fingerprint(), 'the keyed headers count');
    assert.notEqual(requestBytesOf('openai-chat', Buffer.from('{"a":1}'), {})!.fingerprint(), requestBytesOf('gemini', Buffer.from('{"a":1}'), {})!.fingerprint(), 'the format counts');
    assert.deepEqual(keyedRanges(Buffer.from('{"stream":true,"a":1}'), chat), [0, 1, 15, 21], '`{` and `"a":1}`');
  });

  it('leaves out Anthropic metadata (the user id) and exactly the fields the canonical key ignores', () => {
    assert.deepEqual([...neutralBodyFields['anthropic-messages']].sort(), ['labels', 'metadata', 'model', 'prompt_cache_key', 'prompt_cache_retention', 'safety_identifier', 'store', 'stream', 'stream_options', 'user'].sort());
    assert.ok(!neutralBodyFields.gemini.has('model'), "Gemini's model is in its URL");
  });

  it('gives no false hit over 1,000+ body pairs differing in one answer-affecting field (seeded fuzz)', () => {
    const random = seeded(0xfa15e);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const word = (): string => pick(['Paris', 'paris', 'PARIS', 'x', 'X', ' x', 'x ', 'déjà', 'deja', '"', '\\', '']);
    type Body = Record<string, unknown> & { messages: Array<{ role: string; content: string }> };
    const mutations: Array<(body: Body) => void> = [
      (body) => (body.temperature = ((body.temperature as number | undefined) ?? 1) + pick([0.1, -0.1, 1e-9])),
      (body) => (body.top_p = random()),
      (body) => (body.seed = ((body.seed as number | undefined) ?? 0) + 1),
      (body) => (body.max_tokens = ((body.max_tokens as number | undefined) ?? 0) + 1),
      (body) => (body.stop = [...((body.stop as string[] | undefined) ?? []), word() + '!']),
      (body) => (body.logprobs = !(body.logprobs ?? false)),
      (body) => (body.service_tier = pick(['flex', 'auto', 'default'].filter((tier) => tier !== body.service_tier))),
      (body) => (body.messages[body.messages.length - 1]!.content += word() || '?'),
      (body) => (body.messages[0]!.content = word() + '|' + body.messages[0]!.content),
      (body) => body.messages.push({ role: 'user', content: word() }),
      (body) => (body.response_format = { type: body.response_format === undefined ? 'json_object' : 'text' }),
    ];
    const neutral: Array<(body: Body) => void> = [(body) => (body.stream = random() < 0.5), (body) => (body.user = word()), (body) => (body.model = word()), (body) => delete body.stream];
    let pairs = 0;
    let falseHits = 0;
    for (let round = 0; round < 1200; round++) {
      const left: Body = { model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather?' }] };
      for (let step = Math.floor(random() * 3); step > 0; step--) pick(mutations)(left);
      const right = structuredClone(left);
      pick(mutations)(right);
      // Neutral changes on either side must not hide a difference.
      pick(neutral)(right);
      pick(neutral)(left);
      const { stream: _l, user: _lu, model: _lm, ...leftQuestion } = left;
      const { stream: _r, user: _ru, model: _rm, ...rightQuestion } = right;
      if (JSON.stringify(leftQuestion) === JSON.stringify(rightQuestion)) continue;
      pairs++;
      if (requestBytesDigest('openai-chat', Buffer.from(JSON.stringify(left)), {}) === requestBytesDigest('openai-chat', Buffer.from(JSON.stringify(right)), {})) falseHits++;
    }
    assert.ok(pairs >= 1000, `${pairs} pairs`);
    assert.equal(falseHits, 0);
  });
});
