import assert from 'node:assert/strict';
import type { Target } from '../../../proxy/providers/adapter';
import { decodeMessagesRequest } from '../../../proxy/inbound/anthropic-messages/decode-request';
import { encodeChatRequest } from '../../../proxy/providers/openai-chat/encode-request';
import { ClientBytes } from '../../../proxy/wire/client-bytes';
import { SplicedJson } from '../../../proxy/wire/spliced-json';
import { anthropicBody } from '../../../bench/payloads';

const compatible: Target = { provider: 'fakecompat', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'key', model: 'bench-model' };

/** A text long enough to be spliced, with what the caller puts in it. */
function long(text: string): string {
  return text + ' filler'.repeat(40);
}

/** The Chat body encoded from a client's Anthropic body, without and with its bytes. */
function encodeBoth(bytes: Buffer): { plain: string; spliced: string | Buffer } {
  const parsed: unknown = JSON.parse(bytes.toString('utf8'));
  const request = decodeMessagesRequest(parsed as Record<string, unknown>);
  const plain = encodeChatRequest({ ...request, model: 'bench-model' }, compatible).body;
  const spliced = encodeChatRequest({ ...request, model: 'bench-model' }, compatible, ClientBytes.index(bytes, parsed)).body;
  return { plain, spliced };
}

describe('SplicedJson: a translated request written with the client bytes', () => {
  it("writes the bench's 80 KB Claude Code turn as a Buffer, byte for byte what JSON.stringify writes", () => {
    const bytes = Buffer.from(anthropicBody('fakecompat/bench-model', '80k', true));
    const { plain, spliced } = encodeBoth(bytes);
    assert.ok(Buffer.isBuffer(spliced), 'the system text, user text, tool descriptions and schemas were copied');
    assert.equal(spliced.toString('utf8'), plain);
  });

  it("keeps the client's own escapes and white space, which read back as the same request", () => {
    // As a client may write them: é as \u00e9, the slash escaped, an emoji as a surrogate pair.
    const content = '"line one\\nline two caf\\u00e9 \\/ \\"quoted\\" \\ud83d\\ude00' + ' filler'.repeat(40) + '"';
    const schema = { type: 'object', properties: { path: { type: 'string', description: long('the file') } } };
    const client =
      '{ "model" : "m", "max_tokens": 10,\n  "system": [ {"type":"text","text":"' +
      long('one').replace(/ /g, '\\u0020') +
      '"}, {"type":"text","text":"' +
      long('two') +
      '"} ],\n  "messages": [{"role":"user","content":' +
      content +
      '}],\n  "tools": [ {"name":"read", "description": "' +
      long('reads') +
      '", "input_schema":\n' +
      JSON.stringify(schema, null, 2) +
      '} ] }';
    const bytes = Buffer.from(client);
    const { plain, spliced } = encodeBoth(bytes);
    assert.ok(Buffer.isBuffer(spliced));
    const written = spliced.toString('utf8');
    assert.deepEqual(JSON.parse(written), JSON.parse(plain));
    assert.ok(written.includes(content), "the client's escapes, not JSON.stringify's");
    assert.ok(plain.includes('café'));
    assert.ok(written.includes(`"parameters":${JSON.stringify(schema, null, 2)}`), "the schema as the client wrote it, white space and all");
    assert.ok(written.includes(`"content":"${long('one').replace(/ /g, '\\u0020')}\\n\\n${long('two')}"`), 'the system blocks joined, each as sent');
  });

  it('writes text the request changed after decoding as JSON.stringify does, not the bytes it replaced', () => {
    const bytes = Buffer.from(JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: long('as sent') }] }));
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    const request = decodeMessagesRequest(parsed as Record<string, unknown>);
    const message = request.messages[0]!;
    assert.equal(message.role, 'user');
    if (message.role === 'user' && message.content[0]?.type === 'text') message.content[0].text = long('as changed');
    const body = encodeChatRequest({ ...request, model: 'bench-model' }, compatible, ClientBytes.index(bytes, parsed)).body;
    assert.equal(typeof body, 'string', 'nothing of the client bytes holds the new text');
    assert.equal((JSON.parse(body.toString()) as { messages: Array<{ content: string }> }).messages[0]!.content, long('as changed'));
  });

  it('builds no index where the bytes and the parsed value cannot be paired exactly', () => {
    const text = long('text');
    const refusals = [
      // JSON.parse keeps the last of a duplicate key; the first one's bytes are not its value.
      `{"a":"${text}","a":"${long('other')}"}`,
      // JavaScript orders integer-like keys first, not as the bytes hold them.
      `{"b":"${text}","1":"x"}`,
      // A key written with an escape is not compared.
      `{"\\u0061":"${text}"}`,
    ];
    for (const client of refusals) {
      const bytes = Buffer.from(client);
      assert.equal(ClientBytes.index(bytes, JSON.parse(client)), undefined, client.slice(0, 30));
    }
    const accepted = Buffer.from(` {"a" : [ 1, -2.5e3, true, false, null, "${text}", {} , [] ], "b": {"c": "${text}"} } `);
    const index = ClientBytes.index(accepted, JSON.parse(accepted.toString()));
    assert.ok(index);
    const range = index.stringRange(text);
    assert.ok(range);
    assert.equal(accepted.toString('utf8', range.start, range.end), text);
  });

  it('serialises without splices when a client string holds a marker after all', () => {
    const text = long('text');
    const bytes = Buffer.from(JSON.stringify({ text }));
    const parsed = JSON.parse(bytes.toString()) as { text: string };
    const splice = new SplicedJson(ClientBytes.index(bytes, parsed));
    const marker = splice.string(parsed.text);
    assert.notEqual(marker, text);
    // A second copy of the marker in the body (as if a client had written it) is not taken for a splice.
    const body = { first: marker, second: marker };
    assert.equal(splice.serialize(body), JSON.stringify({ first: text, second: text }));
  });
});
