import assert from 'node:assert/strict';
import { arrive } from '../../../proxy/call/request-context';
import { scanRequestHead } from '../../../proxy/inbound/json-scan';
import type { AttemptTarget } from '../../../proxy/pipeline/admit';
import { createContext } from '../../../proxy/pipeline/endpoint';
import { translatedRequest } from '../../../proxy/pipeline/translate';
import { parseJsonObject } from '../../../proxy/http/read-body';
import { inboundCodecs } from '../../../proxy/codecs/registry';
import { encodeChatRequest } from '../../../proxy/providers/openai-chat/encode-request';
import { anthropicBody } from '../../../bench/payloads';
import { parseRequestBody, toolSchemasAt } from '../../../proxy/inbound/tool-schemas';
import { clientSchemaOf } from '../../../proxy/wire/client-schema';
import type { FunctionTool } from '../../../proxy/core/request';
import type { JsonObject } from '../../../proxy/core/json';

/** An OpenAI-compatible target that an Anthropic client's call is translated for. */
const compatible = {
  provider: { id: 'fakecompat', baseUrl: 'http://127.0.0.1:1/v1', headers: {} },
  model: 'bench-model',
  api: 'openai-chat',
  passthrough: false,
  label: 'fakecompat/bench-model',
  credential: { source: 'provider', key: 'sk-test' },
  entry: { target: 'fakecompat/bench-model', outcome: 'tried', reason: 'first in order' },
} as unknown as AttemptTarget;

/**
 * The context the read stage builds for an Anthropic Messages body; `whole` parses it with
 * JSON.parse, where the read stage leaves a large body's tools' schemas as the client's bytes.
 */
function contextOf(text: string, parse: 'read stage' | 'whole' = 'read stage'): ReturnType<typeof createContext> {
  const raw = Buffer.from(text);
  const head = scanRequestHead(raw);
  const toolsAt = parse === 'whole' ? undefined : toolSchemasAt('anthropic-messages', head, raw.length);
  // Parsed once, as the generate endpoint does: the encoder finds a schema's bytes by the parsed object.
  let parsed: ReturnType<typeof parseJsonObject> | undefined;
  return createContext(arrive({ format: 'anthropic-messages', operation: 'generate', endpoint: '/v1/messages', principal: undefined }), {
    requestedModel: head.model!,
    stream: head.stream,
    headers: {},
    query: '',
    raw,
    body: () => (parsed ??= parseRequestBody(raw, toolsAt)),
    scan: {},
    signal: new AbortController().signal,
    decode: (body) => inboundCodecs['anthropic-messages'].decodeRequest(body),
  });
}

/** A Messages body whose one user text is `length` characters and holds an escaped `é`. */
function bodyWithText(length: number): string {
  const text = `caf\\u00e9 ${'x'.repeat(length)}`;
  return `{"model":"fakecompat/bench-model","max_tokens":512,"messages":[{"role":"user","content":"${text}"}],"stream":true}`;
}

