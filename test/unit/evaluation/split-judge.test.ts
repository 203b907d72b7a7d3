import assert from 'node:assert/strict';
import { defaultRetry, defaultTimeouts, type RouteConfig } from '../../../proxy/config/config';
import { ProxyEvents } from '../../../proxy/events/proxy-events';
import type { CanonicalRequest } from '../../../proxy/core/request';
import type { CanonicalResponse } from '../../../proxy/core/response';
import { emptyUsage } from '../../../proxy/core/usage';
import { buildJudgeRequest, judgeSystemPrompt, renderAnswer, renderConversation } from '../../../proxy/evaluation/judge-prompt';
import type { CompletedCall, Judgement } from '../../../proxy/evaluation/split-judge';
import { parseVerdict } from '../../../proxy/evaluation/verdict';
import { TestJudge, type TestJudgeOptions } from './test-judge';

const mini = 'openai/gpt-5-mini';
const llama = 'groq/llama-3.3-70b-versatile';
const judgeModel = 'anthropic/claude-haiku-4-5';

function splitRoute(fields: Partial<RouteConfig> = {}): RouteConfig {
  return {
    strategy: 'split',
    targets: [mini, llama],
    weights: [90, 10],
    judge: { model: judgeModel, sample: 0.2 },
    retry: defaultRetry(),
    timeouts: defaultTimeouts(),
    ...fields,
  };
}

/** Random numbers in a fixed order; drawing one more than scripted fails the test. */
function scripted(...values: number[]): () => number {
  let index = 0;
  return () => {
    if (index >= values.length) throw new Error(`random() drawn ${index + 1} times, scripted ${values.length}`);
    return values[index++];
  };
}

function textResponse(text: string, fields: Partial<CanonicalResponse> = {}): CanonicalResponse {
  return { content: [{ type: 'text', text }], finishReason: 'stop', usage: emptyUsage(), ...fields };
}

const request: CanonicalRequest = {
  model: 'trial',
  stream: true,
  maxOutputTokens: 1024,
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'Answer briefly.' }] },
    { role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] },
  ],
};

interface Call {
  label: string;
  request: CanonicalRequest;
}

/**
 * A fake `completeCanonical`: the shadow arm answers `shadowText`, the judge answers
 * `verdict`. Labels resolve to themselves unless `resolve` says otherwise.
 */
function fakeComplete(options: { verdict: string | Error; shadow?: CanonicalResponse | Error; resolve?: Record<string, string> }): {
  calls: Call[];
  complete: TestJudgeOptions['complete'];
} {
  const calls: Call[] = [];
  const complete = async (label: string, callRequest: CanonicalRequest): Promise<CompletedCall> => {
    calls.push({ label, request: callRequest });
    const target = options.resolve?.[label] ?? label;
    if (label === judgeModel) {
      if (options.verdict instanceof Error) throw options.verdict;
      return { target, response: textResponse(options.verdict), costUsd: 0.0004, latencyMs: 800 };
    }
    const shadow = options.shadow ?? textResponse('Paris, obviously.');
    if (shadow instanceof Error) throw shadow;
    return { target, response: shadow, costUsd: 0.0021, latencyMs: 1200 };
  };
  return { calls, complete };
}

function judgements(events: ProxyEvents): Judgement[] {
  const seen: Judgement[] = [];
  events.on('judgement', (judgement) => seen.push(judgement));
  return seen;
}

/** Lets fakes that answer at once run to the end of a judgement. */
async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setImmediate(resolve));
}

function judgeInput(fields: { served?: CanonicalResponse; servedTarget?: string; route?: RouteConfig; requestId?: string } = {}) {
  return {
    routeName: 'trial',
    route: fields.route ?? splitRoute(),
    requestId: fields.requestId ?? 'req_7',
    request,
    servedTarget: fields.servedTarget ?? mini,
    served: fields.served ?? textResponse('The capital of France is Paris.'),
  };
}

function userPrompt(call: Call): string {
  const user = call.request.messages[1];
  assert.equal(user.role, 'user');
  const part = user.content[0];
  assert.equal(part.type, 'text');
  return part.text;
}

