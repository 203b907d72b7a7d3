import type { CanonicalRequest, FilePart, Message, TextPart, ToolResultPart } from '../core/request';
import type { CanonicalResponse } from '../core/response';
import { isReasoningModel } from '../providers/openai-responses/responses-options';

export const judgeSystemPrompt = [
  'You are an impartial judge. You compare two answers, A and B, that two AI assistants gave to the same conversation,',
  "and decide which one better answers the conversation's last turn.",
  'Judge helpfulness, correctness, and how well each answer follows the instructions in the conversation, its system prompt included.',
  'A tool call is a good answer when calling that tool is the right next step.',
  'Do not let the order of the answers, their length or their style sway you; prefer neither position. Call it a tie only when neither is better.',
  'Reply ONLY with JSON, no other text: {"winner":"A"|"B"|"tie","reason":"<one short sentence>"}',
].join('\n');

/** The verdict needs a few dozen tokens; a model that thinks first needs room for its thinking too. */
const verdictTokens = 300;
const thinkingAllowanceTokens = 4000;

/**
 * The judge's request: the conversation and both answers as text, deterministic sampling.
 * OpenAI reasoning models (o-series, gpt-5) reject any temperature but 1 and spend output
 * tokens on reasoning, so they get low effort and room instead; Gemini 2.5 and 3 think by
 * default, with thinking tokens counted against the output limit.
 *
 * @see https://platform.openai.com/docs/guides/reasoning
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
export function buildJudgeRequest(judgeModel: string, request: CanonicalRequest, answerA: CanonicalResponse, answerB: CanonicalResponse): CanonicalRequest {
  const prompt =
    `<conversation>\n${renderConversation(request)}\n</conversation>\n\n` +
    `<answer_a>\n${renderAnswer(answerA)}\n</answer_a>\n\n` +
    `<answer_b>\n${renderAnswer(answerB)}\n</answer_b>\n\n` +
    'Which answer is better? Reply with the JSON verdict only.';
  const judgeRequest: CanonicalRequest = {
    model: judgeModel,
    messages: [
      { role: 'system', content: [{ type: 'text', text: judgeSystemPrompt }] },
      { role: 'user', content: [{ type: 'text', text: prompt }] },
    ],
    stream: false,
    maxOutputTokens: verdictTokens,
  };
  if (isReasoningModel(judgeModel)) {
    judgeRequest.reasoning = { enabled: true, effort: 'low' };
    judgeRequest.maxOutputTokens = verdictTokens + thinkingAllowanceTokens;
    return judgeRequest;
  }
  judgeRequest.temperature = 0;
  if (judgeModel.includes('gemini-2.5') || judgeModel.includes('gemini-3')) judgeRequest.maxOutputTokens = verdictTokens + thinkingAllowanceTokens;
  return judgeRequest;
}

/** Limits that keep a judge call's cost bounded on long agent conversations. */
const conversationBudgetChars = 48_000;
const systemTextChars = 6_000;
const messageTextChars = 8_000;
const toolTextChars = 1_500;
const answerChars = 16_000;

/**
 * The conversation as compact text: `[role]` headers, text, tool calls and results
 * summarised, images and files as placeholders. System messages are always kept; when the
 * rest exceeds the budget, the latest messages are kept, since the last turn is what the
 * answers respond to.
 */
export function renderConversation(request: CanonicalRequest): string {
  const head: string[] = [];
  if (request.tools !== undefined && request.tools.length > 0) {
    head.push(`[tools offered: ${request.tools.map((tool) => (tool.type === 'function' ? tool.name : (tool.name ?? `${tool.api} tool`))).join(', ')}]`);
  }
  const turns: string[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') head.push(renderMessage(message));
    else turns.push(renderMessage(message));
  }
  let used = 0;
  let first = turns.length;
  while (first > 0 && (first === turns.length || used + turns[first - 1].length <= conversationBudgetChars)) {
    used += turns[first - 1].length;
    first -= 1;
  }
  if (first > 0) head.push(`[${first} earlier message${first === 1 ? '' : 's'} omitted]`);
  return head.concat(turns.slice(first)).join('\n');
}

function renderMessage(message: Message): string {
  const lines: string[] = [`[${message.role === 'system' && message.variant === 'developer' ? 'developer' : message.role}]`];
  switch (message.role) {
    case 'system':
      for (const part of message.content) lines.push(elide(part.text, systemTextChars));
      break;
    case 'user':
      for (const part of message.content) lines.push(renderUserPart(part));
      break;
    case 'assistant':
      for (const part of message.content) {
        if (part.type === 'text') lines.push(elide(part.text, messageTextChars));
        else if (part.type === 'tool-call') lines.push(`[tool call ${part.name} ${elide(part.input, toolTextChars)}]`);
        // Reasoning is left out: the judge compares answers, not earlier thoughts.
      }
      break;
    case 'tool':
      for (const part of message.content) lines.push(renderToolResult(part));
      break;
  }
  return lines.join('\n');
}

function renderUserPart(part: TextPart | FilePart): string {
  if (part.type === 'text') return elide(part.text, messageTextChars);
  if (part.mediaType.startsWith('image/')) return '[image]';
  return part.filename === undefined ? `[file ${part.mediaType}]` : `[file ${part.filename}]`;
}

function renderToolResult(part: ToolResultPart): string {
  const text = part.content.map((content) => (content.type === 'text' ? content.text : renderUserPart(content))).join('\n');
  const label = part.toolName ?? part.toolCallId;
  return `[tool result ${label}${part.isError ? ' (error)' : ''}]\n${elide(text, toolTextChars)}`;
}

/** An answer as the judge sees it: its text and tool calls; reasoning is not part of the answer. */
export function renderAnswer(response: CanonicalResponse): string {
  const lines: string[] = [];
  for (const part of response.content) {
    if (part.type === 'text') {
      if (part.text !== '') lines.push(part.text);
    } else if (part.type === 'tool-call') {
      lines.push(`[tool call ${part.name} ${elide(part.input, toolTextChars)}]`);
    }
  }
  if (response.finishReason === 'length') lines.push('[the answer was cut off at the output token limit]');
  if (lines.length === 0) return '(empty answer)';
  return elide(lines.join('\n'), answerChars);
}

/** Keeps the head and the tail of a long text, where instructions and the question usually are. */
function elide(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const headChars = Math.floor(limit * 0.6);
  const tailChars = limit - headChars;
  return `${text.slice(0, headChars)}\n…[${text.length - limit} characters omitted]…\n${text.slice(text.length - tailChars)}`;
}

