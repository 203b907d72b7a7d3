/**
 * A kept request and answer as readable messages: who said what, in order, whatever the client's
 * format. Text parts are shown as text, tool calls as `name(arguments)`, tool results as their
 * content, and anything else (images, files) by its type.
 */
import type { CallContent, CanonicalResponse } from './protocol';

export interface ContentMessage {
  role: string;
  text: string;
}

type Json = Record<string, any>;

export function requestMessages(content: CallContent): ContentMessage[] {
  const body = (content.request ?? {}) as Json;
  const messages: ContentMessage[] = [];
  const add = (role: string, text: string): void => {
    if (text !== '') messages.push({ role, text });
  };
  switch (content.format) {
    case 'openai-chat':
      for (const message of body.messages ?? []) {
        const calls = (message.tool_calls ?? []).map((call: Json) => `${call.function?.name}(${call.function?.arguments})`);
        add(String(message.role), [partsText(message.content), ...calls].filter((text) => text !== '').join('\n'));
      }
      break;
    case 'openai-responses':
      if (typeof body.instructions === 'string') add('system', body.instructions);
      for (const item of typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? [])) {
        if (item.type === 'function_call') add('assistant', `${item.name}(${item.arguments})`);
        else if (item.type === 'function_call_output') add('tool', partsText(item.output));
        else add(String(item.role ?? item.type), partsText(item.content));
      }
      break;
    case 'anthropic-messages':
      add('system', partsText(body.system));
      for (const message of body.messages ?? []) add(String(message.role), partsText(message.content));
      break;
    case 'gemini':
      add('system', partsText(body.systemInstruction?.parts));
      for (const item of body.contents ?? []) add(String(item.role ?? 'user'), partsText(item.parts));
      break;
  }
  return messages;
}

/** A message's content: a string, or parts of any of the four formats. */
function partsText(content: unknown): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return typeof content === 'object' ? partsText([content]) : String(content);
  return content
    .map((part: Json) => {
      if (typeof part === 'string') return part;
      if (typeof part.text === 'string') return part.text;
      if (part.type === 'tool_use') return `${part.name}(${JSON.stringify(part.input)})`;
      if (part.type === 'tool_result') return partsText(part.content);
      if (part.functionCall) return `${part.functionCall.name}(${JSON.stringify(part.functionCall.args ?? {})})`;
      if (part.functionResponse) return JSON.stringify(part.functionResponse.response);
      if (part.type === 'thinking') return '';
      return `[${part.type ?? Object.keys(part)[0] ?? 'part'}]`;
    })
    .filter((text: string) => text !== '')
    .join('\n');
}

/** The answer as received: its text, reasoning and tool calls. */
export function answerText(answer: CanonicalResponse | undefined): string {
  if (answer === undefined) return '';
  return answer.content
    .map((item) => (item.type === 'tool-call' ? `${item.name}(${item.input})` : item.type === 'reasoning' ? '' : item.text))
    .filter((text) => text !== '')
    .join('\n');
}

/** Splits text around placeholders (`<EMAIL_1>`), so they can be shown apart. */
export function splitPlaceholders(text: string): Array<{ text: string; placeholder: boolean }> {
  const pieces: Array<{ text: string; placeholder: boolean }> = [];
  let from = 0;
  for (const match of text.matchAll(/<[A-Z][A-Z0-9_]{0,40}_\d{1,9}>/g)) {
    if (match.index > from) pieces.push({ text: text.slice(from, match.index), placeholder: false });
    pieces.push({ text: match[0], placeholder: true });
    from = match.index + match[0].length;
  }
  if (from < text.length) pieces.push({ text: text.slice(from), placeholder: false });
  return pieces;
}
