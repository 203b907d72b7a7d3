/**
 * Realistic data for previewing the panel without VS Code or a proxy: thirty requests of the
 * kinds the router produces (plain calls, retries, fallbacks, a race, a split, cache hits,
 * failures), a config with routes, aliases and rules, and per-day totals for the charts.
 */
import type { AggregateRow, CallContent, ChartData, ConfigSnapshot, ReplayAnswer, RequestRecord } from '../../../webview/protocol';

type Shape = Omit<RequestRecord, 'id' | 'time'> & { ageSeconds: number };

const base = {
  stream: true,
  passthrough: true,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
} as const;

/** Thirty records, newest first, ending `now`. */
export function previewRecords(now: number): RequestRecord[] {
  const shapes: Shape[] = [
    {
      ...base,
      ageSeconds: 4,
      clientFormat: 'anthropic-messages',
      endpoint: '/v1/messages',
      keyId: 'key_3f9c2a7e41b05d86',
      keyLabel: 'VS Code',
      requestedModel: 'claude-sonnet-4-5',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      status: 200,
      inputTokens: 48_211,
      outputTokens: 1_204,
      cacheReadTokens: 45_880,
      cacheWriteTokens: 1_210,
      costUsd: 0.0374,
      timeToFirstTokenMs: 912,
      latencyMs: 14_320,
      redactions: { secrets: 2, email: 1 },
      decision: {
        via: 'rule',
        rule: { index: 0, name: 'claude-code' },
        route: 'smart',
        strategy: 'fallback',
        candidates: [
          { target: 'anthropic/claude-sonnet-4-5', outcome: 'tried', reason: 'first in order' },
          { target: 'openai/gpt-4.1', outcome: 'unused', reason: 'an earlier target answered' },
        ],
        attempts: [{ target: 'anthropic/claude-sonnet-4-5', status: 200, latencyMs: 912, outcome: 'won' }],
        winner: 'anthropic/claude-sonnet-4-5',
      },
    },
    {
      ...base,
      ageSeconds: 19,
      clientFormat: 'openai-chat',
      endpoint: '/v1/chat/completions',
      requestedModel: 'fast',
      provider: 'groq',
      model: 'llama-3.3-70b-versatile',
      status: 200,
      passthrough: false,
      inputTokens: 1_532,
      outputTokens: 412,
      costUsd: 0.00123,
      timeToFirstTokenMs: 188,
      latencyMs: 1_020,
      decision: {
        via: 'model',
        route: 'fast',
        strategy: 'race',
        candidates: [
          { target: 'groq/llama-3.3-70b-versatile', outcome: 'tried', reason: 'first in order' },
          { target: 'cerebras/llama-3.3-70b', outcome: 'tried', reason: 'hedged after 250 ms' },
        ],
        attempts: [
          { target: 'groq/llama-3.3-70b-versatile', status: 200, latencyMs: 188, outcome: 'won' },
          { target: 'cerebras/llama-3.3-70b', status: null, latencyMs: 41, outcome: 'cancelled', error: 'cancelled: another target answered first' },
        ],
        winner: 'groq/llama-3.3-70b-versatile',
      },
    },
    {
      ...base,
      ageSeconds: 47,
      clientFormat: 'anthropic-messages',
      endpoint: '/v1/messages',
      keyId: 'key_3f9c2a7e41b05d86',
      keyLabel: 'VS Code',
      requestedModel: 'claude-sonnet-4-5',
      provider: 'openai',
      model: 'gpt-4.1',
      status: 200,
      passthrough: false,
      inputTokens: 22_040,
      outputTokens: 880,
      costUsd: 0.0511,
      timeToFirstTokenMs: 9_410,
      latencyMs: 18_944,
      decision: {
        via: 'rule',
        rule: { index: 0, name: 'claude-code' },
        route: 'smart',
        strategy: 'fallback',
        candidates: [
          { target: 'anthropic/claude-sonnet-4-5', outcome: 'tried', reason: 'first in order' },
          { target: 'openai/gpt-4.1', outcome: 'tried', reason: 'next after a failure' },
        ],
        attempts: [
          { target: 'anthropic/claude-sonnet-4-5', status: 529, latencyMs: 2_811, outcome: 'failed', error: 'overloaded_error: Overloaded', retryDelayMs: 1_000 },
          { target: 'anthropic/claude-sonnet-4-5', status: 529, latencyMs: 3_102, outcome: 'failed', error: 'overloaded_error: Overloaded' },
          { target: 'openai/gpt-4.1', status: 200, latencyMs: 1_490, outcome: 'won' },
        ],
        winner: 'openai/gpt-4.1',
      },
    },
    {
      ...base,
      ageSeconds: 65,
      clientFormat: 'openai-responses',
      endpoint: '/v1/responses',
      requestedModel: 'gpt-5-mini',
      provider: 'openai',
      model: 'gpt-5-mini',
      status: 200,
      inputTokens: 8_420,
      outputTokens: 2_318,
      reasoningTokens: 1_536,
      costUsd: 0.00674,
      timeToFirstTokenMs: 3_980,
      latencyMs: 11_205,
      decision: {
        via: 'direct',
        strategy: 'direct',
        candidates: [{ target: 'openai/gpt-5-mini', outcome: 'tried', reason: 'named by the client' }],
        attempts: [{ target: 'openai/gpt-5-mini', status: 200, latencyMs: 3_980, outcome: 'won' }],
        winner: 'openai/gpt-5-mini',
      },
    },
    {
      ...base,
      ageSeconds: 90,
      clientFormat: 'openai-chat',
      endpoint: '/v1/chat/completions',
      requestedModel: 'ab-summaries',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      status: 200,
      passthrough: false,
      stream: false,
      inputTokens: 3_100,
      outputTokens: 290,
      costUsd: 0.00455,
      timeToFirstTokenMs: 1_450,
      latencyMs: 1_460,
      decision: {
        via: 'model',
        route: 'ab-summaries',
        strategy: 'split',
        candidates: [
          { target: 'anthropic/claude-haiku-4-5', outcome: 'tried', reason: 'weight 20/100, drawn' },
          { target: 'openai/gpt-4.1-mini', outcome: 'unused', reason: 'weight 80/100' },
        ],
        attempts: [{ target: 'anthropic/claude-haiku-4-5', status: 200, latencyMs: 1_450, outcome: 'won' }],
        winner: 'anthropic/claude-haiku-4-5',
      },
    },
    {
      ...base,
      ageSeconds: 130,
      clientFormat: 'openai-chat',
      endpoint: '/v1/chat/completions',
      requestedModel: 'gpt-4o',
      provider: 'openai',
      model: 'gpt-4o',
      status: 401,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: null,
      timeToFirstTokenMs: null,
      latencyMs: 212,
      error: 'OpenAI rejected the key …x9Qa (401 invalid_api_key). Set it again with "Switchyard: Set Provider Key".',
      decision: {
        via: 'direct',
        strategy: 'direct',
        candidates: [{ target: 'openai/gpt-4o', outcome: 'tried', reason: 'named by the client' }],
        attempts: [{ target: 'openai/gpt-4o', status: 401, latencyMs: 205, outcome: 'failed', error: 'invalid_api_key: Incorrect API key provided' }],
      },
    },
    {
      ...base,
      ageSeconds: 171,
      clientFormat: 'anthropic-messages',
      endpoint: '/v1/messages',
      keyId: 'key_3f9c2a7e41b05d86',
      keyLabel: 'VS Code',
      requestedModel: 'claude-opus-4-1',
      status: 503,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: null,
      timeToFirstTokenMs: null,
      latencyMs: 31_870,
      error: 'Every target of route "deep" failed: anthropic/claude-opus-4-1 (529 overloaded), openai/o3 (timeout after 30 s).',
      decision: {
        via: 'rule',
        rule: { index: 2, name: 'big-context' },
        route: 'deep',
        strategy: 'fallback',
        candidates: [
          { target: 'anthropic/claude-opus-4-1', outcome: 'tried', reason: 'first in order' },
          { target: 'openai/o3', outcome: 'tried', reason: 'next after a failure' },
          { target: 'gemini/gemini-2.5-pro', outcome: 'skipped', reason: 'open circuit' },
        ],
        attempts: [
          { target: 'anthropic/claude-opus-4-1', status: 529, latencyMs: 1_812, outcome: 'failed', error: 'overloaded_error: Overloaded', retryDelayMs: 2_000 },
          { target: 'anthropic/claude-opus-4-1', status: 529, latencyMs: 1_760, outcome: 'failed', error: 'overloaded_error: Overloaded' },
          { target: 'openai/o3', status: null, latencyMs: 30_000, outcome: 'failed', error: 'no first chunk within 30000 ms' },
        ],
      },
    },
    {
      ...base,
      ageSeconds: 240,
      clientFormat: 'gemini',
      endpoint: '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      requestedModel: 'gemini-2.5-flash',
      provider: 'gemini',
      model: 'gemini-2.5-flash',
      status: 200,
      inputTokens: 12_804,
      outputTokens: 1_022,
      cacheReadTokens: 8_192,
      reasoningTokens: 640,
      costUsd: 0.00352,
      timeToFirstTokenMs: 610,
      latencyMs: 4_780,
      decision: {
        via: 'direct',
        strategy: 'direct',
        candidates: [{ target: 'gemini/gemini-2.5-flash', outcome: 'tried', reason: 'named by the client' }],
        attempts: [{ target: 'gemini/gemini-2.5-flash', status: 200, latencyMs: 610, outcome: 'won' }],
        winner: 'gemini/gemini-2.5-flash',
      },
    },
    {
      ...base,
      ageSeconds: 300,
      clientFormat: 'openai-chat',
      endpoint: '/v1/chat/completions',
      requestedModel: 'gpt-4o-mini',
      provider: 'openai',
      model: 'gpt-4o-mini',
      status: 200,
      inputTokens: 2_210,
      outputTokens: 128,
      costUsd: 0.000408,
      timeToFirstTokenMs: 402,
      latencyMs: 1_130,
      decision: {
        via: 'header',
        route: 'cheap',
        strategy: 'cheapest',
        candidates: [
          { target: 'openai/gpt-4o-mini', outcome: 'tried', reason: 'cheaper' },
          { target: 'groq/llama-3.1-8b-instant', outcome: 'skipped', reason: 'disabled' },
        ],
        attempts: [
          { target: 'openai/gpt-4o-mini', status: 429, latencyMs: 120, outcome: 'failed', error: 'rate_limit_exceeded', retryDelayMs: 380 },
          { target: 'openai/gpt-4o-mini', status: 200, latencyMs: 402, outcome: 'won' },
        ],
        winner: 'openai/gpt-4o-mini',
      },
    },
    {
      ...base,
      ageSeconds: 310,
      clientFormat: 'openai-chat',
      endpoint: '/v1/chat/completions',
      keyId: 'key_3f9c2a7e41b05d86',
      keyLabel: 'VS Code',
      purpose: 'judge',
      parentId: 'req_judged0000001',
      requestedModel: 'anthropic/claude-haiku-4-5',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      status: 200,
      stream: false,
      passthrough: false,
      inputTokens: 2_310,
      outputTokens: 31,
      costUsd: 0.00247,
      timeToFirstTokenMs: 640,
      latencyMs: 702,
      decision: {
        via: 'direct',
        strategy: 'direct',
        candidates: [{ target: 'anthropic/claude-haiku-4-5', outcome: 'tried', reason: 'judge call' }],
        attempts: [{ target: 'anthropic/claude-haiku-4-5', status: 200, latencyMs: 640, outcome: 'won' }],
        winner: 'anthropic/claude-haiku-4-5',
      },
    },
  ];
  const fillers: Array<[string, string, string, number, number, number | null]> = [
    ['claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5', 31_000, 640, 0.0212],
    ['gpt-4o-mini', 'openai', 'gpt-4o-mini', 1_900, 220, 0.00042],
    ['fast', 'groq', 'llama-3.3-70b-versatile', 900, 310, 0.00078],
    ['claude-haiku-4-5', 'anthropic', 'claude-haiku-4-5', 6_400, 512, 0.0090],
    ['gemini-2.5-flash', 'gemini', 'gemini-2.5-flash', 4_100, 780, 0.00318],
    ['deepseek-chat', 'deepinfra', 'deepseek-ai/DeepSeek-V3', 3_000, 400, null],
  ];
  for (let index = 0; shapes.length < 30; index++) {
    const [requestedModel, provider, model, inputTokens, outputTokens, costUsd] = fillers[index % fillers.length];
    const anthropic = provider === 'anthropic';
    const cached = index % 4 === 1 && anthropic;
    shapes.push({
      ...base,
      ageSeconds: 320 + index * 173,
      clientFormat: anthropic ? 'anthropic-messages' : provider === 'gemini' ? 'gemini' : 'openai-chat',
      endpoint: anthropic ? '/v1/messages' : provider === 'gemini' ? '/v1beta/models/gemini-2.5-flash:generateContent' : '/v1/chat/completions',
      keyId: anthropic ? 'key_3f9c2a7e41b05d86' : undefined,
      keyLabel: anthropic ? 'VS Code' : undefined,
      requestedModel,
      provider,
      model,
      status: index === 13 ? 500 : 200,
      error: index === 13 ? 'upstream closed the stream early (after 0 bytes)' : undefined,
      inputTokens: inputTokens + ((index * 137) % 900),
      outputTokens: outputTokens + ((index * 61) % 300),
      cacheReadTokens: cached ? Math.round(inputTokens * 0.9) : 0,
      // Every fifth OpenAI call is answered from Switchyard's response cache: $0, what it saved.
      ...(provider === 'openai' && index % 5 === 1 ? { cache: 'hit' as const, savedUsd: costUsd ?? 0 } : provider === 'openai' ? { cache: 'miss' as const } : {}),
      costUsd: provider === 'openai' && index % 5 === 1 ? 0 : costUsd === null ? null : costUsd * (1 + (index % 5) / 10),
      timeToFirstTokenMs: index === 13 ? null : 300 + ((index * 211) % 1400),
      latencyMs: 900 + ((index * 977) % 9000),
      passthrough: !(requestedModel === 'fast'),
      decision:
        requestedModel === 'fast'
          ? {
              via: 'model',
              route: 'fast',
              strategy: 'race',
              candidates: [{ target: `${provider}/${model}`, outcome: 'tried', reason: 'first in order' }],
              attempts: [{ target: `${provider}/${model}`, status: 200, latencyMs: 240, outcome: 'won' }],
              winner: `${provider}/${model}`,
            }
          : {
              via: anthropic ? 'rule' : 'direct',
              rule: anthropic ? { index: 0, name: 'claude-code' } : undefined,
              route: anthropic ? 'smart' : undefined,
              strategy: anthropic ? 'fallback' : 'direct',
              candidates: [{ target: `${provider}/${model}`, outcome: 'tried', reason: anthropic ? 'first in order' : 'named by the client' }],
              attempts: [{ target: `${provider}/${model}`, status: index === 13 ? 500 : 200, latencyMs: 400, outcome: index === 13 ? 'failed' : 'won' }],
              winner: index === 13 ? undefined : `${provider}/${model}`,
            },
    });
  }
  return shapes.map(({ ageSeconds, ...shape }, index) => ({
    id: `req_${(now - ageSeconds * 1000).toString(36)}${index.toString(36).padStart(2, '0')}`,
    time: now - ageSeconds * 1000,
    ...toolFor(shape.clientFormat, index),
    ...shape,
  }));
}

