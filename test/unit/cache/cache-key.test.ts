import assert from 'node:assert/strict';
import { inboundCodecs } from '../../../proxy/codecs/registry';
import { cacheKey, cacheKeyMaterial, requestFieldClasses } from '../../../proxy/cache/cache-key';
import type { CanonicalRequest, ClientFormat } from '../../../proxy/core/request';

const scope = { owner: 'key_0123456789abcdef', target: 'anthropic/claude-sonnet-4-5' };
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

/** One question, as each of the four client formats asks it. */
const sameQuestion: Record<ClientFormat, unknown> = {
  'anthropic-messages': { model: 'm', system: 'Be brief.', max_tokens: 1000, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [{ name: 'weather', description: 'Look up weather', input_schema: schema }], stream: true, metadata: { user_id: 'u-1' } },
  'openai-chat': { model: 'other-name', max_tokens: 1000, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }], tools: [{ type: 'function', function: { name: 'weather', description: 'Look up weather', parameters: schema } }], stream_options: { include_usage: true }, user: 'someone' },
  'openai-responses': { model: 'm', instructions: 'Be brief.', max_output_tokens: 1000, input: 'Weather in Paris?', tools: [{ type: 'function', name: 'weather', description: 'Look up weather', parameters: schema }], store: false, prompt_cache_key: 'abc' },
  gemini: { systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { maxOutputTokens: 1000 }, contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }], tools: [{ functionDeclarations: [{ name: 'weather', description: 'Look up weather', parameters: schema }] }] },
};

function decode(format: ClientFormat, body: unknown): CanonicalRequest {
  return inboundCodecs[format].decodeRequest(structuredClone(body));
}

const base: CanonicalRequest = decode('openai-chat', sameQuestion['openai-chat']);

