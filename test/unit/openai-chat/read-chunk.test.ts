import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ChatChunkReader, readChatChunk, type ReadChatChunk } from '../../../proxy/providers/openai-chat/read-chunk';
import { SseParser } from '../../../proxy/sse/sse-parser';

/** What JSON.parse gives for the fields the reader reads, in the reader's shape. */
function expected(text: string): ReadChatChunk {
  const parsed = JSON.parse(text) as Record<string, any>;
  const choices = Array.isArray(parsed.choices)
    ? parsed.choices.map((choice: Record<string, any>) => ({ index: choice.index, delta: choice.delta, finish_reason: choice.finish_reason }))
    : parsed.choices;
  return { id: parsed.id, model: parsed.model, created: parsed.created, choices, usage: parsed.usage, x_groq: parsed.x_groq };
}

/** Every chunk the reader takes must read as JSON.parse reads it; returns whether it took it. */
function checkRead(text: string): boolean {
  const read = readChatChunk(text);
  if (read === undefined) return false;
  assert.deepStrictEqual(read, expected(text), text);
  return true;
}

function fixtureChunks(folder: string): Map<string, string[]> {
  const streams = new Map<string, string[]>();
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.chunks.txt'))) {
    const parser = new SseParser();
    const events = [...parser.push(readFileSync(path.join(folder, file))), ...parser.end()];
    streams.set(file, events.map((event) => event.data).filter((data) => data !== '[DONE]'));
  }
  return streams;
}

const compatible = fixtureChunks(path.resolve('test/fixtures/openai-compatible'));
const openaiChat = fixtureChunks(path.resolve('test/fixtures/openai-chat'));

