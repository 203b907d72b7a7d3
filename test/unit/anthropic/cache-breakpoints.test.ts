import assert from 'node:assert/strict';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { encodeMessagesBody } from '../../../proxy/providers/anthropic-messages/encode-request';
import type { Target } from '../../../proxy/providers/adapter';

const target: Target = { provider: 'anthropic', baseUrl: 'https://api.anthropic.com', model: 'claude-sonnet-4-6', promptCaching: true };

function conversation(): CanonicalRequest {
  return {
    model: 'claude-sonnet-4-6',
    stream: false,
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'You are a coding agent.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Fix the test.' }] },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'Look first.', signature: 'sig' }, { type: 'tool-call', id: 'toolu_1', name: 'shell', input: '{"command":"ls"}' }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'a.ts' }] }] },
    ],
    tools: [
      { type: 'function', name: 'shell', inputSchema: { type: 'object' } },
      { type: 'function', name: 'edit', inputSchema: { type: 'object' } },
    ],
  };
}

const marked = (block: unknown): boolean => typeof block === 'object' && block !== null && 'cache_control' in block;

describe('prompt-cache breakpoints on translated calls', () => {
  it('marks the end of the tools, the system prompt, the last message and the previous request\'s last message', () => {
    const body = encodeMessagesBody(conversation(), target) as { tools: unknown[]; system: unknown[]; messages: Array<{ content: unknown[] }> };
    assert.ok(marked(body.tools[1]) && !marked(body.tools[0]));
    assert.ok(marked(body.system.at(-1)));
    assert.ok(marked(body.messages[2]!.content.at(-1)), 'the tool result');
    assert.ok(marked(body.messages[0]!.content.at(-1)), 'the user turn before the last assistant turn');
    assert.equal(JSON.stringify(body).match(/cache_control/g)?.length, 4);
  });

  it('never marks a thinking block, and leaves the canonical request untouched', () => {
    const request = conversation();
    request.messages.push({ role: 'assistant', content: [{ type: 'reasoning', text: 'Done.', signature: 'sig2' }] });
    const before = JSON.stringify(request);
    const body = encodeMessagesBody(request, target) as { messages: Array<{ content: Array<{ type: string }> }> };
    assert.ok(!body.messages.at(-1)!.content.some(marked));
    assert.equal(JSON.stringify(request), before);
  });

  it('leaves a request alone when the client marked any breakpoint, or when prompt caching is off', () => {
    const request = conversation();
    request.messages[1]!.content[0]!.providerOptions = { anthropic: { cacheControl: { type: 'ephemeral', ttl: '1h' } } };
    const body = JSON.stringify(encodeMessagesBody(request, target));
    assert.equal(body.match(/cache_control/g)?.length, 1);
    assert.ok(body.includes('"ttl":"1h"'));
    assert.equal(JSON.stringify(encodeMessagesBody(conversation(), { ...target, promptCaching: false })).includes('cache_control'), false);
  });
});
