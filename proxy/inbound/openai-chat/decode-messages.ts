import type { AssistantMessage, Message, SystemMessage, ToolMessage, ToolResultPart } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest } from '../decode-fields';
import { decodeTextContent, decodeUserMessage, withCacheControl } from './decode-content';

/** Decodes `messages` into canonical messages, pairing legacy `function` results with their calls. */
export function decodeMessages(wireMessages: unknown[]): Message[] {
  const messages: Message[] = [];
  // Legacy `function` messages name the function, not a call id: remember the id we gave
  // each assistant `function_call` so the result can point back at it.
  const legacyCallIds = new Map<string, string>();
  for (let index = 0; index < wireMessages.length; index++) {
    const wire = wireMessages[index];
    const path = `messages[${index}]`;
    if (!isObject(wire)) throw invalidRequest(`\`${path}\` must be an object with a \`role\`.`, path);
    const role = wire.role;
    if (typeof role !== 'string') {
      throw invalidRequest(`\`${path}.role\` is missing; use one of system, developer, user, assistant or tool.`, `${path}.role`);
    }
    switch (role) {
      case 'system':
      case 'developer': {
        const message: SystemMessage = { role: 'system', content: decodeTextContent(wire.content, path) };
        if (role === 'developer') message.variant = 'developer';
        messages.push(message);
        break;
      }
      case 'user':
        messages.push(decodeUserMessage(wire, path));
        break;
      case 'assistant':
        messages.push(decodeAssistantMessage(wire, path, index, legacyCallIds));
        break;
      case 'tool': {
        if (typeof wire.tool_call_id !== 'string') {
          throw invalidRequest(`\`${path}.tool_call_id\` must be the id of the tool call this message answers.`, `${path}.tool_call_id`);
        }
        const result: ToolResultPart = {
          type: 'tool-result',
          toolCallId: wire.tool_call_id,
          content: decodeTextContent(wire.content, path),
        };
        appendToolResult(messages, result);
        break;
      }
      case 'function': {
        if (typeof wire.name !== 'string') {
          throw invalidRequest(`\`${path}.name\` must name the function whose result this message carries.`, `${path}.name`);
        }
        const result: ToolResultPart = {
          type: 'tool-result',
          toolCallId: legacyCallIds.get(wire.name) ?? legacyCallId(wire.name),
          toolName: wire.name,
          content: decodeTextContent(wire.content, path),
        };
        appendToolResult(messages, result);
        break;
      }
      default:
        throw invalidRequest(
          `\`${path}.role\` is "${role}", which Chat Completions does not define; use system, developer, user, assistant or tool.`,
          `${path}.role`,
        );
    }
  }
  return messages;
}

/** Consecutive tool messages are one canonical turn, the way Anthropic and Gemini need them. */
function appendToolResult(messages: Message[], result: ToolResultPart): void {
  const last = messages[messages.length - 1];
  if (last?.role === 'tool') {
    last.content.push(result);
    return;
  }
  const message: ToolMessage = { role: 'tool', content: [result] };
  messages.push(message);
}

function legacyCallId(name: string): string {
  return `call_${name}`;
}

function decodeAssistantMessage(
  wire: JsonObject,
  path: string,
  messageIndex: number,
  legacyCallIds: Map<string, string>,
): AssistantMessage {
  const message: AssistantMessage = { role: 'assistant', content: [] };
  // DeepSeek returns `reasoning_content`, OpenRouter and Groq `reasoning`; clients echo them.
  const reasoning = typeof wire.reasoning_content === 'string' ? wire.reasoning_content : wire.reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') message.content.push({ type: 'reasoning', text: reasoning });

  const content = wire.content;
  if (typeof content === 'string') {
    if (content !== '') message.content.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (let index = 0; index < content.length; index++) {
      const part = content[index];
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') {
        message.content.push(withCacheControl({ type: 'text', text: part.text }, part));
      } else if (isObject(part) && part.type === 'refusal' && typeof part.refusal === 'string') {
        message.content.push({ type: 'text', text: part.refusal });
      } else if (isObject(part) && part.type === 'thinking' && Array.isArray(part.thinking)) {
        // A Mistral reasoning model's answer, echoed back as it came (docs.mistral.ai, "Reasoning").
        const text = thinkingText(part.thinking);
        if (text !== '') message.content.push({ type: 'reasoning', text });
      } else if (isObject(part) && part.type === 'reference') {
        // Mistral's citation ids, echoed with its answer: nothing another provider could read.
      } else {
        const partPath = `${path}.content[${index}]`;
        throw invalidRequest(`\`${partPath}\` must be a text, refusal or thinking part.`, partPath);
      }
    }
  } else if (content !== null && content !== undefined) {
    throw invalidRequest(`\`${path}.content\` must be a string, an array of text parts, or null.`, `${path}.content`);
  }
  if (typeof wire.refusal === 'string' && wire.refusal !== '') message.content.push({ type: 'text', text: wire.refusal });

  if (wire.tool_calls !== undefined && wire.tool_calls !== null) {
    if (!Array.isArray(wire.tool_calls)) {
      throw invalidRequest(`\`${path}.tool_calls\` must be an array.`, `${path}.tool_calls`);
    }
    for (let index = 0; index < wire.tool_calls.length; index++) {
      message.content.push(decodeToolCall(wire.tool_calls[index], `${path}.tool_calls[${index}]`));
    }
  }

  const functionCall = wire.function_call;
  if (isObject(functionCall) && typeof functionCall.name === 'string') {
    const id = `call_${messageIndex}_${functionCall.name}`;
    legacyCallIds.set(functionCall.name, id);
    const input = typeof functionCall.arguments === 'string' ? functionCall.arguments : '{}';
    message.content.push({ type: 'tool-call', id, name: functionCall.name, input });
  }
  return message;
}

/** The text parts of a Mistral `thinking` part, joined (its references passed over). */
function thinkingText(thinking: unknown[]): string {
  let text = '';
  for (const part of thinking) if (isObject(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  return text;
}

function decodeToolCall(call: unknown, path: string): AssistantMessage['content'][number] {
  if (!isObject(call) || typeof call.id !== 'string') {
    throw invalidRequest(`\`${path}\` must be a tool call with an \`id\`.`, path);
  }
  if (call.type === 'custom') {
    const custom = call.custom;
    if (!isObject(custom) || typeof custom.name !== 'string') {
      throw invalidRequest(`\`${path}.custom.name\` must name the custom tool.`, `${path}.custom`);
    }
    const input = typeof custom.input === 'string' ? custom.input : '';
    return { type: 'tool-call', id: call.id, name: custom.name, input, providerOptions: { openai: { toolType: 'custom' } } };
  }
  const fn = call.function;
  if (!isObject(fn) || typeof fn.name !== 'string') {
    throw invalidRequest(`\`${path}.function.name\` must name the function that was called.`, `${path}.function`);
  }
  const input = typeof fn.arguments === 'string' ? fn.arguments : '{}';
  return { type: 'tool-call', id: call.id, name: fn.name, input };
}
