/**
 * Before a routed case is measured: one routed and one unrouted request through Switchyard,
 * and their records read back from the control API, so the numbers are known to be of the
 * routing the case claims (the right rule, route, strategy and winner; the unrouted request
 * routed nowhere) and not of a typo in the bench config.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import type { BenchCase } from './cases';
import type { ExpectedDecision } from './routing-config';

interface RecordedDecision {
  via?: string;
  rule?: { index?: number };
  route?: string;
  strategy?: string;
  attempts?: Array<{ target?: string; outcome?: string }>;
  winner?: string;
}

/** How long to wait for a finished request's record to be readable. */
const recordWaitMs = 2000;

async function send(dispatcher: Dispatcher, url: string, headers: Record<string, string>, body: string): Promise<string> {
  const reply = await request(url, { dispatcher, method: 'POST', headers, body });
  await reply.body.text();
  const id = reply.headers['x-switchyard-request-id'];
  if (reply.statusCode !== 200 || typeof id !== 'string') {
    throw new Error(`HTTP ${reply.statusCode}${typeof id === 'string' ? '' : ' without x-switchyard-request-id'}`);
  }
  return id;
}

async function readDecision(dispatcher: Dispatcher, switchyardUrl: string, controlToken: string, id: string): Promise<RecordedDecision> {
  const deadline = Date.now() + recordWaitMs;
  for (;;) {
    const reply = await request(`${switchyardUrl}/_switchyard/requests/${id}`, {
      dispatcher,
      headers: { 'x-switchyard-token': controlToken },
    });
    if (reply.statusCode === 200) {
      const record = (await reply.body.json()) as { decision?: RecordedDecision };
      if (record.decision === undefined) throw new Error(`record ${id} has no routing decision`);
      return record.decision;
    }
    const text = await reply.body.text();
    if (reply.statusCode !== 404 || Date.now() > deadline) throw new Error(`reading record ${id}: HTTP ${reply.statusCode} ${text.slice(0, 200)}`);
    await sleep(20);
  }
}

/** Where the recorded decision differs from the expected one; empty when it does not. */
function differences(recorded: RecordedDecision, expected: ExpectedDecision): string[] {
  const found: string[] = [];
  const compare = (field: string, actual: unknown, wanted: unknown): void => {
    if (wanted !== undefined && actual !== wanted) found.push(`${field} ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  };
  compare('via', recorded.via, expected.via);
  compare('rule', recorded.rule?.index, expected.ruleIndex);
  compare('route', recorded.route, expected.route);
  compare('strategy', recorded.strategy, expected.strategy);
  compare('winner', recorded.winner, expected.winner);
  // A race records its attempts as they end: the winner's first, the cancelled after it.
  const attempts = recorded.attempts ?? [];
  const outcomes = attempts.map((attempt) => attempt.outcome);
  compare('attempts', outcomes.join(','), expected.attempts.map((attempt) => attempt.outcome).join(','));
  expected.attempts.forEach((attempt, index) => compare(`attempt ${index + 1} target`, attempts[index]?.target, attempt.target));
  return found;
}

/**
 * Sends the case's routed request and the same request unrouted, and returns what their
 * records got wrong (empty when both went where they should).
 */
export async function checkRouting(
  dispatcher: Dispatcher,
  switchyardUrl: string,
  controlToken: string,
  benchCase: BenchCase,
  unrouted: ExpectedDecision,
): Promise<string[]> {
  const routing = benchCase.routing;
  if (routing === undefined) return [];
  const problems: string[] = [];
  const probes: Array<{ label: string; body: string; expected: ExpectedDecision }> = [
    { label: 'routed', body: benchCase.body, expected: routing.expected },
    { label: 'unrouted', body: benchCase.floorBody, expected: unrouted },
  ];
  for (const { label, body, expected } of probes) {
    try {
      const id = await send(dispatcher, switchyardUrl + benchCase.path, benchCase.headers, body);
      const decision = await readDecision(dispatcher, switchyardUrl, controlToken, id);
      for (const difference of differences(decision, expected)) problems.push(`${label} request: ${difference}`);
    } catch (error) {
      problems.push(`${label} request: ${(error as Error).message}`);
    }
  }
  return problems;
}