describe('translated request body (Anthropic client → Chat Completions provider)', () => {
  it("copies a large body's long strings from the client's bytes, escapes as the client wrote them", () => {
    const call = translatedRequest(contextOf(bodyWithText(8_000)), compatible);
    assert.ok(Buffer.isBuffer(call.body), 'a body of 8 KB is spliced into a Buffer');
    const sent = call.body.toString('utf8');
    assert.ok(sent.includes('"content":"caf\\u00e9 xxx'), "the user text is the client's bytes");
    assert.equal(JSON.parse(sent).messages[0].content, `café ${'x'.repeat(8_000)}`);
  });

  it('serialises a small body whole: splicing it would cost more than it saves', () => {
    const call = translatedRequest(contextOf(bodyWithText(600)), compatible);
    assert.equal(typeof call.body, 'string', 'a body under 4 KB is JSON.stringify of the request');
    const sent = String(call.body);
    assert.ok(sent.includes('"content":"café xxx'), 'JSON.stringify writes é as itself');
    assert.equal(JSON.parse(sent).messages[0].content, `café ${'x'.repeat(600)}`);
  });

  describe("tools' schemas copied whole from the client's bytes", () => {
    /** What the Chat encoder writes for the same call without the client's bytes: JSON.stringify of the request. */
    function stringified(text: string): unknown {
      const request = inboundCodecs['anthropic-messages'].decodeRequest(JSON.parse(text) as Record<string, unknown>);
      return JSON.parse(String(encodeChatRequest({ ...request, model: 'bench-model' }, { provider: 'fakecompat', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'sk-test', model: 'bench-model' }).body));
    }

    /** A Messages body past the splice bound, with these tools. */
    function bodyWithTools(tools: string): string {
      return `{"model":"fakecompat/bench-model","max_tokens":512,"messages":[{"role":"user","content":"${'read the file '.repeat(400)}"}],"tools":[${tools}],"stream":true}`;
    }

    it("writes the bench's 80 KB Claude Code turn as the same request JSON.stringify writes", () => {
      const text = anthropicBody('fakecompat/bench-model', '80k', true);
      for (const parse of ['read stage', 'whole'] as const) {
        const call = translatedRequest(contextOf(text, parse), compatible);
        assert.ok(Buffer.isBuffer(call.body));
        assert.equal(call.body.toString('utf8'), JSON.stringify(stringified(text)), parse);
      }
    });

    it("never parses the 80 KB turn's schemas: the encoder copies the bytes the parse left out", () => {
      const context = contextOf(anthropicBody('fakecompat/bench-model', '80k', true));
      translatedRequest(context, compatible);
      const tools = context.canonical().tools as FunctionTool[];
      assert.equal(tools.length, 24);
      for (const tool of tools) assert.ok(clientSchemaOf(tool)?.unreadRange(context.raw!) !== undefined, `${tool.name}'s schema was parsed`);
    });

    it('writes a schema something read and changed before the encode as it is now, not as the client sent it', () => {
      const text = anthropicBody('fakecompat/bench-model', '80k', true);
      const context = contextOf(text);
      const tool = context.canonical().tools![0] as FunctionTool;
      tool.inputSchema.additionalProperties = false;
      const sent = JSON.parse(translatedRequest(context, compatible).body.toString()) as { tools: Array<{ function: { parameters: JsonObject } }> };
      const expected = stringified(text) as { tools: Array<{ function: { parameters: JsonObject } }> };
      expected.tools[0]!.function.parameters.additionalProperties = false;
      assert.deepEqual(sent, expected);
    });

    it('copies escapes, non-ASCII text, nesting, white space and odd keys inside a schema as the client wrote them', () => {
      // A schema JSON.parse reads the same as the client meant it, written as no serialiser would:
      // escaped letters and slash, é as \u00e9 and as itself, an emoji as a surrogate pair, an
      // integer-like key (JavaScript lists it first), white space, arrays of objects, deep nesting.
      const schema =
        '{ "\\u0074ype" : "object",\n  "properties": { "path": {"type":"string","description":"caf\\u00e9 café \\/ \\"q\\" \\ud83d\\ude00 \\n"},\n' +
        '  "1": {"type":"integer"}, "mode": {"enum": ["a", "b", {"nested": [[{"deep": {"deeper": [null, true, -1.5e3]}}]]}]}},\n' +
        '  "required" : [ "path" ] }';
      const tools = `{"name":"read","description":"${'reads a file '.repeat(20)}","input_schema":${schema},"cache_control":{"type":"ephemeral"}}`;
      const text = bodyWithTools(tools);
      const call = translatedRequest(contextOf(text), compatible);
      assert.ok(Buffer.isBuffer(call.body));
      const sent = call.body.toString('utf8');
      assert.ok(sent.includes(`"parameters":${schema}`), "the schema is the client's bytes");
      assert.ok(!sent.includes('cache_control'), 'the tool\'s cache_control is not the schema\'s and stays behind');
      assert.deepEqual(JSON.parse(sent), stringified(text));
    });

    it('copies a schema with a duplicate key as sent, which reads back as the value JSON.parse kept', () => {
      // Before, a duplicate key anywhere made the whole body serialised again; now the index does
      // not pair a schema's keys, and a parser reading the copy keeps the last, as JSON.parse did.
      const schema = '{"type":"object","properties":{"path":{"type":"string","description":"first"},"path":{"type":"string","description":"last"},"mode":{"type":"string","description":"how the file is read, as text or as bytes"}}}';
      const text = bodyWithTools(`{"name":"read","description":"reads","input_schema":${schema}}`);
      const call = translatedRequest(contextOf(text), compatible);
      assert.ok(Buffer.isBuffer(call.body));
      const sent = call.body.toString('utf8');
      assert.ok(sent.includes(`"parameters":${schema}`));
      assert.deepEqual(JSON.parse(sent), stringified(text));
      assert.equal((JSON.parse(sent) as { tools: Array<{ function: { parameters: { properties: { path: { description: string } } } } }> }).tools[0]!.function.parameters.properties.path.description, 'last');
    });

    it("reads a body's schemas right after another body was scanned (the skip's memory held the other)", () => {
      const first = anthropicBody('fakecompat/bench-model', '80k', true);
      const context = contextOf(first);
      // Another request's scan between this one's read stage and its attempt.
      scanRequestHead(Buffer.from(bodyWithTools(`{"name":"other","description":"${'x'.repeat(9_000)}","input_schema":{"type":"object"}}`)));
      const call = translatedRequest(context, compatible);
      assert.ok(Buffer.isBuffer(call.body));
      assert.deepEqual(JSON.parse(call.body.toString('utf8')), stringified(first));
    });
  });

  describe('headers', () => {
    /** A compatible target whose provider holds its own key, with a configured header. */
    function withOwnKey(key: string, headers: Record<string, string> = {}): AttemptTarget {
      const provider = { id: 'fakecompat', baseUrl: 'http://127.0.0.1:1/v1', headers, apiKey: key };
      return { ...compatible, provider, credential: { source: 'provider', key } } as unknown as AttemptTarget;
    }

    /** A flat `[name, value…]` list or an object, as one object to compare. */
    function headersOf(headers: unknown): Record<string, string> {
      if (!Array.isArray(headers)) return headers as Record<string, string>;
      const object: Record<string, string> = {};
      for (let index = 0; index < headers.length; index += 2) object[headers[index] as string] = headers[index + 1] as string;
      return object;
    }

    it("sends the provider's own key as one list made once per provider, the same for every request", () => {
      const target = withOwnKey('sk-own', { 'http-referer': 'https://example.test' });
      const first = translatedRequest(contextOf(bodyWithText(100)), target);
      const second = translatedRequest(contextOf(anthropicBody('fakecompat/bench-model', '80k', true)), target);
      assert.ok(Array.isArray(first.headers), 'a flat list of names and values');
      assert.equal(second.headers, first.headers, 'shared by every call to the provider');
      assert.deepEqual(headersOf(first.headers), {
        'content-type': 'application/json',
        authorization: 'Bearer sk-own',
        'http-referer': 'https://example.test',
        'accept-encoding': 'identity',
      });
    });

    it('makes a new list for a provider resolved anew (a changed key)', () => {
      const before = translatedRequest(contextOf(bodyWithText(100)), withOwnKey('sk-before'));
      const after = translatedRequest(contextOf(bodyWithText(100)), withOwnKey('sk-after'));
      assert.equal(headersOf(before.headers).authorization, 'Bearer sk-before');
      assert.equal(headersOf(after.headers).authorization, 'Bearer sk-after');
    });

    it("keeps an object made for the call when the key is not the provider's own", () => {
      const call = translatedRequest(contextOf(bodyWithText(100)), compatible);
      assert.ok(!Array.isArray(call.headers));
      assert.deepEqual(call.headers, { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'accept-encoding': 'identity' });
    });
  });
});
