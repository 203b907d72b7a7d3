/** The benchmark cases: which client API, which body, streamed or not, passthrough or translated. */
import { anthropicBody, largeAnswerDeltas, largeAnswerMarker, openaiBody, replyDeltas, sourceCode, withUniqueMarker, type BodySize, type ClientApi } from './payloads';
import type { ExpectedAnswer } from './reply-check';
import { expectedDecisions, routedModels, type ExpectedDecision } from './routing-config';
import { streamEventCounts } from './upstream-replies';

/** A case whose Switchyard request is routed (by a rule, or by a model named like a route). */
export interface RoutedCase {
  strategy: 'fallback' | 'race';
  /** The name of the case that sends the same request unrouted, if it ran in this run. */
  unroutedCase: string;
  /** What the routed request's record must say. */
  expected: ExpectedDecision;
}

export interface BenchCase {
  name: string;
  /** Passthrough: client and provider speak the same API. Translation: Switchyard converts. */
  kind: 'passthrough' | 'translation';
  api: ClientApi;
  size: BodySize;
  stream: boolean;
  path: string;
  headers: Record<string, string>;
  /** Body sent to Switchyard. */
  body: string;
  /**
   * Body sent to the direct and bare targets; differs for translation (the model name) and for
   * routed cases, where it is the same request unrouted (which Switchyard's `unrouted` target
   * sends too).
   */
  floorBody: string;
  /** Body for a peer gateway that translates (translation cases): the model it should ask for. */
  peerBody?: string;
  /** Exact SSE events a client must receive, for passthrough streams. */
  expectedEvents?: number;
  /** Set for the routed cases, which also measure Switchyard with the request unrouted. */
  routing?: RoutedCase;
  /**
   * Set for the governed case: sent to a second Switchyard with 3 named keys (allow-list,
   * budget, rpm and tpm), 5 budgets, under one of those keys, against the plain Switchyard.
   */
  governed?: { ungovernedCase: string };
  /**
   * Set for the team case: sent to a Switchyard on PostgreSQL and Redis (local servers the bench
   * starts), with the solo Switchyard beside it, same request, interleaved (issue 12).
   */
  team?: { soloCase: string };
  /**
   * Set for the redaction cases: sent to a second Switchyard with redaction on (`redact`, every
   * detector) against the plain one, same request, interleaved; `findings` is how many values
   * the body holds (0: the no-findings path, where the call stays byte for byte).
   */
  redaction?: { findings: number };
  /**
   * Set for the response-cache cases: sent with the cache on (`body`, through a route with the
   * cache) against the same Switchyard with the cache off (`floorBody`), interleaved.
   */
  cache?: { outcome: 'miss' | 'hit' };
  /** The answer the reply must carry, when it is not the fake upstream's usual one. */
  answer?: ExpectedAnswer;
}

const openaiHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-openai-0000' };
const anthropicHeaders = {
  'content-type': 'application/json',
  'x-api-key': 'sk-ant-bench-0000',
  'anthropic-version': '2023-06-01',
};

function sizeLabel(size: BodySize): string {
  return size === '1k' ? '1 KB' : '80 KB';
}

/**
 * Every case, or those whose name contains one of the comma-separated parts of `filter` (or is
 * one, for a part starting with `=`), case-insensitive.
 */
export function buildCases(filter?: string): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const size of ['1k', '80k'] as const) {
    for (const stream of [false, true]) {
      const label = `${sizeLabel(size)} ${stream ? 'stream' : 'json'}`;
      const openai = openaiBody('gpt-4o-mini', size, stream);
      cases.push({
        name: `OpenAI → OpenAI ${label}`,
        kind: 'passthrough',
        api: 'openai',
        size,
        stream,
        path: '/v1/chat/completions',
        headers: openaiHeaders,
        body: openai,
        floorBody: openai,
        expectedEvents: stream ? streamEventCounts.openai : undefined,
      });
      const anthropic = anthropicBody('claude-sonnet-4-5', size, stream);
      cases.push({
        name: `Anthropic → Anthropic ${label}`,
        kind: 'passthrough',
        api: 'anthropic',
        size,
        stream,
        path: '/v1/messages',
        headers: anthropicHeaders,
        body: anthropic,
        floorBody: anthropic,
        expectedEvents: stream ? streamEventCounts.anthropic : undefined,
      });
    }
  }
  for (const size of ['1k', '80k'] as const) {
    cases.push({
      name: `Anthropic → compatible ${sizeLabel(size)} stream`,
      kind: 'translation',
      api: 'anthropic',
      size,
      stream: true,
      path: '/v1/messages',
      headers: anthropicHeaders,
      body: anthropicBody('fakecompat/bench-model', size, true),
      // The floor cannot translate: it forwards the same Anthropic request to /v1/messages.
      floorBody: anthropicBody('claude-sonnet-4-5', size, true),
      peerBody: anthropicBody('bench-model', size, true),
    });
  }
  cases.push(...routedCases(), ...cacheCases());
  const governed = openaiBody('gpt-4o-mini', '1k', false);
  cases.push({
    name: 'OpenAI → OpenAI 1 KB json, governed (3 keys, 5 budgets, rate limits)',
    kind: 'passthrough',
    api: 'openai',
    size: '1k',
    stream: false,
    path: '/v1/chat/completions',
    // The named key is created when the governed Switchyard starts, and set here then.
    headers: { ...openaiHeaders },
    body: governed,
    floorBody: governed,
    governed: { ungovernedCase: 'OpenAI → OpenAI 1 KB json' },
  });
  const team = openaiBody('gpt-4o-mini', '1k', false);
  cases.push({
    name: 'OpenAI → OpenAI 1 KB json, team (PostgreSQL + Redis)',
    kind: 'passthrough',
    api: 'openai',
    size: '1k',
    stream: false,
    path: '/v1/chat/completions',
    headers: { ...openaiHeaders },
    body: team,
    floorBody: team,
    team: { soloCase: 'OpenAI → OpenAI 1 KB json' },
  });
  cases.push(...redactionCases());
  // A filter that is one `=<name>` as a whole is that name, commas and all; otherwise parts are
  // separated by `,`, or by `;` when the filter has one (some names hold commas).
  const whole = filter?.trim().startsWith('=') ? cases.filter((benchCase) => caseMatches(benchCase.name, filter)) : [];
  if (whole.length > 0) return whole;
  const parts = filter?.split(filter.includes(';') ? ';' : ',').filter((part) => part.trim() !== '');
  if (parts === undefined || parts.length === 0) return cases;
  return cases.filter((benchCase) => parts.some((part) => caseMatches(benchCase.name, part)));
}

