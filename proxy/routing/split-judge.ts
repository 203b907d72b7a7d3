import type { RouteConfig } from '../config/config';
import type { ProxyEvents } from '../control/events';
import type { CanonicalRequest, FilePart, Message, TextPart, ToolResultPart } from '../core/request';
import type { CanonicalResponse } from '../core/response';
import type { CompletedCall } from '../pipeline/complete';
import { isReasoningModel } from '../providers/openai-responses/responses-options';

/** One arm of a split route: what it served and how the judge rated it. */
export interface SplitArmStats {
  /** The arm as `provider/model`, as the pipeline labels the served target. */
  target: string;
  /** Finished requests this arm served, failed ones included. */
  requests: number;
  errors: number;
  /** Total cost of the requests with a known price, in USD. */
  costUsd: number;
  /** Requests whose cost is unknown (no price for the model); left out of `costUsd`. */
  unpricedRequests: number;
  /** `costUsd` over the priced requests; null before the first. */
  averageCostUsd: number | null;
  /** Over successful requests only: a failure's latency is time to the failure. Whole ms. */
  averageLatencyMs: number | null;
  /** Over successful requests that reported a first token. Whole ms. */
  averageTimeToFirstTokenMs: number | null;
  /** Valid verdicts this arm took part in, as the served or the shadow answer: wins + losses + ties. */
  judged: number;
  wins: number;
  losses: number;
  ties: number;
  /**
   * (wins + ties / 2) / judged: a tie counts half, so two arms the judge cannot tell apart
   * both sit at 0.5 and the two rates of a two-arm split add up to 1. Null before any verdict.
   */
  winRate: number | null;
}

/** The A/B results of one split route. */
export interface SplitRouteStats {
  route: string;
  /** In the order arms were first seen. */
  arms: SplitArmStats[];
  /** Valid verdicts (a winner or a tie). */
  judged: number;
  /** Judge answers that held no readable verdict. */
  invalidVerdicts: number;
  /** Shadow or judge calls that failed; such a sample is not judged. */
  judgeErrors: number;
  /** Samples not judged because `maxConcurrent` judgements were already in flight. */
  dropped: number;
  /** What the shadow calls to the other arm cost (known prices only), in USD. */
  shadowCostUsd: number;
  /** What the judge model's calls cost (known prices only), in USD. */
  judgeCostUsd: number;
  /** The judging overhead: `shadowCostUsd + judgeCostUsd`. */
  judgingCostUsd: number;
}

/** One verdict, as announced on the control event stream (`event: judgement`). */
export interface Judgement {
  requestId: string;
  route: string;
  /** The arm that served the client, `provider/model`. */
  served: string;
  /** The other arm, called on the side with the same request, `provider/model`. */
  shadow: string;
  /** The better answer's arm (`served` or `shadow`), `tie`, or `invalid` when the judge's answer held no verdict. */
  winner: string;
  reason: string;
  /** The judge model as configured. */
  judgeModel: string;
  shadowCostUsd: number | null;
  judgeCostUsd: number | null;
  /** When the verdict came, ms since the epoch. */
  time: number;
}

export interface SplitJudgeOptions {
  /** Makes a whole call to a provider/model; `completeCanonical` bound to the runtime in service, a fake in tests. */
  complete: (label: string, request: CanonicalRequest) => Promise<CompletedCall>;
  random: () => number;
  log: (message: string) => void;
  /** Judgements are emitted here as control events. */
  events?: ProxyEvents;
  /** At most this many judgements in flight; more are dropped (counted). Default 4. */
  maxConcurrent?: number;
}

/** A verdict read from the judge's answer, in the judge's own A/B terms. */
export type ParsedVerdict = { winner: 'A' | 'B' | 'tie'; reason: string } | { winner: 'invalid'; reason: string };

class ArmTally {
  requests = 0;
  errors = 0;
  costUsd = 0;
  pricedRequests = 0;
  latencyTotalMs = 0;
  timedRequests = 0;
  firstTokenTotalMs = 0;
  firstTokenRequests = 0;
  wins = 0;
  losses = 0;
  ties = 0;