describe('SplitJudge', () => {
  describe('wantsAnswer', () => {
    it('samples at the route judge rate with one draw per request', () => {
      const judge = new TestJudge({ complete: fakeComplete({ verdict: '' }).complete, random: scripted(0, 0.19, 0.2, 0.9), log: () => {} });
      const route = splitRoute();
      assert.deepEqual([judge.wantsAnswer(route), judge.wantsAnswer(route), judge.wantsAnswer(route), judge.wantsAnswer(route)], [true, true, false, false]);
    });

    it('never wants an answer for a route without a judge, and draws nothing', () => {
      const judge = new TestJudge({ complete: fakeComplete({ verdict: '' }).complete, random: scripted(), log: () => {} });
      assert.equal(judge.wantsAnswer(splitRoute({ judge: undefined })), false);
    });

    it('judges everything at sample 1 and nothing at sample 0', () => {
      const judge = new TestJudge({ complete: fakeComplete({ verdict: '' }).complete, random: scripted(0.999, 0), log: () => {} });
      assert.equal(judge.wantsAnswer(splitRoute({ judge: { model: judgeModel, sample: 1 } })), true);
      assert.equal(judge.wantsAnswer(splitRoute({ judge: { model: judgeModel, sample: 0 } })), false);
    });
  });

  describe('judge', () => {
    it('calls the other arm without streaming, then the judge with the served answer as A', async () => {
      const events = new ProxyEvents();
      const seen = judgements(events);
      const fake = fakeComplete({ verdict: '{"winner":"B","reason":"B is terser."}' });
      const judge = new TestJudge({ complete: fake.complete, random: scripted(0.3), log: () => {}, events });
      judge.judge(judgeInput());
      await settle();

      assert.deepEqual(
        fake.calls.map((call) => call.label),
        [llama, judgeModel],
      );
      assert.deepEqual(fake.calls[0].request, { ...request, stream: false });
      assert.equal(request.stream, true, 'the client request is not changed');

      const judgeRequest = fake.calls[1].request;
      assert.equal(judgeRequest.model, judgeModel);
      assert.equal(judgeRequest.stream, false);
      assert.equal(judgeRequest.temperature, 0);
      assert.equal(judgeRequest.maxOutputTokens, 300);
      assert.deepEqual(judgeRequest.messages[0], { role: 'system', content: [{ type: 'text', text: judgeSystemPrompt }] });
      assert.equal(
        userPrompt(fake.calls[1]),
        '<conversation>\n[system]\nAnswer briefly.\n[user]\nWhat is the capital of France?\n</conversation>\n\n' +
          '<answer_a>\nThe capital of France is Paris.\n</answer_a>\n\n' +
          '<answer_b>\nParis, obviously.\n</answer_b>\n\n' +
          'Which answer is better? Reply with the JSON verdict only.',
      );

      assert.equal(seen.length, 1);
      assert.equal(typeof seen[0].time, 'number');
      assert.deepEqual(
        { ...seen[0], time: 0 },
        {
          requestId: 'req_7',
          route: 'trial',
          served: mini,
          shadow: llama,
          winner: llama,
          reason: 'B is terser.',
          judgeModel,
          shadowCostUsd: 0.0021,
          judgeCostUsd: 0.0004,
          time: 0,
        },
      );
      const [stats] = judge.stats();
      assert.deepEqual(
        stats.arms.map((arm) => [arm.target, arm.wins, arm.losses, arm.ties, arm.judged, arm.winRate]),
        [
          [mini, 0, 1, 0, 1, 0],
          [llama, 1, 0, 0, 1, 1],
        ],
      );
    });

    it('maps the verdict back when the served answer is shown second', async () => {
      const cases: Array<[verdict: string, winner: string]> = [
        ['{"winner":"A","reason":"A is right."}', llama],
        ['{"winner":"B","reason":"B is right."}', mini],
      ];
      for (const [verdict, winner] of cases) {
        const events = new ProxyEvents();
        const seen = judgements(events);
        const fake = fakeComplete({ verdict });
        const judge = new TestJudge({ complete: fake.complete, random: scripted(0.5), log: () => {}, events });
        judge.judge(judgeInput());
        await settle();
        assert.match(userPrompt(fake.calls[1]), /<answer_a>\nParis, obviously\.\n<\/answer_a>\n\n<answer_b>\nThe capital of France is Paris\.\n<\/answer_b>/);
        assert.equal(seen[0].winner, winner, verdict);
        const wins = Object.fromEntries(judge.stats()[0].arms.map((arm) => [arm.target, [arm.wins, arm.losses]]));
        assert.deepEqual(wins, winner === mini ? { [mini]: [1, 0], [llama]: [0, 1] } : { [mini]: [0, 1], [llama]: [1, 0] });
      }
    });

    it('counts a tie for both arms, at half a win each', async () => {
      const events = new ProxyEvents();
      const seen = judgements(events);
      const judge = new TestJudge({ complete: fakeComplete({ verdict: '{"winner":"tie","reason":"Both say Paris."}' }).complete, random: scripted(0.1), log: () => {}, events });
      judge.judge(judgeInput());
      await settle();
      assert.equal(seen[0].winner, 'tie');
      const [stats] = judge.stats();
      assert.equal(stats.judged, 1);
      assert.deepEqual(
        stats.arms.map((arm) => [arm.ties, arm.judged, arm.winRate]),
        [
          [1, 1, 0.5],
          [1, 1, 0.5],
        ],
      );
    });

    it('records an unreadable verdict as invalid without scoring the arms', async () => {
      const events = new ProxyEvents();
      const seen = judgements(events);
      const logged: string[] = [];
      const judge = new TestJudge({
        complete: fakeComplete({ verdict: 'I think both are fine answers.' }).complete,
        random: scripted(0.1),
        log: (message) => logged.push(message),
        events,
      });
      judge.judge(judgeInput());
      await settle();
      assert.equal(seen[0].winner, 'invalid');
      assert.equal(seen[0].reason, "No verdict in the judge's answer: I think both are fine answers.");
      const [stats] = judge.stats();
      assert.deepEqual([stats.judged, stats.invalidVerdicts, stats.judgeErrors, stats.judgeCostUsd, stats.shadowCostUsd], [0, 1, 0, 0.0004, 0.0021]);
      assert.deepEqual(
        stats.arms.map((arm) => [arm.judged, arm.winRate]),
        [
          [0, null],
          [0, null],
        ],
      );
      assert.deepEqual(logged, []);
    });

    it('reads only the text of a judge that reasons first', async () => {
      const events = new ProxyEvents();
      const seen = judgements(events);
      const complete: TestJudgeOptions['complete'] = async (label) => ({
        target: label,
        response:
          label === judgeModel
            ? { content: [{ type: 'reasoning', text: 'Maybe {"winner":"B"}?' }, { type: 'text', text: '{"winner":"A","reason":"Correct."}' }], finishReason: 'stop', usage: emptyUsage() }
            : textResponse('Lyon.'),
        costUsd: null,
        latencyMs: 10,
      });
      const judge = new TestJudge({ complete, random: scripted(0.1), log: () => {}, events });
      judge.judge(judgeInput());
      await settle();
      assert.deepEqual([seen[0].winner, seen[0].shadowCostUsd, seen[0].judgeCostUsd], [mini, null, null]);
      assert.deepEqual([judge.stats()[0].shadowCostUsd, judge.stats()[0].judgeCostUsd], [0, 0]);
    });

    it('logs and counts a failed shadow call, throws nothing and asks no judge', async () => {
      const events = new ProxyEvents();
      const seen = judgements(events);
      const logged: string[] = [];
      const fake = fakeComplete({ verdict: '{"winner":"A"}', shadow: new Error('groq answered 503: over capacity') });
      const judge = new TestJudge({ complete: fake.complete, random: scripted(0.1), log: (message) => logged.push(message), events });
      assert.doesNotThrow(() => judge.judge(judgeInput()));
      await settle();
      assert.deepEqual(fake.calls.map((call) => call.label), [llama]);
      assert.deepEqual(logged, [`split judge: shadow call to ${llama} for route 'trial' failed: groq answered 503: over capacity`]);
      assert.equal(seen.length, 0);
      assert.equal(judge.stats()[0].judgeErrors, 1);
    });

    it('logs and counts a failed judge call, keeping the shadow cost', async () => {
      const logged: string[] = [];
      const fake = fakeComplete({ verdict: new Error('anthropic answered 429: rate limited') });
      const judge = new TestJudge({ complete: fake.complete, random: scripted(0.1), log: (message) => logged.push(message) });
      judge.judge(judgeInput());
      await settle();
      assert.deepEqual(logged, [`split judge: judge call to ${judgeModel} for route 'trial' failed: anthropic answered 429: rate limited`]);
      const [stats] = judge.stats();
      assert.deepEqual([stats.judgeErrors, stats.shadowCostUsd, stats.judgeCostUsd, stats.judgingCostUsd, stats.judged], [1, 0.0021, 0, 0.0021, 0]);
    });

    it('does nothing for a route without a judge', async () => {
      const fake = fakeComplete({ verdict: '{"winner":"A"}' });
      const judge = new TestJudge({ complete: fake.complete, random: scripted(), log: () => {} });
      judge.judge(judgeInput({ route: splitRoute({ judge: undefined }) }));
      await settle();
      assert.deepEqual(fake.calls, []);
      assert.deepEqual(judge.stats(), []);
    });

    it('takes the first target when the served label matches none, and gives up when it resolves to the served model', async () => {
      const logged: string[] = [];
      const fake = fakeComplete({ verdict: '{"winner":"A"}', resolve: { fast: mini } });
      const judge = new TestJudge({ complete: fake.complete, random: scripted(0.1), log: (message) => logged.push(message) });
      judge.judge(judgeInput({ route: splitRoute({ targets: ['fast', llama] }) }));
      await settle();
      assert.deepEqual(fake.calls.map((call) => call.label), ['fast']);
      assert.deepEqual(logged, [`split judge: route 'trial': the other arm 'fast' is the served model ${mini}; nothing to compare.`]);
      assert.equal(judge.stats()[0].judgeErrors, 1);
    });

    it('names arms by the resolved target of an aliased shadow arm', async () => {
      const events = new ProxyEvents();
      const seen = judgements(events);
      const fake = fakeComplete({ verdict: '{"winner":"B"}', resolve: { 'llama-alias': llama } });
      const judge = new TestJudge({ complete: fake.complete, random: scripted(0.1), log: () => {}, events });
      judge.judge(judgeInput({ route: splitRoute({ targets: [mini, 'llama-alias'] }) }));
      await settle();
      assert.deepEqual([seen[0].shadow, seen[0].winner], [llama, llama]);
    });

    it('picks one of several other arms at random', async () => {
      const gemini = 'gemini/gemini-2.5-flash';
      const fake = fakeComplete({ verdict: '{"winner":"A"}' });
      const judge = new TestJudge({ complete: fake.complete, random: scripted(0.6, 0.1, 0.4, 0.1), log: () => {} });
      const route = splitRoute({ targets: [mini, llama, gemini], weights: [1, 1, 1] });
      judge.judge(judgeInput({ route }));
      await settle();
      judge.judge(judgeInput({ route, servedTarget: gemini }));
      await settle();
      assert.deepEqual(fake.calls.map((call) => call.label), [gemini, judgeModel, mini, judgeModel]);
    });

    it('has no other arm to call on a one-target route', async () => {
      const logged: string[] = [];
      const fake = fakeComplete({ verdict: '{"winner":"A"}' });
      const judge = new TestJudge({ complete: fake.complete, random: scripted(), log: (message) => logged.push(message) });
      judge.judge(judgeInput({ route: splitRoute({ targets: [mini], weights: [1] }) }));
      await settle();
      assert.deepEqual(fake.calls, []);
      assert.equal(judge.stats()[0].judgeErrors, 1);
      assert.deepEqual(logged, [`split judge: route 'trial' has no arm besides ${mini} to compare with.`]);
    });
  });

  describe('concurrency', () => {
    it('drops judgements beyond maxConcurrent and counts them, taking more once one ends', async () => {
      const pending: Array<(call: CompletedCall) => void> = [];
      const labels: string[] = [];
      const complete: TestJudgeOptions['complete'] = (label) => {
        labels.push(label);
        return new Promise((resolve) => pending.push(resolve));
      };
      const judge = new TestJudge({ complete, random: scripted(0.1, 0.1, 0.1), log: () => {}, maxConcurrent: 2 });
      judge.judge(judgeInput({ requestId: 'req_1' }));
      judge.judge(judgeInput({ requestId: 'req_2' }));
      judge.judge(judgeInput({ requestId: 'req_3' }));
      assert.deepEqual(labels, [llama, llama]);
      assert.equal(judge.stats()[0].dropped, 1);

      pending[0]({ target: llama, response: textResponse('Paris.'), costUsd: 0.001, latencyMs: 5 });
      await settle();
      assert.deepEqual(labels, [llama, llama, judgeModel]);
      pending[2]({ target: judgeModel, response: textResponse('{"winner":"tie"}'), costUsd: 0.0001, latencyMs: 5 });
      await settle();

      judge.judge(judgeInput({ requestId: 'req_4' }));
      assert.deepEqual(labels, [llama, llama, judgeModel, llama]);
      assert.equal(judge.stats()[0].dropped, 1);
      assert.equal(judge.stats()[0].judged, 1);
    });

    it('frees the slot of a judgement that failed', async () => {
      let fail = true;
      const complete: TestJudgeOptions['complete'] = async (label) => {
        if (fail) throw new Error('connect ECONNREFUSED');
        return { target: label, response: textResponse('{"winner":"A"}'), costUsd: 0, latencyMs: 1 };
      };
      const judge = new TestJudge({ complete, random: scripted(0.1, 0.1), log: () => {}, maxConcurrent: 1 });
      judge.judge(judgeInput());
      await settle();
      fail = false;
      judge.judge(judgeInput());
      await settle();
      const [stats] = judge.stats();
      assert.deepEqual([stats.judgeErrors, stats.dropped, stats.judged], [1, 0, 1]);
    });
  });

  describe('stats', () => {
    it('tallies requests, errors, cost and latency per route and arm', () => {
      const judge = new TestJudge({ complete: fakeComplete({ verdict: '' }).complete, random: scripted(), log: () => {} });
      judge.recordServed('trial', mini, { ok: true, costUsd: 0.001, latencyMs: 1000, timeToFirstTokenMs: 300 });
      judge.recordServed('trial', mini, { ok: true, costUsd: 0.003, latencyMs: 2001, timeToFirstTokenMs: null });
      judge.recordServed('trial', mini, { ok: false, costUsd: null, latencyMs: 50, timeToFirstTokenMs: null });
      judge.recordServed('trial', llama, { ok: true, costUsd: null, latencyMs: 400, timeToFirstTokenMs: 100 });
      judge.recordServed('other', llama, { ok: false, costUsd: 0.0005, latencyMs: 9000, timeToFirstTokenMs: 2000 });

      assert.deepEqual(judge.stats(), [
        {
          route: 'trial',
          arms: [
            {
              target: mini,
              requests: 3,
              errors: 1,
              costUsd: 0.004,
              unpricedRequests: 1,
              averageCostUsd: 0.002,
              averageLatencyMs: 1501,
              averageTimeToFirstTokenMs: 300,
              judged: 0,
              wins: 0,
              losses: 0,
              ties: 0,
              winRate: null,
            },
            {
              target: llama,
              requests: 1,
              errors: 0,
              costUsd: 0,
              unpricedRequests: 1,
              averageCostUsd: null,
              averageLatencyMs: 400,
              averageTimeToFirstTokenMs: 100,
              judged: 0,
              wins: 0,
              losses: 0,
              ties: 0,
              winRate: null,
            },
          ],
          judged: 0,
          invalidVerdicts: 0,
          judgeErrors: 0,
          dropped: 0,
          shadowCostUsd: 0,
          judgeCostUsd: 0,
          judgingCostUsd: 0,
        },
        {
          route: 'other',
          arms: [
            {
              target: llama,
              requests: 1,
              errors: 1,
              costUsd: 0.0005,
              unpricedRequests: 0,
              averageCostUsd: 0.0005,
              averageLatencyMs: null,
              averageTimeToFirstTokenMs: null,
              judged: 0,
              wins: 0,
              losses: 0,
              ties: 0,
              winRate: null,
            },
          ],
          judged: 0,
          invalidVerdicts: 0,
          judgeErrors: 0,
          dropped: 0,
          shadowCostUsd: 0,
          judgeCostUsd: 0,
          judgingCostUsd: 0,
        },
      ]);
    });

    it('computes win rates over wins, losses and half ties', async () => {
      const verdicts = ['{"winner":"A"}', '{"winner":"A"}', '{"winner":"B"}', '{"winner":"tie"}'];
      let next = 0;
      const complete: TestJudgeOptions['complete'] = async (label) => ({
        target: label,
        response: textResponse(label === judgeModel ? verdicts[next++] : 'Paris.'),
        costUsd: 0.25,
        latencyMs: 1,
      });
      // The served answer is A every time: served wins 2, loses 1, ties 1.
      const judge = new TestJudge({ complete, random: scripted(0, 0, 0, 0), log: () => {} });
      for (let index = 0; index < verdicts.length; index++) {
        judge.judge(judgeInput());
        await settle();
      }
      const [stats] = judge.stats();
      assert.deepEqual(
        stats.arms.map((arm) => [arm.target, arm.wins, arm.losses, arm.ties, arm.judged, arm.winRate]),
        [
          [mini, 2, 1, 1, 4, 0.625],
          [llama, 1, 2, 1, 4, 0.375],
        ],
      );
      assert.deepEqual([stats.judged, stats.shadowCostUsd, stats.judgeCostUsd, stats.judgingCostUsd], [4, 1, 1, 2]);
    });
  });
});

