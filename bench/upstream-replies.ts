/**
 * The replies the fake upstream sends, precomputed once: JSON bodies and SSE events in the
 * providers' documented shapes, with realistic ids and usage.
 */
import { largeAnswerDeltas, replyDeltas } from './payloads';

const created = 1_741_570_283;
const openaiId = 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG';
const openaiModel = 'gpt-4o-mini-2024-07-18';
const fingerprint = 'fp_06737a9306';
const anthropicId = 'msg_01XFDUDYJgAACzvnptvVoYEL';
const anthropicModel = 'claude-sonnet-4-5-20250929';

/** @see https://platform.openai.com/docs/api-reference/chat/object */
const openaiUsage = {
  prompt_tokens: 1_873,
  completion_tokens: 41,
  total_tokens: 1_914,
  prompt_tokens_details: { cached_tokens: 1_536, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};

function openaiJson(text: string): string {
  return JSON.stringify({
    id: openaiId,
    object: 'chat.completion',
    created,
    model: openaiModel,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: openaiUsage,
    service_tier: 'default',
    system_fingerprint: fingerprint,
  });
}

/** @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming */
function openaiChunk(delta: object, finishReason: string | null, usage: object | null, withChoice = true): string {
  return (
    'data: ' +
    JSON.stringify({
      id: openaiId,
      object: 'chat.completion.chunk',
      created,
      model: openaiModel,
      service_tier: 'default',
      system_fingerprint: fingerprint,
      choices: withChoice ? [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] : [],
      usage,
    }) +
    '\n\n'
  );
}

function openaiEvents(deltas: readonly string[]): string[] {
  return [
    openaiChunk({ role: 'assistant', content: '', refusal: null }, null, null),
    ...deltas.map((text) => openaiChunk({ content: text }, null, null)),
    openaiChunk({}, 'stop', null),
    openaiChunk({}, null, openaiUsage, false),
    'data: [DONE]\n\n',
  ];
}

/** @see https://docs.anthropic.com/en/api/messages */
const anthropicUsage = {
  input_tokens: 1_873,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 1_536,
  output_tokens: 41,
  service_tier: 'standard',
};

function anthropicJson(text: string): string {
  return JSON.stringify({
    id: anthropicId,
    type: 'message',
    role: 'assistant',
    model: anthropicModel,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: anthropicUsage,
  });
}

function anthropicEvent(type: string, data: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types */
function anthropicEvents(deltas: readonly string[]): string[] {
  return [
    anthropicEvent('message_start', {
      message: {
        id: anthropicId,
        type: 'message',
        role: 'assistant',
        model: anthropicModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...anthropicUsage, output_tokens: 1 },
      },
    }),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    anthropicEvent('ping', {}),
    ...deltas.map((text) => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: anthropicUsage.output_tokens },
    }),
    anthropicEvent('message_stop', {}),
  ];
}

/** How many SSE events each streamed reply holds, for the client-side check. */
export const streamEventCounts = { openai: openaiEvents(replyDeltas).length, anthropic: anthropicEvents(replyDeltas).length } as const;

/** One endpoint's replies. */
export interface UpstreamReply {
  json: Buffer;
  events: Buffer[];
  headers: Record<string, string>;
}

const openaiHeaders = { 'openai-processing-ms': '212', 'x-request-id': 'req_9f8c1d2e3b4a5f6e7d8c9b0a1f2e3d4c' };
const anthropicHeaders = { 'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy', 'anthropic-organization-id': 'bench-org' };

function replies(deltas: readonly string[]): Record<string, UpstreamReply> {
  const text = deltas.join('');
  return {
    '/v1/chat/completions': { json: Buffer.from(openaiJson(text)), events: openaiEvents(deltas).map((event) => Buffer.from(event)), headers: openaiHeaders },
    '/v1/messages': { json: Buffer.from(anthropicJson(text)), events: anthropicEvents(deltas).map((event) => Buffer.from(event)), headers: anthropicHeaders },
  };
}

/** Replies by request path. */
export const upstreamReplies: Record<string, UpstreamReply> = replies(replyDeltas);

const largeReplies = new Map<number, Record<string, UpstreamReply>>();

/** Replies whose answer is `kilobytes` deltas of 1 KB each (`largeAnswerDeltas`), built once per size. */
export function largeUpstreamReplies(kilobytes: number): Record<string, UpstreamReply> {
  let built = largeReplies.get(kilobytes);
  if (built === undefined) {
    built = replies(largeAnswerDeltas(kilobytes));
    largeReplies.set(kilobytes, built);
  }
  return built;
}
