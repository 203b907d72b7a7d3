import assert from 'node:assert/strict';
import { UsageTap, readResponseFinishReason, readResponseUsage } from '../../../proxy/passthrough/usage-tap';
import { decodeAnthropicUsage } from '../../../proxy/providers/anthropic-messages/decode-usage';

/** An OpenAI chat stream whose last chunk is the usage-only one Switchyard asked for. */
const events = [
  'data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"lo é"}}]}\n\n',
  'data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
  'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}\n\n',
  'data: [DONE]\n\n',
];
const whole = Buffer.from(events.join(''));
const withoutUsage = events.filter((event) => !event.includes('"choices":[]')).join('');

function relay(chunks: Buffer[], hideUsageChunks: boolean): { text: string; sentAsIs: number; tap: UsageTap } {
  const tap = new UsageTap('openai-chat', hideUsageChunks);
  const out: Buffer[] = [];
  let sentAsIs = 0;
  for (const chunk of chunks) {
    const forwarded = tap.push(chunk);
    if (forwarded === chunk) sentAsIs++;
    out.push(typeof forwarded === 'string' ? Buffer.from(forwarded) : forwarded);
  }
  return { text: Buffer.concat(out).toString('utf8'), sentAsIs, tap };
}

describe('UsageTap (passthrough)', () => {
  it('hides the usage-only chunk it asked for, wherever the stream is split, even mid-UTF-8', () => {
    for (let size = 1; size <= whole.length; size += size < 20 ? 1 : 17) {
      const chunks: Buffer[] = [];
      for (let start = 0; start < whole.length; start += size) chunks.push(whole.subarray(start, start + size));
      const { text, tap } = relay(chunks, true);
      assert.equal(text, withoutUsage, `chunks of ${size} bytes`);
      assert.deepEqual([tap.end()?.inputTokens, tap.end()?.outputTokens], [7, 3]);
    }
  });

  it('sends chunks of whole events as their own bytes, rebuilding only the one with the usage chunk', () => {
    const { text, sentAsIs } = relay(events.map((event) => Buffer.from(event)), true);
    assert.equal(text, withoutUsage);
    assert.equal(sentAsIs, events.length - 1);
  });

  it('forwards every byte untouched when the client asked for usage itself', () => {
    const { text, sentAsIs } = relay([whole.subarray(0, 50), whole.subarray(50)], false);
    assert.equal(text, whole.toString('utf8'));
    assert.equal(sentAsIs, 2);
  });
});