  constructor(readonly target: string) {}

  stats(): SplitArmStats {
    const judged = this.wins + this.losses + this.ties;
    return {
      target: this.target,
      requests: this.requests,
      errors: this.errors,
      costUsd: this.costUsd,
      unpricedRequests: this.requests - this.pricedRequests,
      averageCostUsd: this.pricedRequests === 0 ? null : this.costUsd / this.pricedRequests,
      averageLatencyMs: this.timedRequests === 0 ? null : Math.round(this.latencyTotalMs / this.timedRequests),
      averageTimeToFirstTokenMs: this.firstTokenRequests === 0 ? null : Math.round(this.firstTokenTotalMs / this.firstTokenRequests),
      judged,
      wins: this.wins,
      losses: this.losses,
      ties: this.ties,
      winRate: judged === 0 ? null : (this.wins + this.ties / 2) / judged,
    };
  }
}

class RouteTally {
  readonly arms = new Map<string, ArmTally>();
  judged = 0;
  invalidVerdicts = 0;
  judgeErrors = 0;
  dropped = 0;
  shadowCostUsd = 0;
  judgeCostUsd = 0;

  constructor(readonly route: string) {}

  arm(target: string): ArmTally {
    let arm = this.arms.get(target);
    if (arm === undefined) {
      arm = new ArmTally(target);
      this.arms.set(target, arm);
    }
    return arm;
  }

  stats(): SplitRouteStats {
    return {
      route: this.route,
      arms: Array.from(this.arms.values(), (arm) => arm.stats()),
      judged: this.judged,
      invalidVerdicts: this.invalidVerdicts,
      judgeErrors: this.judgeErrors,
      dropped: this.dropped,
      shadowCostUsd: this.shadowCostUsd,
      judgeCostUsd: this.judgeCostUsd,
      judgingCostUsd: this.shadowCostUsd + this.judgeCostUsd,
    };
  }
}

/** What `judge` needs: the request, the arm that served it, and the served answer. */
export interface SplitJudgeInput {
  routeName: string;
  route: RouteConfig;
  requestId: string;
  request: CanonicalRequest;
  servedTarget: string;
  served: CanonicalResponse;
}

/**
 * The A/B side of `split` routes. Every served request is tallied per arm; on a sample of
 * them (`judge.sample`), the same request goes to the other arm off the request path and a
 * judge model compares the two answers, shown in random order so that position bias cannot
 * favour an arm. State is one tally per route and arm, so memory stays bounded however long
 * the proxy runs.
 */
export class SplitJudge {
  private readonly complete: SplitJudgeOptions['complete'];
  private readonly random: () => number;
  private readonly log: (message: string) => void;
  private readonly events: ProxyEvents | undefined;
  private readonly maxConcurrent: number;
  private readonly routes = new Map<string, RouteTally>();
  private inFlight = 0;

  constructor(options: SplitJudgeOptions) {
    this.complete = options.complete;
    this.random = options.random;
    this.log = options.log;
    this.events = options.events;
    this.maxConcurrent = options.maxConcurrent ?? 4;
  }

  /** One draw: should this request's served answer be collected for judging? (route.judge && random() < sample) */
  wantsAnswer(route: RouteConfig): boolean {
    return route.judge !== undefined && this.random() < route.judge.sample;
  }

  /** Every finished request of a split route, judged or not: per-arm counts, errors, cost and latency. */
  recordServed(routeName: string, target: string, outcome: { ok: boolean; costUsd: number | null; latencyMs: number; timeToFirstTokenMs: number | null }): void {
    const arm = this.route(routeName).arm(target);
    arm.requests += 1;
    if (outcome.costUsd !== null) {
      arm.costUsd += outcome.costUsd;
      arm.pricedRequests += 1;
    }
    if (!outcome.ok) {
      arm.errors += 1;
      return;
    }
    arm.latencyTotalMs += outcome.latencyMs;
    arm.timedRequests += 1;
    if (outcome.timeToFirstTokenMs !== null) {
      arm.firstTokenTotalMs += outcome.timeToFirstTokenMs;
      arm.firstTokenRequests += 1;
    }
  }