/** The tools that make such calls, with the user agents they send. */
function toolFor(format: RequestRecord['clientFormat'], index: number): Pick<RequestRecord, 'tool' | 'toolVersion' | 'userAgent'> {
  switch (format) {
    case 'anthropic-messages':
      return index % 4 === 3
        ? { tool: 'Cline', toolVersion: '3.26.6', userAgent: 'Cline/3.26.6' }
        : { tool: 'Claude Code', toolVersion: '2.1.105', userAgent: 'claude-cli/2.1.105 (external, cli)' };
    case 'openai-responses':
      return { tool: 'Codex CLI', toolVersion: '0.46.0', userAgent: 'codex_cli_rs/0.46.0 (Mac OS 15.1.0; arm64) iTerm.app/3.5.10' };
    case 'gemini':
      return { tool: 'Gemini CLI', toolVersion: '0.1.5', userAgent: 'GeminiCLI/0.1.5 (darwin; arm64)' };
    default:
      return index % 3 === 0
        ? { tool: 'curl', toolVersion: '8.5.0', userAgent: 'curl/8.5.0' }
        : { tool: 'OpenAI SDK (JS)', toolVersion: '6.3.0', userAgent: 'OpenAI/JS 6.3.0' };
  }
}

/** A live request of the preview's ticker: a different one every second. */
export function previewLiveRecord(sequence: number, now: number): RequestRecord {
  const template = previewRecords(now)[sequence % 12];
  return { ...template, id: `req_live_${sequence}`, time: now, latencyMs: template.latencyMs + (sequence % 7) * 53 };
}

