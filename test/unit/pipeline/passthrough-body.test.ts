import assert from 'node:assert/strict';
import { arrive } from '../../../proxy/call/request-context';
import { scanRequestHead } from '../../../proxy/inbound/json-scan';
import type { AttemptTarget } from '../../../proxy/pipeline/admit';
import { createContext } from '../../../proxy/pipeline/endpoint';
import { passthroughRequest } from '../../../proxy/pipeline/passthrough';
import { parseJsonObject } from '../../../proxy/http/read-body';
import { inboundCodecs } from '../../../proxy/codecs/registry';

/** A passthrough target at the provider's own API. */
const targetAt = (provider: 'openai' | 'anthropic', model: string): AttemptTarget =>
  ({
    provider: { id: provider, baseUrl: provider === 'openai' ? 'https://api.openai.com/v1' : 'https://api.anthropic.com', headers: {} },
    model,
    api: provider === 'openai' ? 'openai-chat' : 'anthropic-messages',
    passthrough: true,
    label: `${provider}/${model}`,
    credential: { source: 'provider', key: 'sk-test' },
    entry: { target: `${provider}/${model}`, outcome: 'tried', reason: 'first in order' },
  }) as unknown as AttemptTarget;
const openai = (model: string): AttemptTarget => targetAt('openai', model);

/**
 * The context the read stage builds for `text`; `parses` counts full parses of the body. With
 * `offsets: false`, without the members' offsets the scan found (as for a body it did not see whole).
 */
