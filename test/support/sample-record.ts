import type { RequestRecord } from '../../proxy/store/request-record';

/**
 * A request record of a plain successful OpenAI Chat call to `openai/gpt-4o`, for tests of the
 * stores and the control API; each test names its own id and time and what it cares about.
 */
export function sampleRecord(fields: Pick<RequestRecord, 'id' | 'time'> & Partial<RequestRecord>): RequestRecord {
  // id and time first, as the stores' records have them (a JSON line keeps the order).
  const { id, time, ...named } = fields;
  return {
    id,
    time,
    clientFormat: 'openai-chat',
    endpoint: '/v1/chat/completions',
    requestedModel: 'gpt-4o',
    provider: 'openai',
    model: 'gpt-4o',
    status: 200,
    stream: false,
    passthrough: true,
    inputTokens: 10,
    outputTokens: 2,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.0001,
    timeToFirstTokenMs: 5,
    latencyMs: 9,
    ...named,
  };
}
