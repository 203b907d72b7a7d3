import type { ChatReplyContentPart, ChatThinkingPart } from '../../wire/openai-chat/types';

/** A run of a reply's content parts: answer text, or reasoning. */
export interface ContentRun {
  type: 'text' | 'reasoning';
  text: string;
}

/**
 * Reads a reply's `content` given as a list of parts (checked by the guard first) as runs of
 * text and reasoning, in order: a `text` part is answer text, a `thinking` part reasoning (its
 * text parts joined), as `reasoning_content` is read for DeepSeek and its hosts. Neighbouring
 * parts of one kind make one run (Mistral splits an answer around its `reference` parts); empty
 * ones make none. A part of another type (`reference`, whose ids point at tool results the
 * canonical answer cannot name, or one added later) is passed over without failing, and so is a
 * reference inside a thinking part.
 *
 * @see https://docs.mistral.ai/capabilities/reasoning/
 */
export function decodeContentParts(parts: readonly ChatReplyContentPart[]): ContentRun[] {
  const runs: ContentRun[] = [];
  for (const part of parts) {
    if (part.type === 'text') appendRun(runs, 'text', part.text as string);
    else if (part.type === 'thinking') appendRun(runs, 'reasoning', thinkingText(part.thinking as ChatThinkingPart[]));
  }
  return runs;
}

function thinkingText(thinking: readonly ChatThinkingPart[]): string {
  let text = '';
  for (const part of thinking) if (part.type === 'text') text += part.text as string;
  return text;
}

function appendRun(runs: ContentRun[], type: ContentRun['type'], text: string): void {
  if (text === '') return;
  const last = runs[runs.length - 1];
  if (last?.type === type) last.text += text;
  else runs.push({ type, text });
}