describe('readChatChunk', () => {
  it('reads every chunk of every OpenAI-compatible provider fixture as JSON.parse does', () => {
    assert.ok(compatible.size >= 12);
    for (const [file, chunks] of compatible) {
      for (const chunk of chunks) assert.ok(checkRead(chunk), `${file}: not read: ${chunk}`);
    }
  });

  it('reads the OpenAI fixtures (tool calls and usage parsed alone) and leaves an error chunk to JSON.parse', () => {
    for (const [file, chunks] of openaiChat) {
      for (const chunk of chunks) {
        const isError = (JSON.parse(chunk) as Record<string, unknown>).error !== undefined;
        assert.equal(checkRead(chunk), !isError, `${file}: ${chunk}`);
      }
    }
  });

  it('reads escapes exactly, lone surrogates included', () => {
    for (const content of ['a\nb', 'tab\there', 'quote " and \\ backslash', '\u0000\u001f', '\ud83d\ude00 emoji', '\ud800 lone', 'é/€', '\b\f\r']) {
      const text = JSON.stringify({ id: 'x', choices: [{ index: 0, delta: { content } }] });
      assert.ok(checkRead(text), text);
      assert.ok(checkRead(text.replace(/\//g, '\\/')), 'an escaped solidus');
    }
    assert.ok(checkRead('{"choices":[{"delta":{"content":"\\u00E9\\u00e9\\uD83D\\uDE00"}}]}'));
  });

  it('leaves to JSON.parse what it does not read, and never takes text JSON.parse rejects', () => {
    const leftAlone = [
      '{"choices":[{"index":0,"delta":{}},{"index":1,"delta":{}}]}', // several choices
      '{"error":{"message":"overloaded"},"choices":[]}',
      '{"i\\u0064":"x","choices":[]}', // a key written with an escape
      '{"id":1,"choices":[]}',
      '{"choices":[{"index":"0","delta":{}}]}',
      '{"choices":[{"delta":{"__proto__":null}}]}',
      '{"choices":[]} x',
      '{"choices":[],}',
      '{"choices":[{"delta":{"content":"a\tb"}}]}', // a raw control character
      '{"choices":[{"delta":{"content":"\\x"}}]}',
      '{"choices":[{"delta":{"content":"\\u12"}}]}',
      '{"created":01,"choices":[]}',
      '{"created":1.,"choices":[]}',
      '{"created":-,"choices":[]}',
      '{"object":nul,"choices":[]}',
      '{"usage":{"a":1,}}',
      '{"choices":[{"delta":{"content":"open',
      '',
      '[]',
    ];
    for (const text of leftAlone) assert.equal(readChatChunk(text), undefined, text);
  });

  it('reads white space, any key order and numbers as JSON.parse does', () => {
    for (const text of [
      ' \n{ "choices" : [ { "finish_reason" : "stop" , "delta" : { } , "index" : 0 } ] , "id" : "a" }\r\n',
      '{"created":-0,"choices":null}',
      '{"created":1.5e3,"choices":[{"index":-0}]}',
      '{"created":12345678901234567890,"choices":[]}',
      '{"created":null,"x":[1,{"y":[true,false,null,-1.25E-2]}],"choices":[]}',
      '{"id":"a","id":"b","choices":[{"delta":{"content":"x"},"delta":{"content":"y"}}]}',
      '{}',
      '{"choices":[{}]}',
    ]) {
      assert.ok(checkRead(text), text);
    }
  });

  it('agrees with JSON.parse on fuzzed chunks and their corruptions', () => {
    const random = seeded(13);
    let taken = 0;
    let corruptedTaken = 0;
    for (let round = 0; round < 3000; round++) {
      const text = fuzzedChunk(random);
      if (checkRead(text)) taken++;
      // A corrupted copy: the reader may only take it when JSON.parse does too.
      const at = Math.floor(random() * text.length);
      const corrupted = [text.slice(0, at), text.slice(0, at) + pick(random, ['"', '\\', '{', ',', '\t', '\u0001', ']', '9']) + text.slice(at), text.slice(0, at) + text.slice(at + 1)][round % 3]!;
      const read = readChatChunk(corrupted);
      if (!parses(corrupted)) assert.equal(read, undefined, corrupted);
      else if (read !== undefined) {
        assert.deepStrictEqual(read, expected(corrupted), corrupted);
        corruptedTaken++;
      }
    }
    // Most fuzzed chunks have the common shape; the check must not pass by reading none.
    assert.ok(taken > 1500, `read ${taken} of 3000`);
    assert.ok(corruptedTaken > 0);
  });
});

describe('ChatChunkReader', () => {
  it('reads every fixture stream as JSON.parse does, the first chunk left to JSON.parse', () => {
    for (const [file, chunks] of [...compatible, ...openaiChat]) {
      const reader = new ChatChunkReader();
      chunks.forEach((chunk, index) => {
        const read = reader.read(chunk);
        if (index === 0) assert.equal(read, undefined, file);
        else if (read !== undefined) assert.deepStrictEqual(read, expected(chunk), `${file} #${index}: ${chunk}`);
      });
    }
  });

  it('reads a chunk that differs from the last by its delta alone from its delta', () => {
    const frame = (delta: string, finish = 'null') => `{"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}],"usage":null}`;
    const reader = new ChatChunkReader();
    assert.equal(reader.read(frame('{"role":"assistant"}')), undefined);
    const texts = [frame('{"content":"a"}'), frame('{"content":"b\\n"}'), frame('{ "content" : "c", "role" : null }'), frame('null'), frame('{"content":"d"}')];
    for (const text of texts) assert.deepStrictEqual(reader.read(text), expected(text), text);
    // Text where the last delta stood that is not one delta value: read whole or left to JSON.parse.
    for (const text of [frame('{"content":"e"},"delta":{"content":"f"}'), frame('{"content":"g"}},{"index":1,"delta":{}'), frame('{"content":"h"'), frame('{"content":"i"}', '"ab"'), frame('{}', '"stop"')]) {
      const read = reader.read(text);
      if (!parses(text)) assert.equal(read, undefined, text);
      else if (read !== undefined) assert.deepStrictEqual(read, expected(text), text);
    }
    // The same length around a delta is not the same text.
    const fresh = new ChatChunkReader();
    fresh.read(frame('{}'));
    assert.deepStrictEqual(fresh.read(frame('{"content":"k"}')), expected(frame('{"content":"k"}')));
    const sameLength = fresh.read(frame('{"content":"j"}', '"ab"'));
    assert.ok(sameLength === undefined || sameLength.choices?.[0]?.finish_reason === 'ab');
  });

  it('leaves a stream to JSON.parse after two whole reads that gave no frame (usage in every chunk)', () => {
    const reader = new ChatChunkReader();
    const chunk = (tokens: number) => `{"id":"x","choices":[{"index":0,"delta":{"content":"t${tokens}"}}],"usage":{"completion_tokens":${tokens}}}`;
    const read = [1, 2, 3, 4, 5].map((tokens) => reader.read(chunk(tokens)));
    assert.deepStrictEqual(read.map((value) => value !== undefined), [false, true, true, false, false]);
    assert.deepStrictEqual(read[1], expected(chunk(2)));
  });

  it('agrees with JSON.parse over fuzzed streams', () => {
    const random = seeded(14);
    for (let stream = 0; stream < 300; stream++) {
      const reader = new ChatChunkReader();
      const prefix = `{"id":"chatcmpl-${stream}","object":"chat.completion.chunk","created":${stream},"model":"m${pick(random, ['', '\\u00e9', ' x'])}","choices":[{"index":0,"delta":`;
      const suffix = pick(random, [',"logprobs":null,"finish_reason":null}],"usage":null}', '}]}', ',"finish_reason":null}],"x":[1,2]}']);
      for (let index = 0; index < 12; index++) {
        let text = prefix + JSON.stringify(fuzzedDelta(random)) + suffix;
        if (random() < 0.15) text = text.slice(0, Math.floor(random() * text.length)) + pick(random, ['"', '}', ',"a":1', '\\']) + text.slice(Math.floor(random() * text.length));
        const read = reader.read(text);
        if (!parses(text)) assert.equal(read, undefined, text);
        else if (read !== undefined) assert.deepStrictEqual(read, expected(text), text);
      }
    }
  });
});

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const fuzzStrings = ['', 'a', 'Hello', ' world', 'line\nbreak', 'quote"d', 'back\\slash', 'tab\t', '\u0001', 'é', '—', '\ud83d\ude00', '\udc00', '/', '{"json":1}', 'null'];

function fuzzedDelta(random: () => number): Record<string, unknown> {
  const delta: Record<string, unknown> = {};
  const keys = ['role', 'content', 'reasoning_content', 'reasoning', 'refusal', 'tool_calls', 'token_id', 'extra'];
  for (const key of keys) {
    if (random() < 0.5) continue;
    const kind = random();
    if (key === 'tool_calls') delta[key] = kind < 0.5 ? null : [{ index: 0, id: 'call_1', function: { name: 'f', arguments: pick(random, fuzzStrings) } }];
    else if (key === 'token_id') delta[key] = Math.floor(random() * 100_000) * (kind < 0.1 ? -1 : 1);
    else delta[key] = kind < 0.15 ? null : pick(random, fuzzStrings) + pick(random, fuzzStrings);
  }
  return delta;
}

/** A chunk in one of the shapes providers send, with its keys shuffled and sometimes spaced. */
function fuzzedChunk(random: () => number): string {
  const choice: Record<string, unknown> = { index: random() < 0.9 ? 0 : pick(random, [1, null, 2.5]), delta: random() < 0.95 ? fuzzedDelta(random) : null };
  if (random() < 0.7) choice.finish_reason = pick(random, [null, 'stop', 'length', 'tool_calls']);
  if (random() < 0.5) choice.logprobs = random() < 0.8 ? null : { content: [{ token: 'a', logprob: -0.25 }] };
  const chunk: Record<string, unknown> = {
    id: pick(random, ['chatcmpl-1', 'gen-2', null, 'é\n']),
    object: 'chat.completion.chunk',
    created: pick(random, [1_754_380_000, 0, -1, 1.5, 1e21]),
    model: pick(random, ['gpt-4o-mini', 'llama/3 "x"', null]),
    choices: random() < 0.9 ? [choice] : pick(random, [[], null, [choice, choice]]),
  };
  if (random() < 0.3) chunk.usage = random() < 0.5 ? null : { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 } };
  if (random() < 0.1) chunk.x_groq = { id: 'req_1', ...(random() < 0.5 ? { usage: { prompt_tokens: 1 } } : {}) };
  if (random() < 0.3) chunk.system_fingerprint = 'fp_x';
  if (random() < 0.05) chunk.error = { message: 'boom' };
  const entries = Object.entries(chunk).sort(() => random() - 0.5);
  const spaced = random() < 0.2;
  return JSON.stringify(Object.fromEntries(entries), null, spaced ? pick(random, [1, '\t']) : undefined);
}