describe('parseVerdict', () => {
  const cases: Array<[name: string, text: string, winner: string, reason: string]> = [
    ['bare JSON', '{"winner":"A","reason":"More accurate."}', 'A', 'More accurate.'],
    ['a json fence', '```json\n{\n  "winner": "B",\n  "reason": "Follows the format."\n}\n```', 'B', 'Follows the format.'],
    ['a bare fence', '```\n{"winner": "tie", "reason": "Same content."}\n```', 'tie', 'Same content.'],
    ['prose around it', 'Here is my verdict: {"winner": "B", "reason": "Cites the docs."} Hope that helps.', 'B', 'Cites the docs.'],
    ['lower case', '{"winner":"a","reason":"ok"}', 'A', 'ok'],
    ['"Answer B"', '{"winner":"Answer B","reason":"ok"}', 'B', 'ok'],
    ['upper-case TIE', '{"winner":"TIE"}', 'tie', ''],
    ['braces inside the reason', '{"winner":"A","reason":"Uses {braces} and \\"quotes\\" right."}', 'A', 'Uses {braces} and "quotes" right.'],
    ['a nested verdict', '{"verdict":{"winner":"B","reason":"Nested."}}', 'B', 'Nested.'],
    ['an earlier object without a verdict', 'Schema {"type":"object"} then {"winner":"A","reason":"x"}', 'A', 'x'],
    ['a verdict cut off by the output limit', '{"winner": "B", "reason": "Answer B handles the \\"edge\\" case and A mis', 'B', 'Answer B handles the "edge" case and A mis'],
    ['a reason that is not text', '{"winner":"A","reason":42}', 'A', ''],
  ];
  for (const [name, text, winner, reason] of cases) {
    it(`reads ${name}`, () => {
      assert.deepEqual(parseVerdict(text), { winner, reason });
    });
  }

  it('calls anything else invalid, quoting the start of the answer', () => {
    assert.deepEqual(parseVerdict('Both answers are good.'), { winner: 'invalid', reason: "No verdict in the judge's answer: Both answers are good." });
    assert.deepEqual(parseVerdict('{"winner":"C","reason":"?"}'), { winner: 'invalid', reason: `No verdict in the judge's answer: {"winner":"C","reason":"?"}` });
    assert.deepEqual(parseVerdict('{"best":"A"}'), { winner: 'invalid', reason: `No verdict in the judge's answer: {"best":"A"}` });
    assert.deepEqual(parseVerdict('  '), { winner: 'invalid', reason: 'The judge gave an empty answer.' });
    assert.equal(parseVerdict('x'.repeat(1000)).reason.length, "No verdict in the judge's answer: ".length + 200);
  });

  it('keeps a long reason to 500 characters', () => {
    assert.equal(parseVerdict(JSON.stringify({ winner: 'A', reason: 'y'.repeat(2000) })).reason, 'y'.repeat(500));
  });
});