/**
 * Whether a case is meant by one part of a case filter, ignoring case: a part starting with `=`
 * is a whole name (`=OpenAI → OpenAI 1 KB json` without its routed, cached and feature
 * variants), any other part a piece of names.
 */
export function caseMatches(name: string, part: string): boolean {
  const wanted = part.trim().toLowerCase();
  const lowered = name.toLowerCase();
  return wanted.startsWith('=') ? lowered === wanted.slice(1).trim() : lowered.includes(wanted);
}

/**
 * The redaction cases (issue 11): a 1 KB and two 50 KB requests with nothing to find, and a 1 KB
 * one with an email address and an AWS key id in its user message (redacted on the way out,
 * restored in the answer). One 50 KB body is the 80 KB one with tools left out until it fits
 * (prose), the other a short chat with a source file in a tool result.
 */
function redactionCases(): BenchCase[] {
  const fifty = JSON.parse(openaiBody('gpt-4o-mini', '80k', false)) as { tools: unknown[] };
  while (JSON.stringify(fifty).length > 51_200 && fifty.tools.length > 0) fifty.tools.pop();
  const withFindings = JSON.parse(openaiBody('gpt-4o-mini', '1k', false)) as { messages: Array<{ content: string }> };
  // AWS's documented sample key id, assembled so no key-shaped literal sits in the source.
  const sampleAwsKeyId = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
  withFindings.messages.at(-1)!.content += ` Mail the report to jane.doe@acme-corp.io; the key is ${sampleAwsKeyId}.`;
  // What a coding agent sends more often than prose: a tool result holding a source file.
  // Digits, capitals, `=` and `:` are where the prefilter looks closer: a prose-only body flatters it.
  const code = JSON.parse(openaiBody('gpt-4o-mini', '1k', false)) as { messages: unknown[] };
  code.messages.push({ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'Read', arguments: '{"file_path":"proxy/pipeline/stages.ts"}' } }] }, { role: 'tool', tool_call_id: 'call_1', content: '' });
  const codeSkeleton = JSON.stringify(code).length;
  (code.messages.at(-1) as { content: string }).content = sourceCode(51_200 - codeSkeleton - 2_000, 17);
  const bodies: Array<[string, string, number]> = [
    ['1 KB json', openaiBody('gpt-4o-mini', '1k', false), 0],
    ['50 KB json', JSON.stringify(fifty), 0],
    ['50 KB json (source code)', JSON.stringify(code), 0],
    ['1 KB json', JSON.stringify(withFindings), 2],
  ];
  return bodies.map(([label, body, findings]) => ({
    name: `OpenAI → OpenAI ${label}, redaction on (${findings === 0 ? 'no findings' : `${findings} findings`})`,
    kind: 'passthrough' as const,
    api: 'openai' as const,
    size: label.startsWith('1 KB') ? ('1k' as const) : ('80k' as const),
    stream: false,
    path: '/v1/chat/completions',
    headers: openaiHeaders,
    body,
    floorBody: body,
    redaction: { findings },
  }));
}

/** Kilobytes of answer text in the cache-hit stream case. */
export const largeAnswerKilobytes = 100;

