import type { AssistantMessage, Message, ToolCallPart, ToolMessage, ToolResultPart, UserMessage } from '../../core/request';
import { responsesProviderOptions, withResponsesOptions, type ResponsesPartOptions } from '../../providers/openai-responses/responses-options';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest, requiredString } from '../decode-fields';
import { decodeReasoningItem, decodeTextContent, decodeToolOutput, decodeUserContent } from './decode-content';

/** Builds messages from input items, grouping assistant-side items and tool outputs. */
class MessageBuilder {
  private assistant: AssistantMessage | undefined;
  private tool: ToolMessage | undefined;
  /** Function names by call id, so tool results can name their tool (Gemini needs it). */
  readonly toolNames = new Map<string, string>();

  constructor(private readonly messages: Message[]) {}

  push(message: Message): void {
    this.assistant = undefined;
    this.tool = undefined;
    this.messages.push(message);
  }

  assistantContent(): AssistantMessage['content'] {
    if (!this.assistant) {
      this.assistant = { role: 'assistant', content: [] };
      this.tool = undefined;
      this.messages.push(this.assistant);
    }
    return this.assistant.content;
  }

  toolContent(): ToolResultPart[] {
    if (!this.tool) {
      this.tool = { role: 'tool', content: [] };
      this.assistant = undefined;
      this.messages.push(this.tool);
    }
    return this.tool.content;
  }
}

/** `input`: a string (one user message) or an array of input items, appended to `messages` in order. */
export function decodeInput(input: unknown, messages: Message[]): void {
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: [{ type: 'text', text: input }] });
    return;
  }
  if (!Array.isArray(input)) throw invalidRequest('`input` must be a string or an array of input items.', 'input');
  const builder = new MessageBuilder(messages);
  for (let index = 0; index < input.length; index++) {
    const item: unknown = input[index];
    const param = `input[${index}]`;
    if (!isObject(item)) throw invalidRequest(`\`${param}\` must be an object, such as {"role": "user", "content": "Hello"}.`, param);
    decodeItem(item, param, builder);
  }
}

/** @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-input */
function decodeItem(item: JsonObject, param: string, builder: MessageBuilder): void {
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
  const itemId = typeof item.id === 'string' ? item.id : undefined;
  switch (type) {
    case 'message':
      decodeMessage(item, param, itemId, builder);
      return;
    case 'reasoning':
      builder.assistantContent().push(decodeReasoningItem(item, param, itemId));
      return;
    case 'function_call':
    case 'custom_tool_call': {
      const custom = type === 'custom_tool_call';
      const callId = requiredString(item.call_id, `${param}.call_id`, 'the id tool outputs refer to');
      const name = requiredString(item.name, `${param}.name`, 'the name of the tool called');
      const input = requiredString(custom ? item.input : item.arguments, `${param}.${custom ? 'input' : 'arguments'}`, 'the call input as text');
      builder.toolNames.set(callId, name);
      const part: ToolCallPart = { type: 'tool-call', id: callId, name, input };
      withResponsesOptions(part, {
        itemId,
        namespace: typeof item.namespace === 'string' ? item.namespace : undefined,
        status: typeof item.status === 'string' ? item.status : undefined,
        itemType: custom ? 'custom_tool_call' : undefined,
      });
      builder.assistantContent().push(part);
      return;
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const callId = requiredString(item.call_id, `${param}.call_id`, 'the call_id of the call this output answers');
      const part: ToolResultPart = {
        type: 'tool-result',
        toolCallId: callId,
        content: decodeToolOutput(item.output, `${param}.output`),
      };
      const toolName = builder.toolNames.get(callId);
      if (toolName !== undefined) part.toolName = toolName;
      if (type === 'custom_tool_call_output') withResponsesOptions(part, { itemType: 'custom_tool_call_output' });
      builder.toolContent().push(part);
      return;
    }
    default:
      if (typeof type !== 'string') {
        throw invalidRequest(`\`${param}.type\` is missing: give each input item a \`type\` ("message", "function_call"…) or a \`role\`.`, `${param}.type`);
      }
      builder.assistantContent().push({ type: 'text', text: '', providerOptions: responsesProviderOptions({ item }) });
  }
}

function decodeMessage(item: JsonObject, param: string, itemId: string | undefined, builder: MessageBuilder): void {
  const role = item.role;
  const contentParam = `${param}.content`;
  switch (role) {
    case 'user': {
      const message: UserMessage = { role: 'user', content: decodeUserContent(item.content, contentParam) };
      builder.push(message);
      return;
    }
    case 'system':
    case 'developer': {
      const content = decodeTextContent(item.content, contentParam, undefined);
      builder.push(role === 'developer' ? { role: 'system', content, variant: 'developer' } : { role: 'system', content });
      return;
    }
    case 'assistant': {
      const options: ResponsesPartOptions = { itemId, phase: typeof item.phase === 'string' ? item.phase : undefined };
      builder.assistantContent().push(...decodeTextContent(item.content, contentParam, options));
      return;
    }
    default:
      throw invalidRequest(`\`${param}.role\` must be "user", "assistant", "system" or "developer".`, `${param}.role`);
  }
}
