import assert from 'node:assert/strict';
import type { JsonObject } from '../../../proxy/core/json';
import type { CanonicalRequest, FunctionTool } from '../../../proxy/core/request';
import { ProxyError } from '../../../proxy/core/errors';
import { parseJsonObject } from '../../../proxy/http/read-body';
import { scanRequestHead } from '../../../proxy/inbound/json-scan';
import { nestedValueSkipper } from '../../../proxy/inbound/nested-value-skip';
import { parseRequestBody, parseWithClientSchemas, toolSchemasAt } from '../../../proxy/inbound/tool-schemas';
import { inboundCodecs, providerAdapters } from '../../../proxy/codecs/registry';
import { estimateInputTokens } from '../../../proxy/tokens/estimate-tokens';
import { requestDigest } from '../../../proxy/cache/cache-key';
import { redactBody } from '../../../proxy/privacy/redact-body';
import { Scanner, detectorNames } from '../../../proxy/privacy/scanner';
import { clientSchemaOf } from '../../../proxy/wire/client-schema';
import { anthropicBody } from '../../../bench/payloads';

/** The tools' schemas left as bytes where the read stage would leave them; undefined where it parses whole. */
function lazyParse(text: string): JsonObject | undefined {
  const bytes = Buffer.from(text);
  const toolsAt = toolSchemasAt('anthropic-messages', scanRequestHead(bytes), bytes.length);
  return toolsAt === undefined ? undefined : parseWithClientSchemas(bytes, toolsAt, nestedValueSkipper());
}

/** The read stage's parse, as the generate endpoint makes it. */
function readStageParse(text: string): JsonObject {
  const bytes = Buffer.from(text);
  return parseRequestBody(bytes, toolSchemasAt('anthropic-messages', scanRequestHead(bytes), bytes.length));
}

/** A Messages body past the WebAssembly scan's bound (16 KB), with these tools. */
function bodyWithTools(tools: string): string {
  return `{"model":"claude-sonnet-4-5","max_tokens":512,"messages":[{"role":"user","content":"${'read the file '.repeat(1_400)}"}],"tools":[${tools}],"stream":true}`;
}

const schema = '{"type":"object","properties":{"path":{"type":"string","description":"The file, e.g. \\"a.txt\\" or caf\\u00e9/\\u2603.md"},"lines":{"type":"array","items":{"type":"integer","minimum":-1.5e3}},"strict":true,"none":null}}';