/**
 * The response-cache cases, each against the same Switchyard with the cache off, interleaved:
 * - **miss**: every request is a new question (a unique id at the start of its user text,
 *   replaced per request), so each one computes its key, looks it up, finds nothing, calls the
 *   provider and stores the answer: the true cost of a miss. Target ≤ 1.1× CPU/request.
 * - **hit**: the same request every time, answered from the cache after the warm-up's first
 *   request stored it; one with a 100 KB answer replayed as a stream (target < 5 ms p99, one at
 *   a time).
 * The cache-on requests go through route `cached` (`cached-anthropic`), the only routes with
 * the cache on; the cache-off ones through `uncached` (`uncached-anthropic`), the same route
 * with the cache off, so routing costs both sides the same.
 */
function cacheCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const size of ['1k', '80k'] as const) {
    cases.push({
      name: `OpenAI → OpenAI ${sizeLabel(size)} json, cache miss (unique requests)`,
      kind: 'passthrough',
      api: 'openai',
      size,
      stream: false,
      path: '/v1/chat/completions',
      headers: openaiHeaders,
      body: withUniqueMarker(openaiBody('cached', size, false)),
      floorBody: withUniqueMarker(openaiBody('uncached', size, false)),
      cache: { outcome: 'miss' },
    });
    cases.push({
      name: `Anthropic → Anthropic ${sizeLabel(size)} stream, cache miss (unique requests)`,
      kind: 'passthrough',
      api: 'anthropic',
      size,
      stream: true,
      path: '/v1/messages',
      headers: anthropicHeaders,
      body: withUniqueMarker(anthropicBody('cached-anthropic', size, true)),
      floorBody: withUniqueMarker(anthropicBody('uncached-anthropic', size, true)),
      expectedEvents: streamEventCounts.anthropic,
      cache: { outcome: 'miss' },
    });
  }
  cases.push({
    name: 'OpenAI → OpenAI 1 KB json, cache hit',
    kind: 'passthrough',
    api: 'openai',
    size: '1k',
    stream: false,
    path: '/v1/chat/completions',
    headers: openaiHeaders,
    body: openaiBody('cached', '1k', false),
    floorBody: openaiBody('uncached', '1k', false),
    cache: { outcome: 'hit' },
  });
  const large = largeAnswerDeltas(largeAnswerKilobytes);
  const withLargeAnswer = (body: string): string => body.replace('{', `{"user":"${largeAnswerMarker(largeAnswerKilobytes)}",`);
  cases.push({
    name: `OpenAI → OpenAI 1 KB stream, cache hit, ${largeAnswerKilobytes} KB answer`,
    kind: 'passthrough',
    api: 'openai',
    size: '1k',
    stream: true,
    path: '/v1/chat/completions',
    headers: openaiHeaders,
    body: withLargeAnswer(openaiBody('cached', '1k', true)),
    floorBody: withLargeAnswer(openaiBody('uncached', '1k', true)),
    expectedEvents: streamEventCounts.openai - replyDeltas.length + large.length,
    answer: { text: large.join(''), deltas: large.length },
    cache: { outcome: 'hit' },
  });
  return cases;
}

/**
 * The routing cases: each routed request against the same request unrouted, to the same
 * Switchyard in the same run. The fallback chains' first targets are healthy, so the
 * difference is the cost of routing; the race starts both targets at once.
 */
function routedCases(): BenchCase[] {
  const openaiJson = openaiBody('gpt-4o-mini', '1k', false);
  const anthropicStream = anthropicBody('claude-sonnet-4-5', '1k', true);
  const openaiStream = openaiBody('gpt-4o-mini', '1k', true);
  return [
    {
      name: 'OpenAI → OpenAI 1 KB json, routed (50 rules, fallback)',
      kind: 'passthrough',
      api: 'openai',
      size: '1k',
      stream: false,
      path: '/v1/chat/completions',
      headers: openaiHeaders,
      body: openaiBody(routedModels.openai, '1k', false),
      floorBody: openaiJson,
      routing: { strategy: 'fallback', unroutedCase: 'OpenAI → OpenAI 1 KB json', expected: expectedDecisions.openai },
    },
    {
      name: 'Anthropic → Anthropic 1 KB stream, routed (51 rules, fallback)',
      kind: 'passthrough',
      api: 'anthropic',
      size: '1k',
      stream: true,
      path: '/v1/messages',
      headers: anthropicHeaders,
      body: anthropicBody(routedModels.anthropic, '1k', true),
      floorBody: anthropicStream,
      expectedEvents: streamEventCounts.anthropic,
      routing: { strategy: 'fallback', unroutedCase: 'Anthropic → Anthropic 1 KB stream', expected: expectedDecisions.anthropic },
    },
    {
      name: 'OpenAI → OpenAI 1 KB stream, raced (hedge 0 ms)',
      kind: 'passthrough',
      api: 'openai',
      size: '1k',
      stream: true,
      path: '/v1/chat/completions',
      headers: openaiHeaders,
      body: openaiBody(routedModels.raced, '1k', true),
      floorBody: openaiStream,
      expectedEvents: streamEventCounts.openai,
      routing: { strategy: 'race', unroutedCase: 'OpenAI → OpenAI 1 KB stream', expected: expectedDecisions.raced },
    },
  ];
}