describe('readResponseUsage (whole passthrough answers)', () => {
  it('reads the top-level usage of each API without being misled by text that mentions it', () => {
    const chat = Buffer.from(JSON.stringify({ choices: [{ message: { content: '"usage":{"prompt_tokens":999}' } }], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }));
    assert.equal(readResponseUsage('openai-chat', chat)?.inputTokens, 7);
    const anthropic = Buffer.from(JSON.stringify({ content: [{ type: 'text', text: 'hi' }], usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 1 } }));
    assert.equal(readResponseUsage('anthropic-messages', anthropic)?.outputTokens, 2);
    const gemini = Buffer.from(JSON.stringify({ candidates: [], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 6 } }));
    assert.equal(readResponseUsage('gemini', gemini)?.outputTokens, 6);
    const groq = Buffer.from(JSON.stringify({ choices: [], x_groq: { id: 'r', usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } } }));
    assert.equal(readResponseUsage('openai-chat', groq)?.inputTokens, 3);
  });

  it('has no usage when the answer has none, a null one, or is not JSON', () => {
    assert.equal(readResponseUsage('openai-chat', Buffer.from('{"choices":[],"usage":null}')), undefined);
    assert.equal(readResponseUsage('anthropic-messages', Buffer.from('{"content":[]}')), undefined);
    assert.equal(readResponseUsage('openai-chat', Buffer.from('<html>bad gateway</html>')), undefined);
  });

  it('reads the finish reason as the provider wrote it, off each API\'s stream', () => {
    const finishOf = (api: ConstructorParameters<typeof UsageTap>[0], stream: string): string | undefined => {
      const tap = new UsageTap(api);
      // One byte at a time: the reason is read whichever chunk it arrives in.
      for (const byte of Buffer.from(stream)) tap.push(Buffer.from([byte]));
      tap.end();
      return tap.finishReason;
    };
    assert.equal(finishOf('openai-chat', events.join('')), 'stop');
    assert.equal(
      finishOf('anthropic-messages', 'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\nevent: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":9}}\n\n'),
      'max_tokens',
    );
    assert.equal(finishOf('openai-responses', 'event: response.completed\ndata: {"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2}}}\n\n'), 'completed');
    assert.equal(finishOf('openai-responses', 'event: response.incomplete\ndata: {"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}\n\n'), 'max_output_tokens');
    assert.equal(
      finishOf('gemini', 'data: {"candidates":[{"content":{"parts":[{"text":"Hi"}]}}]}\r\n\r\ndata: {"candidates":[{"content":{"parts":[{"text":"!"}]},"finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":2}}\r\n\r\n'),
      'MAX_TOKENS',
    );
    assert.equal(finishOf('openai-chat', events.slice(0, 3).join('')), undefined, 'a stream cut before its last chunk has none');
    // A reason written with white space after the colon, and text that mentions the key.
    assert.equal(finishOf('openai-chat', 'data: {"choices":[{"index":0,"delta":{"content":"say \\"finish_reason\\":\\"fake\\""},"finish_reason":null}]}\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason": "length"}]}\n\n'), 'length');
  });

  it('reads an Anthropic stream\'s usage from message_start and message_delta, later fields winning, and its first token from the first content event', () => {
    const stream = [
      'event: message_start\ndata: {"type":"message_start","message":{"content":[{"type":"text","text":"event: message_delta"}],"usage":{"input_tokens":3,"cache_read_input_tokens":5,"cache_creation_input_tokens":null,"output_tokens":1}}}\n\n',
      'event: ping\ndata: {"type":"ping","usage":{"input_tokens":999}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"event: message_delta\\ndata: {\\"usage\\":{\\"output_tokens\\":777}}"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ];
    const tap = new UsageTap('anthropic-messages');
    tap.push(Buffer.from(stream[0]! + stream[1]!));
    assert.equal(tap.firstTokenAt, undefined, 'no content yet');
    for (const event of stream.slice(2)) assert.equal(tap.push(Buffer.from(event)).toString(), event, 'each chunk forwarded as it came');
    assert.notEqual(tap.firstTokenAt, undefined);
    assert.deepEqual(tap.end(), { inputTokens: 8, outputTokens: 9, cacheReadTokens: 5, cacheWriteTokens: 0, reasoningTokens: 0 });
    assert.equal(tap.finishReason, 'end_turn');
  });

  it('reads an OpenAI-style stream\'s usage wherever the provider puts it', () => {
    const usageOf = (stream: string): number | undefined => {
      const tap = new UsageTap('openai-chat');
      for (const byte of Buffer.from(stream)) tap.push(Buffer.from([byte]));
      return tap.end()?.inputTokens;
    };
    const content = 'data: {"choices":[{"index":0,"delta":{"content":"\\"usage\\":{\\"prompt_tokens\\":999}"},"finish_reason":null}],"usage":null}\n\n';
    assert.equal(usageOf(`${content}data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}\n\n`), 7);
    assert.equal(usageOf(`${content}data: {"choices":[], "usage": {"prompt_tokens":8,"completion_tokens":3,"total_tokens":11}}\n\n`), 8, 'white space after the colon');
    assert.equal(usageOf(`${content}data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}}\n\n`), 5, "Groq's x_groq.usage");
    assert.equal(usageOf(content), undefined, 'text that mentions usage is not usage');
  });

  it('reads a Chat stream forwarded as is in its bytes as the text reader reads it, wherever it is split', () => {
    const chunk = (body: string): string => `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":${body}}\n\n`;
    const details = '"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":2,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}';
    const openai = [
      chunk('[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null'),
      chunk('[{"index":0,"delta":{"content":"say \\"usage\\":{\\"prompt_tokens\\":999} and \\"finish_reason\\":\\"fake\\""},"logprobs":null,"finish_reason":null}],"usage":null'),
      chunk('[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null'),
      chunk(`[],"usage":{"prompt_tokens":11,"completion_tokens":5,"total_tokens":16,${details}}`),
      'data: [DONE]\n\n',
    ];
    const streams = {
      openai,
      'white space around values': [openai[0]!, openai[1]!, chunk('[{"index":0,"delta":{},"finish_reason": "length" }], "usage": null '), chunk('[], "usage": {"prompt_tokens":12,"completion_tokens":1,"total_tokens":13} ')],
      "Groq's x_groq.usage": [openai[1]!, chunk('[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}')],
      'a field after usage': [openai[1]!, chunk('[],"usage":{"prompt_tokens":6,"completion_tokens":2,"total_tokens":8},"obfuscation":"x"')],
      'an escaped reason': [openai[1]!, chunk('[{"index":0,"delta":{},"finish_reason":"a\\"b"}]')],
      'no usage key': [openai[1]!, chunk(`[{"index":0,"delta":{"content":"${'long text '.repeat(20)}"},"finish_reason":null}]`), chunk('[{"index":0,"delta":{},"finish_reason":"tool_calls"}]')],
      'two data lines': ['data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n', 'data: {"choices":[],\ndata: "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n'],
    };
    const outcome = (hideUsageChunks: boolean, chunks: Buffer[]): unknown => {
      const tap = new UsageTap('openai-chat', hideUsageChunks);
      for (const piece of chunks) tap.push(piece);
      const usage = tap.end();
      return { usage, finishReason: tap.finishReason, firstToken: tap.firstTokenAt !== undefined };
    };
    for (const [name, events] of Object.entries(streams)) {
      const bytes = Buffer.from(events.join(''));
      // The text reader (the usage-hiding tap's) is the reference.
      const reference = outcome(true, [bytes]) as { usage: unknown };
      assert.notEqual(reference.usage === undefined && name !== 'an escaped reason' && name !== 'no usage key', true, `${name}: the reference read usage`);
      for (let size = 1; size <= bytes.length; size += size < 40 ? 1 : 29) {
        const chunks: Buffer[] = [];
        for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.subarray(start, start + size));
        assert.deepEqual(outcome(false, chunks), reference, `${name}, chunks of ${size} bytes`);
      }
    }
    assert.deepEqual(outcome(false, openai.map((event) => Buffer.from(event))), {
      usage: { inputTokens: 11, outputTokens: 5, cacheReadTokens: 4, cacheWriteTokens: 0, reasoningTokens: 2 },
      finishReason: 'stop',
      firstToken: true,
    });
  });

  it('reads an Anthropic stream\'s message_start and message_delta in their bytes as a parse of each event reads them, wherever it is split', () => {
    const event = (name: string, data: string): string => `event: ${name}\ndata: ${data}\n\n`;
    const start = (usage: string, after = ''): string =>
      event('message_start', `{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":${usage}${after}}}`);
    const delta = (reason: string, usage: string, after = ''): string => event('message_delta', `{"type":"message_delta","delta":{"stop_reason":${reason},"stop_sequence":null},"usage":${usage}${after}}`);
    const text = event('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"say \\"usage\\":{\\"input_tokens\\":999} and \\"stop_reason\\":\\"fake\\""}}');
    const documented = '{"input_tokens":1873,"cache_creation_input_tokens":0,"cache_read_input_tokens":1536,"output_tokens":1,"service_tier":"standard"}';
    const streams: Record<string, string[]> = {
      // The documented shape, as the fake provider writes it.
      documented: [start(documented), text, delta('"end_turn"', '{"output_tokens":41}'), event('message_stop', '{"type":"message_stop"}')],
      // Newer streams repeat the input counts in message_delta; nulls are no news.
      'cumulative usage and nulls': [start('{"input_tokens":5,"cache_creation_input_tokens":null,"cache_read_input_tokens":2,"output_tokens":1}'), text, delta('"tool_use"', '{"input_tokens":5,"cache_creation_input_tokens":3,"cache_read_input_tokens":null,"output_tokens":12,"server_tool_use":{"web_search_requests":1}}')],
      'white space': [start(' { "input_tokens" : 4 , "output_tokens" : 1 } '), text, delta(' "max_tokens" ', ' { "output_tokens" : 7 } ')],
      // A member after usage (context management, a beta): read by the parse.
      'a member after usage': [start('{"input_tokens":6,"output_tokens":1}', ',"container":null'), text, delta('"pause_turn"', '{"output_tokens":8}', ',"context_management":{"applied_edits":[]}')],
      'no reason, an escaped one': [start('{"input_tokens":2,"output_tokens":1}'), text, delta('null', '{"output_tokens":3}'), delta('"a\\"b"', '{"output_tokens":4}')],
      'two data lines': [start('{"input_tokens":9,"output_tokens":1}'), text, 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},\ndata: "usage":{"output_tokens":2}}\n\n'],
    };
    /** The reference: each message_start and message_delta parsed whole, as the tap read them before. */
    const reference = (events: string[]): unknown => {
      let usage: Record<string, unknown> = {};
      let finishReason: string | undefined;
      for (const raw of events) {
        const [nameLine, ...dataLines] = raw.trim().split('\n');
        const name = nameLine!.slice('event: '.length);
        if (name !== 'message_start' && name !== 'message_delta') continue;
        const data = JSON.parse(dataLines.map((line) => line.replace(/^data: ?/, '')).join('\n')) as { message?: { usage?: object }; usage?: object; delta?: { stop_reason?: unknown } };
        const fields = (name === 'message_start' ? data.message?.usage : data.usage) ?? {};
        usage = { ...usage, ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)) };
        if (typeof data.delta?.stop_reason === 'string') finishReason = data.delta.stop_reason;
      }
      return { usage: decodeAnthropicUsage(usage), finishReason };
    };
    for (const [name, events] of Object.entries(streams)) {
      const bytes = Buffer.from(events.join(''));
      const want = reference(events);
      for (let size = 1; size <= bytes.length; size += size < 40 ? 1 : 29) {
        const tap = new UsageTap('anthropic-messages');
        for (let at = 0; at < bytes.length; at += size) tap.push(bytes.subarray(at, at + size));
        assert.deepEqual({ usage: tap.end(), finishReason: tap.finishReason }, want, `${name}, chunks of ${size} bytes`);
      }
    }
    assert.deepEqual(reference(streams.documented!), { usage: { inputTokens: 3409, outputTokens: 41, cacheReadTokens: 1536, cacheWriteTokens: 0, reasoningTokens: 0 }, finishReason: 'end_turn' });
  });

  it('reads the finish reason of a whole JSON answer without parsing it, never from inside a string', () => {
    const chat = Buffer.from(JSON.stringify({ id: 'c', choices: [{ index: 0, message: { role: 'assistant', content: 'say "finish_reason":"fake" now' }, finish_reason: 'length' }] }));
    assert.equal(readResponseFinishReason('openai-chat', chat), 'length');
    assert.equal(readResponseFinishReason('anthropic-messages', Buffer.from(JSON.stringify({ content: [{ type: 'text', text: '"stop_reason":"x"' }], stop_reason: 'end_turn' }))), 'end_turn');
    assert.equal(readResponseFinishReason('anthropic-messages', Buffer.from('{"content":[],"stop_reason":null}')), undefined);
    // Gemini's REST answers are pretty-printed.
    assert.equal(readResponseFinishReason('gemini', Buffer.from(JSON.stringify({ candidates: [{ content: { parts: [{ text: 'hi' }] }, finishReason: 'STOP' }] }, null, 2))), 'STOP');
    assert.equal(readResponseFinishReason('openai-responses', Buffer.from('{"id":"r","status":"completed","output":[]}')), 'completed');
    assert.equal(readResponseFinishReason('openai-responses', Buffer.from('{"id":"r","status":"incomplete","incomplete_details":{"reason":"content_filter"}}')), 'content_filter');
  });
});
