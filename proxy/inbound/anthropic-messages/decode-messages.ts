import type { AssistantMessage, Message, TextPart, ToolResultPart, UserMessage } from '../../core/request';
import { isObject } from '../../core/json';
import { invalidRequest } from '../decode-fields';
import {
  decodeDocumentBlock,
  decodeImageBlock,
  decodeTextBlock,
  decodeThinkingBlock,
  decodeToolResultBlock,
  decodeToolUseBlock,
  keepBlock,
  type DecodeState,
} from './decode-content';

/** Decodes the `messages` turns, appending them to `out` after any top-level system message. */
export function decodeMessages(messages: unknown[], out: Message[], state: DecodeState): void {
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    const path = `messages.${index}`;
    if (!isObject(message)) throw invalidRequest(`${path}: each message must be an object with "role" and "content".`, 'messages');
    switch (message.role) {
      case 'user':
        decodeUserTurn(message.content, path, out, state);
        break;
      case 'assistant':
        out.push(decodeAssistantTurn(message.content, path, state));
        break;
      // Claude Code sends system reminders as role "system" turns inside `messages`; the
      // API accepts them there, so they stay in place instead of joining the top-level system.
      case 'system':
        out.push({ role: 'system', content: decodeSystemContent(message.content, `${path}.content`) });
        break;
      default:
        throw invalidRequest(`${path}.role: must be "user", "assistant" or "system".`, 'messages');
    }
  }
}

/** System content (top-level `system` or a `system` turn): a string or an array of text blocks. */
export function decodeSystemContent(content: unknown, path: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalidRequest(`${path}: must be a string or an array of text blocks.`, 'system');
  const parts: TextPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const block = content[index];
    if (!isObject(block) || block.type !== 'text') {
      throw invalidRequest(`${path}.${index}: system content blocks must be {"type": "text", "text": "…"}.`, 'system');
    }
    parts.push(decodeTextBlock(block, `${path}.${index}`));
  }
  return parts;
}

/**
 * A user turn. Its `tool_result` blocks become a tool message placed before the rest of
 * the turn, which is where the API requires them to be anyway.
 */
function decodeUserTurn(content: unknown, path: string, out: Message[], state: DecodeState): void {
  if (typeof content === 'string') {
    out.push({ role: 'user', content: [{ type: 'text', text: content }] });
    return;
  }
  if (!Array.isArray(content)) throw invalidRequest(`${path}.content: must be a string or an array of content blocks.`, 'messages');
  let toolResults: ToolResultPart[] | undefined;
  const parts: UserMessage['content'] = [];
  for (let index = 0; index < content.length; index++) {
    const block = content[index];
    const blockPath = `${path}.content.${index}`;
    if (!isObject(block) || typeof block.type !== 'string') {
      throw invalidRequest(`${blockPath}: each content block must be an object with a "type".`, 'messages');
    }
    switch (block.type) {
      case 'text':
        parts.push(decodeTextBlock(block, blockPath));
        break;
      case 'image':
        parts.push(decodeImageBlock(block, blockPath));
        break;
      case 'document':
        parts.push(decodeDocumentBlock(block, blockPath));
        break;
      case 'tool_result':
        (toolResults ??= []).push(decodeToolResultBlock(block, blockPath, state));
        break;
      default:
        parts.push(keepBlock(block));
    }
  }
  if (toolResults) out.push({ role: 'tool', content: toolResults });
  if (parts.length > 0 || !toolResults) out.push({ role: 'user', content: parts });
}

function decodeAssistantTurn(content: unknown, path: string, state: DecodeState): AssistantMessage {
  if (typeof content === 'string') return { role: 'assistant', content: [{ type: 'text', text: content }] };
  if (!Array.isArray(content)) throw invalidRequest(`${path}.content: must be a string or an array of content blocks.`, 'messages');
  const parts: AssistantMessage['content'] = [];
  for (let index = 0; index < content.length; index++) {
    const block = content[index];
    const blockPath = `${path}.content.${index}`;
    if (!isObject(block) || typeof block.type !== 'string') {
      throw invalidRequest(`${blockPath}: each content block must be an object with a "type".`, 'messages');
    }
    switch (block.type) {
      case 'text':
        parts.push(decodeTextBlock(block, blockPath));
        break;
      case 'thinking':
        parts.push(decodeThinkingBlock(block, blockPath));
        break;
      case 'redacted_thinking': {
        if (typeof block.data !== 'string') throw invalidRequest(`${blockPath}.data: must be the string the API returned.`, 'messages');
        parts.push({ type: 'reasoning', text: '', redactedData: block.data });
        break;
      }
      case 'tool_use':
        parts.push(decodeToolUseBlock(block, blockPath, state));
        break;
      default:
        parts.push(keepBlock(block));
    }
  }
  return { role: 'assistant', content: parts };
}
