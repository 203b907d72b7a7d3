import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { scanRequestHead, webAssemblyScanFrom, webAssemblyScanUpTo, type RequestHead } from '../../../proxy/inbound/json-scan';
import { neutralBodyFields } from '../../../proxy/cache/request-bytes-key';
import { anthropicBody, openaiBody } from '../../../bench/payloads';

/**
 * The request head's scan with its nested values skipped in WebAssembly must return exactly what
 * the JavaScript loop returns, on any bytes: well-formed bodies, and the malformed ones a client
 * can send (the scan runs before the body is known to be JSON).
 */
function bothWays(json: Buffer, neutral?: ReadonlySet<string>): { javascript: RequestHead; webassembly: RequestHead } {
  return { javascript: scanRequestHead(json, neutral, 'javascript'), webassembly: scanRequestHead(json, neutral, 'webassembly') };
}

function assertSame(json: Buffer, neutral?: ReadonlySet<string>): void {
  const { javascript, webassembly } = bothWays(json, neutral);
  assert.deepEqual(webassembly, javascript, json.toString('latin1').slice(0, 2000));
}

/** mulberry32: a small seeded generator, so a failure repeats. */
function generator(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) % below;
  };
}

/** Text for a string's inside, raw (already escaped as JSON would, or not, when `raw` bytes are wanted). */
const stringPieces = ['a', 'model', 'stream', 'signature', ' ', '\\"', '\\\\', '\\\\\\"', '\\n', '\\u0022', 'é', '✓', '😀', '{', '}', '[', ']', ',', ':', '""', 'x'.repeat(70), 'long '.repeat(40)];
const keys = ['model', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'signature', 'messages', 'tools', 'temperature', 'user', 'metadata', 'a', 'mod\\u0065l', 'signatures', ''];
const white = ['', '', '', ' ', '\n', '\t', '\r\n  '];

function randomBody(random: (below: number) => number): string {
  const space = (): string => white[random(white.length)]!;
  const string = (): string => {
    let text = '';
    for (let piece = random(6); piece > 0; piece--) text += stringPieces[random(stringPieces.length)];
    return `"${text}"`;
  };
  const value = (depth: number): string => {
    const kind = random(depth > 5 ? 5 : 8);
    if (kind === 0) return String(random(100_000));
    if (kind === 1) return ['true', 'false', 'null', 'tru'][random(4)]!;
    if (kind === 2 || kind === 3) return random(4) === 0 ? '""' : string();
    if (kind === 4) return `${random(2) === 0 ? '"signature"' : string()}${space()}:${space()}""`;
    if (kind === 5 || kind === 6) return `[${space()}${Array.from({ length: random(5) }, () => value(depth + 1)).join(`${space()},${space()}`)}${space()}]`;
    return object(depth + 1);
  };
  const object = (depth: number): string => {
    const members = Array.from({ length: random(depth === 1 ? 9 : 5) }, () => `"${keys[random(keys.length)]}"${space()}:${space()}${value(depth)}`);
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  };
  return `${space()}${object(1)}${space()}`;
}

/** A well-formed body broken the ways a client or a network can break one. */
function mutated(body: string, random: (below: number) => number): string {
  const at = random(body.length + 1);
  switch (random(6)) {
    case 0:
      return body.slice(0, at);
    case 1:
      return body.slice(0, at) + body.slice(at + 1);
    case 2:
      return body.slice(0, at) + ['"', '\\', '{', '}', '[', ']', ',', ':', 'x'][random(9)] + body.slice(at);
    case 3:
      return `${body}${[' trailing', '}', ']', '{}', '"'][random(5)]}`;
    case 4:
      return body.slice(0, at) + '\\'.repeat(1 + random(4)) + body.slice(at);
    default:
      return body;
  }
}

describe('scanRequestHead in WebAssembly', () => {
  it('takes WebAssembly for large bodies only, and within its bound', () => {
    assert.ok(webAssemblyScanFrom > 1024 * 2 && webAssemblyScanFrom <= 80 * 1024);
    assert.ok(webAssemblyScanUpTo >= 1024 * 1024);
  });

  it('reads the bench bodies as the JavaScript loop does, with and without the cache’s neutral names', () => {
    for (const stream of [false, true]) {
      for (const size of ['1k', '80k'] as const) {
        assertSame(Buffer.from(openaiBody('gpt-4o-mini', size, stream)));
        assertSame(Buffer.from(openaiBody('gpt-4o-mini', size, stream)), neutralBodyFields['openai-chat']);
        assertSame(Buffer.from(anthropicBody('claude-sonnet-4-5', size, stream)));
        assertSame(Buffer.from(anthropicBody('claude-sonnet-4-5', size, stream)), neutralBodyFields['anthropic-messages']);
      }
    }
    const head = scanRequestHead(Buffer.from(anthropicBody('claude-sonnet-4-5', '80k', true)));
    assert.deepEqual([head.model, head.stream, head.complete], ['claude-sonnet-4-5', true, true]);
  });

  it('finds what sits after nested values: strings with escaped quotes and brackets, an empty signature deep down', () => {
    const text = `{"messages":[{"content":"a \\"quoted\\" ] } [ { text \\\\","x":["\\\\\\"", {"y":"${'z'.repeat(200)}"}]},{"content":[{"type":"thinking","signature" : ""}]}],"tools":{"t":[[[]]]},"stream":true,"model":"m","max_tokens":77}`;
    const { javascript, webassembly } = bothWays(Buffer.from(text));
    assert.deepEqual(webassembly, javascript);
    assert.deepEqual([webassembly.model, webassembly.stream, webassembly.maxOutputTokens, webassembly.emptySignature, webassembly.complete], ['m', true, 77, true, true]);
  });

  it('stops where the JavaScript loop stops: a string that never closes, a value the body ends inside', () => {
    for (const text of ['{"a":["abc', '{"a":["abc\\"', '{"a":[{"b":1}', '{"a":["signature":""', '{"a":[1,2]', '{"a":["x"]]', '{"a":{"b":"\\\\"}}', '{"a":[""]}']) {
      assertSame(Buffer.from(text));
    }
  });

  it('does not read quotes an earlier, longer body left past the end of a shorter one', () => {
    assertSame(Buffer.from(`{"a":[${'"q",'.repeat(5000)}"q"]}`));
    for (const text of ['{"a":["abc', '{"a":["abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz', '{"a":["\\']) {
      const { javascript, webassembly } = bothWays(Buffer.from(text));
      assert.deepEqual(webassembly, javascript, text);
      assert.equal(webassembly.complete, false);
    }
  });

  it('agrees with the JavaScript loop on thousands of random bodies, well-formed and broken', () => {
    const random = generator(13);
    for (let round = 0; round < 4000; round++) {
      const body = randomBody(random);
      const text = random(3) === 0 ? mutated(body, random) : body;
      const bytes = Buffer.from(text);
      assertSame(bytes);
      if (round % 4 === 0) assertSame(bytes, neutralBodyFields['openai-chat']);
    }
  });

  it('runs the bytes its WebAssembly text assembles to (npm run assemble-wasm -- --check)', function () {
    try {
      require.resolve('wabt');
    } catch {
      // wabt is a devDependency: installed by `npm ci` (CI), perhaps not in a hand-made node_modules.
      this.skip();
    }
    execFileSync(process.execPath, [path.join(__dirname, '../../../scripts/assemble-wasm.mjs'), '--check'], { stdio: 'pipe' });
  });
});