  /** Off the hot path (returns at once): shadow-call the other arm(s) with the same request, then ask the judge model; records the verdict. */
  judge(input: SplitJudgeInput): void {
    const judgeConfig = input.route.judge;
    if (judgeConfig === undefined) return;
    const tally = this.route(input.routeName);
    if (this.inFlight >= this.maxConcurrent) {
      tally.dropped += 1;
      return;
    }
    const shadowLabel = this.otherArm(input.route.targets, input.servedTarget);
    if (shadowLabel === undefined) {
      tally.judgeErrors += 1;
      this.log(`split judge: route '${input.routeName}' has no arm besides ${input.servedTarget} to compare with.`);
      return;
    }
    // Drawn now rather than after the calls, so the order is fixed by the sample alone.
    const servedFirst = this.random() < 0.5;
    this.inFlight += 1;
    this.run(input, tally, judgeConfig.model, shadowLabel, servedFirst)
      .catch((error: unknown) => {
        tally.judgeErrors += 1;
        this.log(`split judge: judging request ${input.requestId} of route '${input.routeName}' failed: ${describeError(error)}`);
      })
      .finally(() => {
        this.inFlight -= 1;
      });
  }

  /** Results per route and arm. */
  stats(): SplitRouteStats[] {
    return Array.from(this.routes.values(), (route) => route.stats());
  }

  private route(name: string): RouteTally {
    let tally = this.routes.get(name);
    if (tally === undefined) {
      tally = new RouteTally(name);
      this.routes.set(name, tally);
    }
    return tally;
  }

  /**
   * The arm to compare with: a target written differently from the served label. Targets are
   * compared as written, so when the served label matches none (it came through an alias) every
   * target counts as other and the first is taken; with more than one other arm, one at random,
   * so every pair of arms gets compared.
   */
  private otherArm(targets: readonly string[], served: string): string | undefined {
    const others = targets.filter((target) => target !== served);
    if (others.length === 0) return undefined;
    if (others.length === 1 || others.length === targets.length) return others[0];
    return others[Math.min(others.length - 1, Math.floor(this.random() * others.length))];
  }

  private async run(input: SplitJudgeInput, tally: RouteTally, judgeModel: string, shadowLabel: string, servedFirst: boolean): Promise<void> {
    let shadow: CompletedCall;
    try {
      shadow = await this.complete(shadowLabel, { ...input.request, stream: false });
    } catch (error) {
      tally.judgeErrors += 1;
      this.log(`split judge: shadow call to ${shadowLabel} for route '${input.routeName}' failed: ${describeError(error)}`);
      return;
    }
    if (shadow.costUsd !== null) tally.shadowCostUsd += shadow.costUsd;
    if (shadow.target === input.servedTarget) {
      tally.judgeErrors += 1;
      this.log(`split judge: route '${input.routeName}': the other arm '${shadowLabel}' is the served model ${input.servedTarget}; nothing to compare.`);
      return;
    }

    const answerA = servedFirst ? input.served : shadow.response;
    const answerB = servedFirst ? shadow.response : input.served;
    let verdictCall: CompletedCall;
    try {
      verdictCall = await this.complete(judgeModel, buildJudgeRequest(judgeModel, input.request, answerA, answerB));
    } catch (error) {
      tally.judgeErrors += 1;
      this.log(`split judge: judge call to ${judgeModel} for route '${input.routeName}' failed: ${describeError(error)}`);
      return;
    }
    if (verdictCall.costUsd !== null) tally.judgeCostUsd += verdictCall.costUsd;

    const verdict = parseVerdict(responseText(verdictCall.response));
    const servedArm = tally.arm(input.servedTarget);
    const shadowArm = tally.arm(shadow.target);
    let winner: string;
    if (verdict.winner === 'invalid') {
      tally.invalidVerdicts += 1;
      winner = 'invalid';
    } else {
      tally.judged += 1;
      if (verdict.winner === 'tie') {
        servedArm.ties += 1;
        shadowArm.ties += 1;
        winner = 'tie';
      } else {
        const servedWon = (verdict.winner === 'A') === servedFirst;
        (servedWon ? servedArm : shadowArm).wins += 1;
        (servedWon ? shadowArm : servedArm).losses += 1;
        winner = servedWon ? input.servedTarget : shadow.target;
      }
    }
    this.events?.emit('judgement', {
      requestId: input.requestId,
      route: input.routeName,
      served: input.servedTarget,
      shadow: shadow.target,
      winner,
      reason: verdict.reason,
      judgeModel,
      shadowCostUsd: shadow.costUsd,
      judgeCostUsd: verdictCall.costUsd,
      time: Date.now(),
    });
  }
}

