import type { AssistantMessage, Message, ReasoningPart, SystemMessage, TextPart, ToolMessage, ToolResultPart, UserMessage } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest } from '../decode-fields';
import { asText, decodeFile, geminiOptions, hasSignature, sign } from './decode-content';
import { read, readString } from './read-field';

/** A call of the model turn being answered, for results that name no id. */
interface OpenCall {
  id: string;
  name: string;
  answered: boolean;
}

/** `systemInstruction`: a string or a content object; undefined when it holds no text. */
export function decodeSystemInstruction(value: unknown): SystemMessage | undefined {
  if (typeof value === 'string') return value === '' ? undefined : { role: 'system', content: [{ type: 'text', text: value }] };
  if (!isObject(value) || !Array.isArray(value.parts)) {
    throw invalidRequest('`systemInstruction` must be a content object: {"parts":[{"text":"…"}]}.', 'systemInstruction');
  }
  const content: TextPart[] = [];
  for (const part of value.parts) {
    if (isObject(part) && typeof part.text === 'string' && part.text !== '') content.push({ type: 'text', text: part.text });
  }
  return content.length > 0 ? { role: 'system', content } : undefined;
}

/**
 * Walks the turns. Consecutive model contents form one assistant message: the SDK's Chat
 * keeps each streamed chunk as its own content, and text or thought parts that follow each
 * other are joined back into one block. A signature stays with the block it came on; a
 * second signature starts a new block.
 */
export class ContentsDecoder {
  private assistant: AssistantMessage | undefined;
  private open: TextPart | ReasoningPart | undefined;
  private calls: OpenCall[] = [];

  constructor(private readonly messages: Message[]) {}

  decode(contents: unknown[]): void {
    contents.forEach((content, index) => {
      const where = `contents[${index}]`;
      if (!isObject(content)) throw invalidRequest(`\`${where}\` must be an object with \`role\` and \`parts\`.`, where);
      const parts = content.parts ?? [];
      if (!Array.isArray(parts)) throw invalidRequest(`\`${where}.parts\` must be an array.`, `${where}.parts`);
      const role = content.role ?? 'user';
      if (role === 'model') this.decodeModel(parts, index);
      // `function` is the role older clients gave turns of function responses.
      else if (role === 'user' || role === 'function') this.decodeUser(parts, index);
      else throw invalidRequest(`\`${where}.role\` must be "user" or "model", not ${JSON.stringify(role)}.`, `${where}.role`);
    });
  }

  private decodeModel(parts: unknown[], contentIndex: number): void {
    if (!this.assistant) {
      this.assistant = { role: 'assistant', content: [] };
      this.messages.push(this.assistant);
      this.open = undefined;
      this.calls = [];
    }
    const content = this.assistant.content;
    parts.forEach((part, partIndex) => {
      if (!isObject(part)) return;
      const signature = readString(part, 'thoughtSignature', 'thought_signature');
      const call = read(part, 'functionCall', 'function_call');
      if (isObject(call)) {
        const where = `contents[${contentIndex}].parts[${partIndex}].functionCall`;
        if (typeof call.name !== 'string' || call.name === '') throw invalidRequest(`\`${where}.name\` must name the function.`, where);
        const id = typeof call.id === 'string' && call.id !== '' ? call.id : `call_${contentIndex}_${partIndex}`;
        const toolCall: AssistantMessage['content'][number] = {
          type: 'tool-call',
          id,
          name: call.name,
          input: JSON.stringify(isObject(call.args) ? call.args : {}),
        };
        if (signature !== undefined) toolCall.providerOptions = geminiOptions(signature);
        content.push(toolCall);
        this.calls.push({ id, name: call.name, answered: false });
        this.open = undefined;
        return;
      }
      if (typeof part.text !== 'string') return; // inline images, executable code: no canonical home
      const type = part.thought === true ? 'reasoning' : 'text';
      const open = this.open;
      if (open !== undefined && open.type === type && (signature === undefined || !hasSignature(open))) {
        open.text += part.text;
        if (signature !== undefined) sign(open, signature);
        return;
      }
      if (part.text === '' && signature === undefined) return;
      const block: TextPart | ReasoningPart = { type, text: part.text };
      if (signature !== undefined) sign(block, signature);
      content.push(block);
      this.open = block;
    });
  }

  private decodeUser(parts: unknown[], contentIndex: number): void {
    this.assistant = undefined;
    this.open = undefined;
    parts.forEach((part, partIndex) => {
      if (!isObject(part)) return;
      const where = `contents[${contentIndex}].parts[${partIndex}]`;
      const response = read(part, 'functionResponse', 'function_response');
      if (isObject(response)) {
        this.toolMessage().content.push(this.decodeFunctionResponse(response, `${where}.functionResponse`, contentIndex, partIndex));
        return;
      }
      if (typeof part.text === 'string') {
        if (part.text !== '') this.userMessage().content.push({ type: 'text', text: part.text });
        return;
      }
      const file = decodeFile(part, where);
      if (file) this.userMessage().content.push(file);
    });
  }

  /**
   * A function response answers the call with its id or, when the client sent none, the
   * first unanswered call of that name in the model turn before it.
   */
  private decodeFunctionResponse(response: JsonObject, where: string, contentIndex: number, partIndex: number): ToolResultPart {
    const name = typeof response.name === 'string' && response.name !== '' ? response.name : undefined;
    let id = typeof response.id === 'string' && response.id !== '' ? response.id : undefined;
    const call =
      id !== undefined
        ? this.calls.find((candidate) => candidate.id === id)
        : (this.calls.find((candidate) => !candidate.answered && candidate.name === name) ??
          (name === undefined ? this.calls.find((candidate) => !candidate.answered) : undefined));
    if (call) call.answered = true;
    id ??= call?.id ?? `call_${contentIndex}_${partIndex}`;
    const toolName = name ?? call?.name;
    if (toolName === undefined) throw invalidRequest(`\`${where}.name\` must name the function whose result this is.`, where);
    const result: ToolResultPart = { type: 'tool-result', toolCallId: id, toolName, content: [] };
    const value = response.response;
    if (isObject(value)) {
      const keys = Object.keys(value);
      const only = keys.length === 1 ? keys[0] : undefined;
      // `output` and `error` are the documented keys; `result` and `content` are what Google's
      // own examples and many clients use.
      if (only === 'output' || only === 'result' || only === 'content' || only === 'error') {
        result.content.push({ type: 'text', text: asText(value[only]) });
        if (only === 'error') result.isError = true;
      } else {
        result.content.push({ type: 'text', text: JSON.stringify(value) });
      }
    }
    if (Array.isArray(response.parts)) {
      response.parts.forEach((part, index) => {
        const file = isObject(part) ? decodeFile(part, `${where}.parts[${index}]`) : undefined;
        if (file) result.content.push(file);
      });
    }
    return result;
  }

  private toolMessage(): ToolMessage {
    const last = this.messages[this.messages.length - 1];
    if (last?.role === 'tool') return last;
    const message: ToolMessage = { role: 'tool', content: [] };
    this.messages.push(message);
    return message;
  }

  private userMessage(): UserMessage {
    const last = this.messages[this.messages.length - 1];
    if (last?.role === 'user') return last;
    const message: UserMessage = { role: 'user', content: [] };
    this.messages.push(message);
    return message;
  }
}
