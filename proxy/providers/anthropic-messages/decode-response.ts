import type { CanonicalResponse, ResponseContent } from '../../core/response';
import { decodeAnthropicUsage } from './decode-usage';
import { mapAnthropicStopReason } from './map-stop-reason';
import { checkAnthropicMessage } from '../../wire/anthropic-messages/guards';
import { malformedWireError } from '../../wire/checks';
import type { JsonObject } from '../../core/json';

/**
 * Decodes a non-streamed Anthropic `message` into a canonical response. Blocks with no
 * canonical form (server tool calls and results…) become empty text parts carrying the
 * block in `providerOptions.anthropic.block`, as the stream decoder does.
 *
 * @see https://docs.anthropic.com/en/api/messages
 * @throws ProxyError marked `malformed` when the body is not a well-formed message.
 */
export function decodeAnthropicResponse(body: unknown, provider = 'anthropic'): CanonicalResponse {
  const checked = checkAnthropicMessage(body);
  if (!checked.ok) throw malformedWireError(provider, checked);
  const message = checked.value;
  const content: ResponseContent[] = [];
  for (const block of message.content as JsonObject[]) {
    switch (block.type) {
      case 'text': {
        const text: ResponseContent = { type: 'text', text: typeof block.text === 'string' ? block.text : '' };
        if (Array.isArray(block.citations)) text.providerOptions = { anthropic: { citations: block.citations } };
        content.push(text);
        break;
      }
      case 'thinking': {
        const reasoning: ResponseContent = { type: 'reasoning', text: typeof block.thinking === 'string' ? block.thinking : '' };
        if (typeof block.signature === 'string' && block.signature !== '') reasoning.signature = block.signature;
        content.push(reasoning);
        break;
      }
      case 'redacted_thinking':
        content.push({ type: 'reasoning', text: '', redactedData: typeof block.data === 'string' ? block.data : '' });
        break;
      case 'tool_use':
        content.push({
          type: 'tool-call',
          id: String(block.id),
          name: String(block.name),
          input: JSON.stringify(block.input ?? {}),
        });
        break;
      default:
        content.push({ type: 'text', text: '', providerOptions: { anthropic: { block } } });
    }
  }
  const response: CanonicalResponse = {
    content,
    finishReason: mapAnthropicStopReason(message.stop_reason),
    usage: decodeAnthropicUsage(message.usage),
  };
  if (typeof message.id === 'string') response.id = message.id;
  if (typeof message.model === 'string') response.model = message.model;
  if (typeof message.stop_reason === 'string') response.rawFinishReason = message.stop_reason;
  if (typeof message.stop_sequence === 'string') response.stopSequence = message.stop_sequence;
  return response;
}