function contextOf(text: string, format: 'openai-chat' | 'anthropic-messages' = 'openai-chat', offsets = true): { context: ReturnType<typeof createContext>; parses: () => number } {
  const raw = Buffer.from(text);
  const head = scanRequestHead(raw);
  let parses = 0;
  const context = createContext(arrive({ format, operation: 'generate', endpoint: format === 'openai-chat' ? '/v1/chat/completions' : '/v1/messages', principal: undefined }), {
    requestedModel: head.model!,
    stream: head.stream,
    headers: {},
    query: '',
    raw,
    body: () => {
      parses++;
      return parseJsonObject(raw);
    },
    scan: { emptySignature: head.emptySignature, streamOptions: head.streamOptions, streamOptionsAt: head.streamOptionsAt, memberAt: offsets ? head.memberAt : undefined },
    signal: new AbortController().signal,
    decode: (body) => inboundCodecs[format].decodeRequest(body),
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

  it('forgets the offsets the scan found once the body is rewritten (redaction), keeping what it found of the content', () => {
    const text = '{ "model": "gpt-4o-mini", "stream": true, "max_tokens": 50, "messages": [{"role":"user","content":"my key is sk-…"}], "stream_options": {"include_usage": true} }';
    const raw = Buffer.from(text);
    const head = scanRequestHead(raw, new Set(['model', 'stream', 'stream_options']));
    const context = createContext(arrive({ format: 'openai-chat', operation: 'generate', endpoint: '/v1/chat/completions', principal: undefined }), {
      requestedModel: head.model!,
      stream: head.stream,
      headers: {},
      query: '',
      raw,
      body: () => parseJsonObject(raw),
      scan: { streamOptions: head.streamOptions, streamOptionsAt: head.streamOptionsAt, maxOutputTokens: head.maxOutputTokens, neutralMembers: head.neutralMembers },
      signal: new AbortController().signal,
      decode: (body) => inboundCodecs['openai-chat'].decodeRequest(body),
    });
    assert.ok(context.scan.streamOptionsAt !== undefined && context.scan.neutralMembers !== undefined);
    const rewritten = context.withBody({ ...context.body(), messages: [{ role: 'user', content: 'my key is [API_KEY_1]' }] });
    assert.equal(rewritten.scan.streamOptionsAt, undefined, 'an offset in the old bytes');
    assert.equal(rewritten.scan.neutralMembers, undefined, 'offsets in the old bytes');
    assert.equal(rewritten.scan.maxOutputTokens, 50);
    assert.equal(rewritten.scan.streamOptions, true);
    const call = passthroughRequest(rewritten, openai('gpt-4o-mini'));
    assert.equal(call.addedUsage, false, 'read from the new bytes');
  });

  it("keeps stream_options as Python's json.dumps writes it, and asks for usage when include_usage is false", () => {
    const spaced = `{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "${long}"}], "stream": true, "stream_options": {"include_usage": true}}`;
    const kept = contextOf(spaced);
    const call = passthroughRequest(kept.context, openai('gpt-4o-mini'));
    assert.equal(kept.parses(), 0);
    assert.equal(call.addedUsage, false);
    assert.equal(String(call.body), spaced);
    // Bytes that begin like the usual form but are not it: read as JSON, not taken for a yes.
    for (const options of ['{"include_usage":false}', '{"include_usage":true,"include_obfuscation":false}', '{"include_usage":truex}']) {
      const text = `{"model":"gpt-4o-mini","stream":true,"stream_options":${options}}`;
      const context = contextOf(text).context;
      if (options.endsWith('x}')) {
        assert.throws(() => passthroughRequest(context, openai('gpt-4o-mini')), 'not JSON: the whole body is parsed, as before');
        continue;
      }
      const sent = passthroughRequest(context, openai('gpt-4o-mini'));
      assert.equal(sent.addedUsage, options === '{"include_usage":false}', options);
      assert.equal(JSON.parse(String(sent.body)).stream_options.include_usage, true, options);
    }
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

  it('asks for usage when the client sent stream_options: null, leaving one stream_options key', () => {
    // Prepending a second key would lose: a JSON parser keeps the last of two equal keys.
    const text = '{"model":"gpt-4o-mini","stream":true,"messages":[],"stream_options":null}';
    const call = passthroughRequest(contextOf(text).context, openai('gpt-4o-mini'));
    assert.equal(call.addedUsage, true);
    assert.equal(String(call.body).split('"stream_options"').length - 1, 1);
    assert.deepEqual(JSON.parse(String(call.body)).stream_options, { include_usage: true });
  });

  describe('a routed call above its model\'s output limit', () => {
    // Pretty-printed, so a parse and JSON.stringify would show in the bytes.
    const openaiBody = JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: long }], max_completion_tokens: 32_000, temperature: 0.2 }, null, 2);

    it('swaps the number in the bytes, every other byte kept', () => {
      const target = openai('gpt-4o-mini');
      const call = passthroughRequest(contextOf(openaiBody).context, target);
      const expected = openaiBody.replace('"model": "smart"', '"model": "gpt-4o-mini"').replace('32000', '16384');
      assert.equal(String(call.body), expected);
      assert.deepEqual(target.entry.outputClamped, { requested: 32_000, sent: 16_384, by: 'output limit' });
    });

    it('swaps an Anthropic max_tokens in place when the thinking budget still fits under it', () => {
      const text = JSON.stringify({ model: 'fast', max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 2_048 }, messages: [{ role: 'user', content: 'hi' }] }, null, 2);
      const { context } = contextOf(text, 'anthropic-messages');
      const call = passthroughRequest(context, targetAt('anthropic', 'claude-3-5-haiku-20241022'));
      // The shorter number is padded with a space in the copy the model was renamed in.
      assert.equal(String(call.body), text.replace('"model": "fast"', '"model": "claude-3-5-haiku-20241022"').replace('32000', '8192 '));
      assert.equal(String(context.raw), text, "the client's own bytes are not written into");
    });

    it("finds the model and the limit where the read stage's scan saw them, as a search of the bytes sent would", () => {
      const bodies: Array<[text: string, format: 'openai-chat' | 'anthropic-messages', model: string]> = [
        [openaiBody, 'openai-chat', 'gpt-4o-mini'],
        // The limit before the model, a name shorter than the client's, both Chat limits (the newer one wins).
        ['{"max_tokens": 40000, "max_completion_tokens" :  30000,"model":"a-much-longer-name-than-any","messages":[]}', 'openai-chat', 'gpt-4o-mini'],
        // A stream that asked for no usage: the member Switchyard adds moves every offset.
        [`{"model":"smart","stream":true,"messages":[{"role":"user","content":"${long}"}],"max_tokens":32000}`, 'openai-chat', 'gpt-4o-mini'],
        // Not a number, and no limit at all: nothing to clamp.
        ['{"model":"smart","max_tokens":"32000","messages":[]}', 'openai-chat', 'gpt-4o-mini'],
        ['{"model":"smart","messages":[],"metadata":{"max_tokens":99999}}', 'openai-chat', 'gpt-4o-mini'],
        ['{"messages":[{"role":"user","content":"hi"}],"model":"fast","max_tokens":32000}', 'anthropic-messages', 'claude-3-5-haiku-20241022'],
      ];
      for (const [text, format, model] of bodies) {
        const target = (): AttemptTarget => targetAt(format === 'openai-chat' ? 'openai' : 'anthropic', model);
        const scanned = contextOf(text, format);
        assert.ok(scanned.context.scan.memberAt !== undefined, text);
        const [fromScan, fromSearch] = [target(), target()];
        const sent = String(passthroughRequest(scanned.context, fromScan).body);
        assert.equal(sent, String(passthroughRequest(contextOf(text, format, false).context, fromSearch).body), text);
        assert.deepEqual(fromScan.entry.outputClamped, fromSearch.entry.outputClamped, text);
        assert.equal(JSON.parse(sent).model, model, text);
      }
    });

    it('rewrites an Anthropic body whose thinking budget would not fit under the new max_tokens', () => {
      const text = JSON.stringify({ model: 'fast', max_tokens: 32_000, thinking: { type: 'enabled', budget_tokens: 16_000 }, messages: [{ role: 'user', content: 'hi' }] }, null, 2);
      const sent = JSON.parse(String(passthroughRequest(contextOf(text, 'anthropic-messages').context, targetAt('anthropic', 'claude-3-5-haiku-20241022')).body));
      assert.equal(sent.max_tokens, 8_192);
      assert.equal(sent.thinking.budget_tokens, 4_096);
      assert.equal(sent.model, 'claude-3-5-haiku-20241022');
    });
  });
});