/** A small random number generator with a seed: the same cases every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('tool schemas kept as the client bytes (translated Messages bodies)', () => {
  describe('the WebAssembly check of a value against JSON grammar', () => {
    /** What the check says of `text`: a value JSON.parse takes (and nothing after it but white space), one it refuses, or one too deep to check. */
    function checked(text: string): 'valid' | 'invalid' | 'deep' {
      const bytes = Buffer.from(` ${text} `);
      const skipper = nestedValueSkipper();
      skipper.load(bytes);
      let start = 0;
      while (start < bytes.length && ' \n\r\t'.includes(String.fromCharCode(bytes[start]!))) start++;
      const end = skipper.validate(start);
      if (end === -1) return 'deep';
      let rest = end;
      while (rest > 0 && rest < bytes.length && ' \n\r\t'.includes(String.fromCharCode(bytes[rest]!))) rest++;
      return end > 0 && rest === bytes.length ? 'valid' : 'invalid';
    }

    function parses(text: string): boolean {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    }

    it('takes what JSON.parse takes and refuses what it refuses', () => {
      const valid = [schema, '{}', '[]', '0', '-0.5E+10', '"\\/\\b\\f\\n\\r\\t\\\\\\"\\uABcd"', 'true', 'false', 'null', ' { "a" : [ 1 , { } ] } ', '"é ☃"'];
      const invalid = ['', '{', '{"a":1,}', '[1,]', '{"a"}', '{"a":}', '{,}', '01', '1.', '1e', '-', '+1', '.5', 'tru', 'nul', 'falsey', '"abc', '"\\x"', '"\\u12g4"', '"a\u0001b"', '{"a":1}}', '[1 2]', '{"a":1 "b":2}', "{'a':1}", '{a:1}', 'NaN', '[[[]]'];
      for (const text of valid) assert.equal(checked(text), 'valid', text);
      for (const text of invalid) assert.equal(checked(text), 'invalid', text);
    });

    it('agrees with JSON.parse on thousands of random values, well-formed and broken', () => {
      const next = random(17);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
      const value = (depth: number): unknown => {
        const roll = next();
        if (depth > 4 || roll < 0.3) return pick([1, -2.5, 0, 1e21, 'text', 'q"uo\\te\n\u0007', true, false, null, '', 'é']);
        if (roll < 0.65) return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, index) => [`k${index}${next() < 0.2 ? '"\\' : ''}`, value(depth + 1)]));
        return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      };
      const bytes = ['{', '}', '[', ']', '"', ':', ',', ' ', '1', '0', '-', '.', 'e', '+', 't', 'r', 'u', 'n', 'l', 'f', 'a', 's', '\\', 'x', '\n', '\u0001', 'é'];
      for (let round = 0; round < 4_000; round++) {
        let text = JSON.stringify(value(0), undefined, next() < 0.3 ? 1 : undefined);
        for (let edit = Math.floor(next() * 3); edit > 0; edit--) {
          const at = Math.floor(next() * (text.length + 1));
          const roll = next();
          if (roll < 0.33) text = text.slice(0, at) + text.slice(at + 1);
          else if (roll < 0.66) text = text.slice(0, at) + pick(bytes) + text.slice(at);
          else text = text.slice(0, at) + pick(bytes) + text.slice(at + 1);
        }
        assert.equal(checked(text) === 'valid', parses(text), JSON.stringify(text));
      }
    });

    it('says a value nested deeper than 64 levels is not checked, and checks 64', () => {
      assert.equal(checked('['.repeat(65) + ']'.repeat(65)), 'deep');
      assert.equal(checked('['.repeat(64) + ']'.repeat(64)), 'valid');
    });

    it('does not read what an earlier, longer body left past the end of a shorter one', () => {
      const skipper = nestedValueSkipper();
      skipper.load(Buffer.from(`{"a":"${'x'.repeat(200)}"}`));
      skipper.load(Buffer.from('{"a":"xx'));
      assert.equal(skipper.validate(0), 0);
    });
  });

  describe('the parse', () => {
    it("parses the bench's 80 KB Claude Code turn to what JSON.parse makes, each schema an accessor in its place", () => {
      const text = anthropicBody('claude-sonnet-4-5', '80k', true);
      const lazy = lazyParse(text);
      assert.ok(lazy !== undefined, 'the schemas are cut');
      const tools = lazy.tools as JsonObject[];
      const plainTools = (JSON.parse(text) as JsonObject).tools as JsonObject[];
      assert.equal(tools.length, 24);
      tools.forEach((tool, index) => {
        assert.equal(typeof Object.getOwnPropertyDescriptor(tool, 'input_schema')?.get, 'function', `tool ${index}'s schema is not parsed yet`);
        assert.deepEqual(Object.keys(tool), Object.keys(plainTools[index]!), 'the keys keep their order');
      });
      assert.equal(JSON.stringify(lazy), JSON.stringify(JSON.parse(text)));
      assert.deepEqual(lazy, JSON.parse(text));
      assert.equal(tools[0]!.input_schema, tools[0]!.input_schema, 'parsed once');
    });

    it('lets a reader replace a schema', () => {
      const tools = lazyParse(bodyWithTools(`{"name":"read","input_schema":${schema}}`))!.tools as JsonObject[];
      tools[0]!.input_schema = { type: 'object' };
      assert.deepEqual(tools[0]!.input_schema, { type: 'object' });
    });

    it('keeps what a schema is written with: white space, escapes, non-ASCII text', () => {
      const spaced = JSON.stringify(JSON.parse(schema), undefined, 2);
      const text = bodyWithTools(`{"name":"a","description":"é","input_schema":${schema}},\n {"input_schema" : ${spaced}, "name":"b", "cache_control":{"type":"ephemeral"}}`);
      assert.deepEqual(lazyParse(text), JSON.parse(text));
    });

    it('leaves a schema nested deeper than the check follows in the parse, and cuts the others', () => {
      const deep = `{"type":"object","x":${'['.repeat(70)}${']'.repeat(70)}}`;
      const text = bodyWithTools(`{"name":"deep","input_schema":${deep}},{"name":"flat","input_schema":${schema}}`);
      const lazy = lazyParse(text)!;
      const tools = lazy.tools as JsonObject[];
      assert.equal(Object.getOwnPropertyDescriptor(tools[0], 'input_schema')?.get, undefined);
      assert.equal(typeof Object.getOwnPropertyDescriptor(tools[1], 'input_schema')?.get, 'function');
      assert.deepEqual(lazy, JSON.parse(text));
    });

    it('parses whole what it cannot cut safely, to what JSON.parse makes', () => {
      const cases = {
        'a repeated input_schema (JSON.parse keeps the last)': `{"name":"a","input_schema":{"type":"object"},"input_schema":${schema}}`,
        'a key with an escape': `{"name":"a","input\\u005fschema":{"type":"string"},"input_schema":${schema}}`,
        'a schema that is not an object': '{"name":"a","input_schema":[1,2]}',
      };
      for (const [name, tools] of Object.entries(cases)) {
        const text = bodyWithTools(tools);
        assert.equal(lazyParse(text), undefined, name);
        assert.deepEqual(readStageParse(text), JSON.parse(text), name);
      }
      const repeated = bodyWithTools(`{"name":"a","input_schema":${schema}}`).replace(/}$/, `,"tools":[{"name":"b","input_schema":{"type":"object"}}]}`);
      assert.equal(lazyParse(repeated), undefined, 'a second tools member, which JSON.parse keeps');
      assert.deepEqual(readStageParse(repeated), JSON.parse(repeated));
    });

    it('leaves a small body, or one of another format, to JSON.parse', () => {
      const small = `{"model":"m","max_tokens":5,"messages":[],"tools":[{"name":"a","input_schema":${schema}}]}`;
      const bytes = Buffer.from(small);
      assert.equal(toolSchemasAt('anthropic-messages', scanRequestHead(bytes), bytes.length), undefined);
      const large = Buffer.from(bodyWithTools(`{"name":"a","input_schema":${schema}}`));
      assert.equal(toolSchemasAt('openai-chat', scanRequestHead(large), large.length), undefined);
      assert.notEqual(toolSchemasAt('anthropic-messages', scanRequestHead(large), large.length), undefined);
    });

    it('refuses a schema that is not JSON, or a body broken elsewhere, with the message the whole parse gives', () => {
      const broken = [
        bodyWithTools(`{"name":"a","input_schema":{"type":"object","properties":{"x":tru}}},{"name":"b","input_schema":${schema}}`),
        bodyWithTools(`{"name":"a","input_schema":{"type":"object",}}`),
        bodyWithTools(`{"name":"a","input_schema":${schema}}`).replace('"max_tokens":512', '"max_tokens":05'),
      ];
      for (const text of broken) {
        const expected = (() => {
          try {
            parseJsonObject(Buffer.from(text));
          } catch (error) {
            return error as ProxyError;
          }
          throw new Error('the body parsed');
        })();
        assert.ok(expected instanceof ProxyError && /not valid JSON/.test(expected.message));
        assert.throws(() => readStageParse(text), (error: unknown) => error instanceof ProxyError && error.message === expected.message && error.kind === expected.kind && error.status === expected.status);
      }
    });
  });

  describe('what reads a schema gets its value', () => {
    const text = bodyWithTools(
      `{"name":"read","description":"Reads a file.","input_schema":${schema}},{"name":"mail","input_schema":{"type":"object","properties":{"to":{"type":"string","description":"write to ops@example.com"}}},"cache_control":{"type":"ephemeral"}}`,
    );

    function decoded(body: JsonObject): CanonicalRequest {
      return inboundCodecs['anthropic-messages'].decodeRequest(body);
    }

    it('the Messages decode, leaving the schema unparsed until read', () => {
      const request = decoded(lazyParse(text)!);
      const tool = request.tools![0] as FunctionTool;
      assert.ok(clientSchemaOf(tool)?.unreadRange(clientSchemaOf(tool)!.bytes) !== undefined, 'not parsed by the decode');
      assert.deepEqual(request, decoded(JSON.parse(text) as JsonObject));
      assert.equal(clientSchemaOf(tool)?.unreadRange(clientSchemaOf(tool)!.bytes), undefined, 'read now: its bytes are no longer copied');
    });

    it('every provider encoder, the token estimate and the cache key', () => {
      const target = { provider: 'p', baseUrl: 'http://127.0.0.1:1', apiKey: 'k', model: 'm' };
      for (const api of ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'] as const) {
        const lazy = providerAdapters[api].encodeRequest({ ...decoded(lazyParse(text)!), model: 'm' }, target);
        const plain = providerAdapters[api].encodeRequest({ ...decoded(JSON.parse(text) as JsonObject), model: 'm' }, target);
        assert.equal(String(lazy.body), String(plain.body), api);
      }
      assert.equal(estimateInputTokens(decoded(lazyParse(text)!)), estimateInputTokens(decoded(JSON.parse(text) as JsonObject)));
      assert.equal(requestDigest(decoded(lazyParse(text)!), {}), requestDigest(decoded(JSON.parse(text) as JsonObject), {}));
    });

    it('redaction, which finds what a schema holds', async () => {
      const scanner = new Scanner({ detectors: [...detectorNames], custom: [], allow: [] });
      const lazy = await redactBody(lazyParse(text)!, scanner, (finding) => `<${finding.kind}_1>`);
      const plain = await redactBody(JSON.parse(text) as JsonObject, scanner, (finding) => `<${finding.kind}_1>`);
      assert.ok(plain.found.some((finding) => finding.path.includes('input_schema')), 'the schema holds an address');
      assert.deepEqual(lazy.found, plain.found);
      assert.equal(JSON.stringify(lazy.body), JSON.stringify(plain.body));
    });
  });
});