describe('the response cache key', () => {
  it('is one key for the same question from any client format, streamed or not', () => {
    const keys = Object.entries(sameQuestion).map(([format, body]) => cacheKey(decode(format as ClientFormat, body), {}, scope));
    assert.equal(new Set(keys).size, 1, cacheKeyMaterial(decode('anthropic-messages', sameQuestion['anthropic-messages']), {}, scope));
  });

  it('is the same whatever the order of object keys', () => {
    const reordered = structuredClone(base);
    reordered.tools = [{ type: 'function', inputSchema: { required: ['city'], type: 'object', properties: { city: { type: 'string' } } }, name: 'weather', description: 'Look up weather' }];
    assert.equal(cacheKey(reordered, {}, scope), cacheKey(base, {}, scope));
  });

  it('ignores Anthropic cache_control markers but not the text they mark', () => {
    const marked = structuredClone(base);
    marked.messages[1]!.content[0]!.providerOptions = { anthropic: { cacheControl: { type: 'ephemeral' } } };
    assert.equal(cacheKey(marked, {}, scope), cacheKey(base, {}, scope));
    (marked.messages[1]!.content[0] as { text: string }).text += ' ';
    assert.notEqual(cacheKey(marked, {}, scope), cacheKey(base, {}, scope), 'never trimmed');
  });

  it('differs by target, owner and the answer-affecting headers, exactly as sent', () => {
    const key = cacheKey(base, {}, scope);
    assert.notEqual(cacheKey(base, {}, { ...scope, target: 'anthropic/claude-opus-4-1' }), key);
    assert.notEqual(cacheKey(base, {}, { ...scope, owner: 'shared' }), key);
    const beta = cacheKey(base, { 'anthropic-beta': 'interleaved-thinking-2025-05-14' }, scope);
    assert.notEqual(beta, key);
    assert.notEqual(cacheKey(base, { 'anthropic-beta': 'Interleaved-thinking-2025-05-14' }, scope), beta);
    assert.equal(cacheKey(base, { 'user-agent': 'claude-cli/2.0', 'x-switchyard-cache': 'refresh' }, scope), key);
  });

  it('misses on upper/lower case differences in prompts and tools', () => {
    const upper = structuredClone(base);
    (upper.messages[1]!.content[0] as { text: string }).text = 'weather in paris?';
    assert.notEqual(cacheKey(upper, {}, scope), cacheKey(base, {}, scope));
    const tool = structuredClone(base);
    (tool.tools![0] as { name: string }).name = 'Weather';
    assert.notEqual(cacheKey(tool, {}, scope), cacheKey(base, {}, scope));
  });

  it('classifies every canonical field (the type checker enforces it; this shows the split)', () => {
    const ignored = Object.entries(requestFieldClasses).filter(([, kind]) => kind === 'ignored').map(([field]) => field).sort();
    assert.deepEqual(ignored, ['model', 'stream', 'user']);
  });

  it('gives no false hit over 1,000+ pairs differing in one answer-affecting field (seeded fuzz)', () => {
    let seed = 0x5eed;
    const random = (): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const word = (): string => pick(['Paris', 'paris', 'PARIS', 'Lyon', 'x', 'X', ' x', 'x ', 'déjà', 'deja', '0', '1', '']);
    const mutations: Array<(request: CanonicalRequest) => void> = [
      (request) => (request.temperature = (request.temperature ?? 1) + pick([0.1, -0.1, 0.5, 1e-9])),
      (request) => (request.topP = random()),
      (request) => (request.topK = Math.floor(random() * 100) + 1),
      (request) => (request.seed = (request.seed ?? 0) + 1),
      (request) => (request.maxOutputTokens = (request.maxOutputTokens ?? 0) + 1),
      (request) => (request.presencePenalty = (request.presencePenalty ?? 0) + 0.5),
      (request) => (request.frequencyPenalty = (request.frequencyPenalty ?? 0) + 0.5),
      (request) => (request.stopSequences = [...(request.stopSequences ?? []), word() + '!']),
      (request) => (request.parallelToolCalls = !(request.parallelToolCalls ?? true)),
      (request) => (request.toolChoice = request.toolChoice?.type === 'required' ? { type: 'none' } : { type: 'required' }),
      (request) => (request.reasoning = { enabled: true, effort: request.reasoning?.effort === 'high' ? 'low' : 'high' }),
      (request) => (request.responseFormat = request.responseFormat?.type === 'json' ? { type: 'text' } : { type: 'json' }),
      (request) => (request.providerOptions = { ...request.providerOptions, anthropic: { thinking: { type: 'enabled', budget_tokens: Math.floor(random() * 9000) + 1024 } } }),
      (request) => (request.extraBody = { format: 'openai-chat', fields: { ...request.extraBody?.fields, logprobs: !(request.extraBody?.fields.logprobs ?? false) } }),
      (request) => ((request.messages[1]!.content[0] as { text: string }).text += word() || '?'),
      (request) => ((request.messages[0]!.content[0] as { text: string }).text = word() + (request.messages[0]!.content[0] as { text: string }).text),
      (request) => request.messages.push({ role: 'user', content: [{ type: 'text', text: word() }] }),
      (request) => ((request.tools![0] as { description?: string }).description += word() || '.'),
      (request) => ((request.tools![0] as { inputSchema: Record<string, unknown> }).inputSchema = { ...(request.tools![0] as { inputSchema: Record<string, unknown> }).inputSchema, additionalProperties: random() < 0.5 }),
      (request) => request.tools!.push({ type: 'function', name: `tool_${word()}`, inputSchema: {} }),
    ];
    let pairs = 0;
    let falseHits = 0;
    for (let round = 0; round < 1200; round++) {
      const left = structuredClone(base);
      // A random starting point, so fields are changed from set values as well as from unset ones.
      for (let step = Math.floor(random() * 3); step > 0; step--) pick(mutations)(left);
      const right = structuredClone(left);
      const mutation = pick(mutations);
      mutation(right);
      if (JSON.stringify(left) === JSON.stringify(right)) continue;
      pairs++;
      if (cacheKey(left, {}, scope) === cacheKey(right, {}, scope)) falseHits++;
    }
    assert.ok(pairs >= 1000, `${pairs} pairs`);
    assert.equal(falseHits, 0);
  });
});
