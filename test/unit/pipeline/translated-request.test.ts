import assert from 'node:assert/strict';
import { arrive } from '../../../proxy/call/request-context';
import { scanRequestHead } from '../../../proxy/inbound/json-scan';
import type { AttemptTarget } from '../../../proxy/pipeline/admit';
import { createContext } from '../../../proxy/pipeline/endpoint';
import { translatedRequest } from '../../../proxy/pipeline/translate';
import { parseJsonObject } from '../../../proxy/http/read-body';
import { inboundCodecs } from '../../../proxy/codecs/registry';

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

/** The context the read stage builds for an Anthropic Messages body. */
function contextOf(text: string): ReturnType<typeof createContext> {
  const raw = Buffer.from(text);
  const head = scanRequestHead(raw);
  return createContext(arrive({ format: 'anthropic-messages', operation: 'generate', endpoint: '/v1/messages', principal: undefined }), {
    requestedModel: head.model!,
    stream: head.stream,
    headers: {},
    query: '',
    raw,
    body: () => parseJsonObject(raw),
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
});