describe('judge prompt', () => {
  it('renders roles, text, tool calls and results, images and files compactly', () => {
    const conversation: CanonicalRequest = {
      model: 'trial',
      stream: false,
      tools: [
        { type: 'function', name: 'get_weather', inputSchema: { type: 'object' } },
        { type: 'provider', api: 'anthropic-messages', name: 'web_search', raw: { type: 'web_search_20250305', name: 'web_search' } },
      ],
      messages: [
        { role: 'system', variant: 'developer', content: [{ type: 'text', text: 'Be exact.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather where this photo was taken?' },
            { type: 'file', mediaType: 'image/jpeg', data: { type: 'base64', data: 'AAAA' } },
            { type: 'file', mediaType: 'application/pdf', data: { type: 'url', url: 'https://example.com/a.pdf' }, filename: 'trip.pdf' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'The photo shows the Eiffel Tower.', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool-call', id: 'call_1', name: 'get_weather', input: '{"city":"Paris"}' },
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool-result', toolCallId: 'call_1', toolName: 'get_weather', content: [{ type: 'text', text: '18°C, clear' }] },
            { type: 'tool-result', toolCallId: 'call_2', content: [{ type: 'text', text: 'timeout' }], isError: true },
          ],
        },
      ],
    };
    assert.equal(
      renderConversation(conversation),
      [
        '[tools offered: get_weather, web_search]',
        '[developer]',
        'Be exact.',
        '[user]',
        'Weather where this photo was taken?',
        '[image]',
        '[file trip.pdf]',
        '[assistant]',
        'Checking.',
        '[tool call get_weather {"city":"Paris"}]',
        '[tool]',
        '[tool result get_weather]',
        '18°C, clear',
        '[tool result call_2 (error)]',
        'timeout',
      ].join('\n'),
    );
  });

  it('keeps the latest turns of a long conversation and elides long texts in the middle', () => {
    const long = 'x'.repeat(20_000);
    const messages: CanonicalRequest['messages'] = [{ role: 'system', content: [{ type: 'text', text: `${'s'.repeat(7000)}END` }] }];
    for (let index = 0; index < 10; index++) messages.push({ role: 'user', content: [{ type: 'text', text: `${index}${long}` }] });
    const rendered = renderConversation({ model: 'trial', stream: false, messages });
    const lines = rendered.split('\n');
    assert.equal(lines[0], '[system]');
    assert.ok(lines[1].startsWith('s'.repeat(3600)));
    assert.equal(lines[2], '…[1003 characters omitted]…');
    assert.ok(lines[3].endsWith('END'));
    // Each rendered user turn is about 8 kB, so five fit in the 48 kB budget.
    assert.equal(lines[4], '[5 earlier messages omitted]');
    assert.equal(lines[5], '[user]');
    assert.ok(lines[6].startsWith('5xxx'));
    assert.equal(rendered.split('[user]').length - 1, 5);
  });

  it('renders an answer with its tool calls, a cut-off note, and nothing of its reasoning', () => {
    assert.equal(
      renderAnswer({
        content: [
          { type: 'reasoning', text: 'hidden' },
          { type: 'text', text: 'Let me look.' },
          { type: 'tool-call', id: 'call_9', name: 'read_file', input: '{"path":"a.ts"}' },
        ],
        finishReason: 'length',
        usage: emptyUsage(),
      }),
      'Let me look.\n[tool call read_file {"path":"a.ts"}]\n[the answer was cut off at the output token limit]',
    );
    assert.equal(renderAnswer(textResponse('')), '(empty answer)');
  });

  it('gives a reasoning judge model low effort and room instead of a temperature', () => {
    const reasoning = buildJudgeRequest('openai/gpt-5-mini', request, textResponse('a'), textResponse('b'));
    assert.deepEqual([reasoning.temperature, reasoning.reasoning, reasoning.maxOutputTokens], [undefined, { enabled: true, effort: 'low' }, 4300]);
    const thinking = buildJudgeRequest('gemini/gemini-2.5-flash', request, textResponse('a'), textResponse('b'));
    assert.deepEqual([thinking.temperature, thinking.reasoning, thinking.maxOutputTokens], [0, undefined, 4300]);
    const plain = buildJudgeRequest(judgeModel, request, textResponse('a'), textResponse('b'));
    assert.deepEqual([plain.temperature, plain.reasoning, plain.maxOutputTokens, plain.stream], [0, undefined, 300, false]);
  });
});
