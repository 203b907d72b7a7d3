import assert from 'node:assert/strict';
import { arrive } from '../../../proxy/call/request-context';
import { scanRequestHead } from '../../../proxy/inbound/json-scan';
import type { AttemptTarget } from '../../../proxy/pipeline/admit';
import { createContext } from '../../../proxy/pipeline/endpoint';
import { passthroughRequest } from '../../../proxy/pipeline/passthrough';
import { parseJsonObject } from '../../../proxy/http/read-body';
import { inboundCodecs } from '../../../proxy/codecs/registry';

/** A passthrough OpenAI target named as the client named it (no routing). */
const openai = (model: string): AttemptTarget =>
  ({
    provider: { id: 'openai', baseUrl: 'https://api.openai.com/v1', headers: {} },
    model,
    api: 'openai-chat',
    passthrough: true,
    label: `openai/${model}`,
    credential: { source: 'provider', key: 'sk-test' },
    entry: { target: `openai/${model}`, outcome: 'tried', reason: 'first in order' },
  }) as unknown as AttemptTarget;

/** The context the read stage builds for `text`; `parses` counts full parses of the body. */
function contextOf(text: string): { context: ReturnType<typeof createContext>; parses: () => number } {
  const raw = Buffer.from(text);
  const head = scanRequestHead(raw);
  let parses = 0;
  const context = createContext(arrive({ format: 'openai-chat', operation: 'generate', endpoint: '/v1/chat/completions', principal: undefined }), {
    requestedModel: head.model!,
    stream: head.stream,
    headers: {},
    query: '',
    raw,
    body: () => {
      parses++;
      return parseJsonObject(raw);
    },
    scan: { emptySignature: head.emptySignature, streamOptions: head.streamOptions, streamOptionsAt: head.streamOptionsAt },
    signal: new AbortController().signal,
    decode: (body) => inboundCodecs['openai-chat'].decodeRequest(body),
  });
  return { context, parses: () => parses };
}

describe('passthrough request body', () => {
  const long = 'x'.repeat(80_000);

  it("reads a stream's stream_options from its own bytes, never parsing the whole body", () => {
    const text = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"${long}"}],"stream":true,"stream_options":{"include_usage":true}}`;
    const { context, parses } = contextOf(text);
    const call = passthroughRequest(context, openai('gpt-4o-mini'));
    assert.equal(parses(), 0, 'the 80 KB body was parsed to read stream_options');
    assert.equal(call.addedUsage, false);
    assert.equal(String(call.body), text, 'the bytes go upstream as the client wrote them');
  });

  it('asks for usage when the client set stream_options without it, keeping its other options', () => {
    const text = `{"model":"gpt-4o-mini","stream_options":{"include_obfuscation":false},"messages":[{"role":"user","content":"${long}"}],"stream":true}`;
    const { context } = contextOf(text);
    const call = passthroughRequest(context, openai('gpt-4o-mini'));
    assert.equal(call.addedUsage, true);
    assert.deepEqual(JSON.parse(String(call.body)).stream_options, { include_obfuscation: false, include_usage: true });
  });

  it('asks for usage when the client set no stream_options', () => {
    const absent = passthroughRequest(contextOf('{"model":"gpt-4o-mini","stream":true,"messages":[]}').context, openai('gpt-4o-mini'));
    assert.equal(absent.addedUsage, true);
    assert.deepEqual(JSON.parse(String(absent.body)).stream_options, { include_usage: true });
  });
});