/** The config file the rules editor opens. */
export function previewConfig(file: string | undefined = '/home/dev/.config/Code/User/globalStorage/switchyard.switchyard/config.json'): ConfigSnapshot {
  return {
    file,
    problems: [],
    config: {
      providers: { cerebras: { models: ['llama-3.3-70b'] } },
      aliases: { cheap: 'openai/gpt-4o-mini', local: 'ollama/qwen2.5-coder:7b' },
      routes: {
        smart: { strategy: 'fallback', targets: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4.1'], retry: { attempts: 2 } },
        fast: { strategy: 'race', targets: ['groq/llama-3.3-70b-versatile', 'cerebras/llama-3.3-70b'], hedgeMs: 250 },
        deep: { strategy: 'fallback', targets: ['anthropic/claude-opus-4-1', 'openai/o3', 'gemini/gemini-2.5-pro'] },
        'ab-summaries': { strategy: 'split', targets: ['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5'], weights: [80, 20], judge: { model: 'openai/gpt-4.1', sample: 0.1 } },
      },
      rules: [
        { name: 'claude-code', match: { model: 'claude-sonnet-*', endpoint: '/v1/messages' }, route: 'smart' },
        { name: 'scripts-go-cheap', match: { clientKey: 'ci-bot', tools: false }, route: 'cheap' },
        { name: 'big-context', match: { minInputTokens: 150000 }, route: 'deep' },
        { match: { headers: { 'x-team': 'search' }, images: true }, route: 'gemini/gemini-2.5-flash' },
      ],
      disabledModels: ['groq/llama-3.1-8b-instant'],
      retentionDays: 30,
    },
  };
}

/**
 * Two weeks of daily totals ending today, every day present, with two quiet days in each week.
 * The quiet days are placed by their distance from today, not by the calendar: a fixture that
 * skipped real weekends left today (or the first day) without a bar on Fridays and Saturdays,
 * and the screenshot run waited for a bar that never came.
 */
export function previewCharts(now: number): ChartData {
  const days: AggregateRow[] = [];
  for (let back = 13; back >= 0; back--) {
    const date = new Date(now - back * 86_400_000);
    const quiet = back % 7 === 2 || back % 7 === 3;
    const requests = quiet ? 12 : 140 + ((back * 37) % 90);
    const key = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
    days.push({
      key,
      requests,
      errors: Math.round(requests * (back === 4 ? 0.09 : 0.02)),
      inputTokens: requests * 14_200,
      outputTokens: requests * 640,
      cacheReadTokens: requests * 9_100,
      cacheWriteTokens: requests * 400,
      reasoningTokens: requests * 120,
      costUsd: requests * (0.011 + ((back * 7) % 5) / 1000),
      unpricedRequests: back === 2 ? 6 : 0,
      refusedRequests: back === 1 ? 2 : 0,
      averageLatencyMs: 3_200 + ((back * 613) % 2_400) + (back === 4 ? 5_000 : 0),
      cacheHits: Math.round(requests * 0.1),
      cacheMisses: Math.round(requests * 0.3),
      cacheHitRate: 0.25,
      savedUsd: requests * 0.001,
      promptCacheSavedUsd: requests * 0.004,
      averageTimeToFirstTokenMs: 700 + ((back * 211) % 600),
    });
  }
  return { days, byProvider: splitDays(days, providerShares), byModel: splitDays(days, modelShares) };
}

/** How the fixture's spend divides between providers, and between models (eight: two go into "Other"). */
const providerShares: Array<[string, number]> = [['anthropic', 0.55], ['openai', 0.3], ['groq', 0.1], ['gemini', 0.05]];
const modelShares: Array<[string, number]> = [
  ['claude-sonnet-4-6', 0.4],
  ['gpt-4.1', 0.18],
  ['claude-haiku-4-5', 0.15],
  ['gpt-4o-mini', 0.12],
  ['llama-3.3-70b-versatile', 0.07],
  ['gemini-2.5-flash', 0.04],
  ['gpt-5-codex', 0.03],
  ['deepseek-chat', 0.01],
];

/** Each day's totals split by share into rows with a `subKey`, as `by=day&then=…` answers. */
function splitDays(days: readonly AggregateRow[], shares: ReadonlyArray<[string, number]>): AggregateRow[] {
  return days.flatMap((day, dayIndex) =>
    shares.map(([subKey, share], index) => {
      // The shares shift a little from day to day, so the stacks are not all alike.
      const wobble = 1 + (((dayIndex + index * 3) % 5) - 2) / 10;
      return { ...day, subKey, requests: Math.max(1, Math.round(day.requests * share)), costUsd: day.costUsd * share * wobble };
    }),
  );
}

/** What the audit log kept of the first request: a redacted `.env` pasted into Claude Code, and the answer. */
export function previewContent(record: RequestRecord): CallContent {
  return {
    requestId: record.id,
    time: record.time,
    format: 'anthropic-messages',
    endpoint: '/v1/messages',
    requestedModel: record.requestedModel,
    stream: true,
    target: { provider: record.provider ?? 'anthropic', model: record.model ?? 'claude-sonnet-4-5', passthrough: true },
    request: {
      model: record.requestedModel,
      max_tokens: 4096,
      system: [{ type: 'text', text: 'You are Claude Code, a coding agent. Escalate to <EMAIL_1> when stuck.' }],
      messages: [
        { role: 'user', content: 'Deploy fails with 403. Here is my .env:\nAWS_ACCESS_KEY_ID=<AWS_KEY_1>\nAWS_SECRET_ACCESS_KEY=<AWS_SECRET_1>\nREGION=eu-west-1' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'deploy.sh' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'aws s3 sync ./dist s3://site --profile prod' }] },
      ],
    },
    answer: {
      content: [{ type: 'text', text: 'The key <AWS_KEY_1> belongs to the profile "dev", but deploy.sh uses --profile prod. Either export the prod keys or drop --profile.' }],
      finishReason: 'stop',
      usage: { inputTokens: record.inputTokens, outputTokens: record.outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    },
  };
}

/** A replay of it with another model. */
export function previewReplay(): ReplayAnswer {
  return {
    model: 'openai/gpt-4.1',
    status: 200,
    text: 'deploy.sh runs with --profile prod while <AWS_KEY_1> is configured for dev. Run `aws configure --profile prod` or remove the flag.',
    costUsd: 0.0291,
    latencyMs: 6_840,
    requestId: 'req_preview_replay',
  };
}