/** Error messages from calls are already scrubbed of keys (see `completeCanonical`). */
function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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

/** The text parts of the judge's answer; its reasoning, if any, is not the verdict. */
function responseText(response: CanonicalResponse): string {
  let text = '';
  for (const part of response.content) if (part.type === 'text') text += part.text;
  return text;
}

const reasonChars = 500;

/**
 * Reads the verdict from the judge's answer, tolerantly: bare JSON, JSON in a ``` fence or
 * surrounded by prose, `winner` in any case (`a`, `Answer B`, `TIE`). Anything else is
 * `invalid`, with the start of the answer as the reason so the panel shows what came back.
 */
export function parseVerdict(text: string): ParsedVerdict {
  for (const candidate of jsonObjectCandidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || !('winner' in value)) continue;
    const winner = decodeWinner(value.winner);
    if (winner === undefined) continue;
    const reason = 'reason' in value && typeof value.reason === 'string' ? value.reason.trim() : '';
    return { winner, reason: reason.slice(0, reasonChars) };
  }
  // A verdict cut off by the output limit (`{"winner":"A","reason":"Answer A is mo`) still names its winner.
  const cut = /"winner"\s*:\s*"([^"]*)"/i.exec(text);
  const cutWinner = cut === null ? undefined : decodeWinner(cut[1]);
  if (cutWinner !== undefined) {
    const reason = /"reason"\s*:\s*"((?:[^"\\]|\\.)*)/i.exec(text);
    return { winner: cutWinner, reason: reason === null ? '' : unescapeJsonText(reason[1]).trim().slice(0, reasonChars) };
  }
  const shown = text.trim().slice(0, 200);
  return { winner: 'invalid', reason: shown === '' ? 'The judge gave an empty answer.' : `No verdict in the judge's answer: ${shown}` };
}

/** A JSON string's inside, unescaped when it is whole, as written when the cut left it broken. */
function unescapeJsonText(inside: string): string {
  try {
    const text: unknown = JSON.parse(`"${inside}"`);
    return typeof text === 'string' ? text : inside;
  } catch {
    return inside;
  }
}

function decodeWinner(value: unknown): 'A' | 'B' | 'tie' | undefined {
  if (typeof value !== 'string') return undefined;
  let name = value.trim().toLowerCase();
  if (name.startsWith('answer')) name = name.slice(6).trim();
  if (name === 'a') return 'A';
  if (name === 'b') return 'B';
  if (name === 'tie' || name === 'draw') return 'tie';
  return undefined;
}

/**
 * Every balanced `{…}` span in the text in order of its opening brace, strings (and braces
 * inside them) respected: the whole answer when it is JSON, else each object in fences or prose.
 */
function* jsonObjectCandidates(text: string): Generator<string> {
  let start = text.indexOf('{');
  while (start !== -1) {
    const end = balancedEnd(text, start);
    if (end !== -1) yield text.slice(start, end + 1);
    // Inner objects come next, so `{"verdict":{"winner":"A"}}` is read too; judge answers are short.
    start = text.indexOf('{', start + 1);
  }
}

function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
    } else if (character === '"') {
      inString = true;
    } else if (character === '{') {
      depth += 1;
    } else if (character === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
}
