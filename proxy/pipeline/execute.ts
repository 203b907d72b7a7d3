import { ProxyError } from '../core/errors';
import type { AttemptDecision } from '../routing/decision';
import type { AttemptHold, CallPolicy } from '../call/call-policy';
import type { RequestContext } from '../call/request-context';
import { CallAbortController } from '../call/call-abort';
import type { Usage } from '../core/usage';
import type { BudgetCheck } from '../store/request-record';
import { isRetryable, retryDelayMs, RetryBudget } from '../routing/retry-policy';
import type { AttemptTarget, ExecutionPlan } from './admit';
import { AttemptError, openAttempt, type BuildUpstream, type OpenedAttempt } from './attempt';
import type { ProxyRuntime } from './runtime';

/**
 * The execute stage: opens attempts (in order with retries, or raced) until one answers, and
 * returns it unrelayed, or throws the last failure as an AttemptError. Nothing reaches the
 * client before an attempt has answered, so until then every failure can still be retried or
 * fallen back from. Attempts, breakers and latency stats are booked here, for every call alike.
 */
export function execute(runtime: ProxyRuntime, context: RequestContext, plan: ExecutionPlan, build: BuildUpstream, signal: AbortSignal): Promise<OpenedAttempt> {
  const holders = runtime.routing.attemptPolicies;
  const reserve: Reserve | undefined = holders.length === 0 ? undefined : (target) => reserveAttempt(holders, context, plan, target);
  return plan.strategy === 'race' ? race(build, plan, runtime, context, signal, reserve) : inTurn(build, plan, runtime, context, signal, reserve);
}

/** Takes every policy's hold for one attempt, or the refusal of one (the holds already taken are released). */
type Reserve = (target: AttemptTarget) => AttemptHold[] | ProxyError | Promise<AttemptHold[] | ProxyError>;

function reserveAttempt(holders: readonly CallPolicy[], context: RequestContext, plan: ExecutionPlan, target: AttemptTarget): AttemptHold[] | ProxyError | Promise<AttemptHold[] | ProxyError> {
  const resolved = { label: target.label, provider: target.provider.id, model: target.model };
  const holds: AttemptHold[] = [];
  const take = (index: number): AttemptHold[] | ProxyError | Promise<AttemptHold[] | ProxyError> => {
    for (let at = index; at < holders.length; at++) {
      const held = holders[at]!.reserveAttempt!(context, resolved);
      if (held instanceof Promise) return held.then((value) => (keep(value) ?? take(at + 1)));
      const refused = keep(held);
      if (refused !== undefined) return refused;
    }
    return holds;
  };
  const keep = (held: AttemptHold | ProxyError | undefined): ProxyError | undefined => {
    if (held instanceof ProxyError) {
      settleHolds(holds, undefined, false);
      return held;
    }
    if (held !== undefined) {
      holds.push(held);
      (plan.holds ??= []).push(held);
    }
    return undefined;
  };
  return take(0);
}

/**
 * Settles an attempt's holds: to its usage, else to the worst case when it answered, else to
 * nothing. `costUsd`: what the delivery priced `usage` at, when it did (see `AttemptHold.settle`).
 */
export function settleHolds(holds: readonly AttemptHold[] | undefined, usage: Usage | undefined, answered: boolean, costUsd?: number | null): void {
  if (holds === undefined) return;
  const priced = usage !== undefined && typeof costUsd === 'number' ? costUsd : undefined;
  for (const hold of holds) hold.settle(usage, answered, priced);
}

/** What the budgets did over all of a call's attempts, for its record; undefined when none applied. */
export function budgetCheck(plan: ExecutionPlan, refusal?: ProxyError): BudgetCheck | undefined {
  if (plan.holds === undefined && refusal?.status !== 402) return undefined;
  const check: BudgetCheck = { reservedUsd: 0, settledUsd: 0, budgets: [] };
  for (const hold of plan.holds ?? []) hold.report(check);
  if (refusal?.status === 402) check.refusedBy = /budget '([^']+)'|access key '([^']+)'/.exec(refusal.message)?.slice(1).find((name) => name !== undefined) ?? 'budget';
  return check;
}

/**
 * The error kind to record as the call's `refusal` when a budget refused its last attempt (402,
 * see `budgetRefusal`): nothing was spent, so `/stats` counts it as refused, not unpriced.
 */
export function budgetRefusalKind(budget: BudgetCheck | undefined, failure: ProxyError): string | undefined {
  return budget?.refusedBy !== undefined && failure.status === 402 ? failure.kind : undefined;
}

/** The `x-switchyard-attempts` header: how many attempts the call took. */
export function attemptHeaders(plan: ExecutionPlan): Record<string, string> {
  return { 'x-switchyard-attempts': String(plan.decision.attempts.length) };
}

/** Fallback order (and cheapest, fastest, split: they only order differently): one target at a time. */
async function inTurn(build: BuildUpstream, plan: ExecutionPlan, runtime: ProxyRuntime, context: RequestContext, clientAbort: AbortSignal, reserve: Reserve | undefined): Promise<OpenedAttempt> {
  const { breakers, now, random } = runtime.reliability;
  const budget = new RetryBudget(plan.retry.budgetMs, now);
  let lastFailure: AttemptError | undefined;
  // A model addressed directly has no alternative to move to: an open circuit would only put
  // Switchyard's own refusal in place of the provider's real answer, so it is not consulted
  // (the call's outcome still counts, for the routes that do have alternatives).
  const guarded = plan.strategy !== 'direct';
  for (const target of plan.targets) {
    const candidate = target.entry;
    if (guarded && !breakers.canAttempt(target.label)) {
      candidate.outcome = 'skipped';
      candidate.reason = 'open circuit';
      continue;
    }
    candidate.outcome = 'tried';
    for (let attempt = 1; ; attempt++) {
      let holds: AttemptHold[] | undefined;
      if (reserve !== undefined) {
        let reserved = reserve(target);
        if (reserved instanceof Promise) reserved = await reserved;
        if (reserved instanceof ProxyError) {
          // A budget that this target would cross: the next target may fall under other budgets.
          lastFailure = refusedAttempt(plan, target, reserved);
          break;
        }
        holds = reserved;
      }
      const started = performance.now();
      try {
        const opened = await openAttempt(build, target, plan.timeouts, clientAbort, context.clock);
        succeeded(runtime, plan, target, started, opened, context.startedAt);
        if (holds !== undefined) opened.holds = holds;
        return opened;
      } catch (error) {
        settleHolds(holds, undefined, false);
        if (!(error instanceof AttemptError) || clientAbort.aborted) {
          // No verdict on the target: let the next call probe it if this one held the probe.
          if (guarded) breakers.releaseProbe(target.label);
          throw error;
        }
        lastFailure = error;
        const retryable = isRetryable(error.error);
        const record = failed(runtime, plan, target, started, error, retryable, context.startedAt);
        // Only transient failures move on: a request the provider rejects as invalid would be
        // rejected by the next one too, and the client should hear why.
        if (!retryable) throw error;
        if (attempt >= plan.retry.attempts) break;
        const delay = retryDelayMs(attempt, error.error, plan.retry, random);
        if (!Number.isFinite(delay) || !budget.allows(delay)) break;
        record.retryDelayMs = Math.round(delay);
        // Waiting as the provider asked (or backing off) is not Switchyard's own time either.
        context.clock?.waitStart();
        await sleep(delay, clientAbort);
        context.clock?.waitEnd();
      }
    }
    if (budget.remaining() <= 0) break;
  }
  throw lastFailure ?? new AttemptError(noTarget(plan));
}

/**
 * Racing (hedging): start the first candidate, then the next each `hedgeMs` without a first
 * chunk, or at once when one fails; the first to open wins and the others are cancelled.
 */
function race(build: BuildUpstream, plan: ExecutionPlan, runtime: ProxyRuntime, context: RequestContext, clientAbort: AbortSignal, reserve: Reserve | undefined): Promise<OpenedAttempt> {
  const { breakers } = runtime.reliability;
  return new Promise((resolve, reject) => {
    const running = new Map<number, AbortController>();
    let next = 0;
    let settled = false;
    let hedge: NodeJS.Timeout | undefined;
    let lastFailure: AttemptError | undefined;
    const finishIfDone = (): void => {
      if (!settled && running.size === 0 && next >= plan.targets.length) {
        settled = true;
        reject(lastFailure ?? new AttemptError(noTarget(plan)));
      }
    };
    const startNext = (): void => {
      clearTimeout(hedge);
      while (next < plan.targets.length && !breakers.canAttempt(plan.targets[next]!.label)) {
        plan.targets[next]!.entry.outcome = 'skipped';
        plan.targets[next]!.entry.reason = 'open circuit';
        next++;
      }
      if (next >= plan.targets.length) {
        finishIfDone();
        return;
      }
      const index = next++;
      const target = plan.targets[index]!;
      target.entry.outcome = 'tried';
      const controller = new CallAbortController();
      const onClientAbort = (): void => controller.abort();
      clientAbort.addEventListener('abort', onClientAbort, { once: true });
      running.set(index, controller);
      let holds: AttemptHold[] | undefined;
      // When the attempt went out: after its reservation, which may wait for the ledger.
      let openedAfter = performance.now();
      let sent = false;
      const open = (): Promise<OpenedAttempt> => {
        openedAfter = performance.now();
        sent = true;
        return openAttempt(build, target, plan.timeouts, controller.signal, context.clock);
      };
      const reserved = reserve?.(target);
      const attempt =
        reserved === undefined
          ? open()
          : Promise.resolve(reserved).then((value) => {
              if (value instanceof ProxyError) throw refusedAttempt(plan, target, value);
              holds = value;
              if (controller.signal.aborted) throw new AttemptError(new ProxyError('api_error', 'cancelled'));
              return open();
            });
      attempt.then(
        (opened) => {
          running.delete(index);
          clientAbort.removeEventListener('abort', onClientAbort);
          const started = openedAfter;
          if (settled) {
            // A loser that opened before its cancellation ran: already recorded as cancelled.
            // It answered, so its reservation settles to the worst case.
            opened.abort.abort();
            settleHolds(holds, undefined, true);
            return;
          }
          if (holds !== undefined) opened.holds = holds;
          settled = true;
          clearTimeout(hedge);
          succeeded(runtime, plan, target, started, opened, context.startedAt);
          const losers = [...running];
          running.clear();
          for (const [other] of losers) {
            plan.decision.attempts.push({ target: plan.targets[other]!.label, status: null, latencyMs: elapsed(started), outcome: 'cancelled', error: 'lost the race', startedMs: round(started - context.startedAt) });
          }
          resolve(opened);
          // Cancelling costs ~0.5 ms (sockets torn down): the winner's first chunk goes out first.
          setImmediate(() => {
            for (const [other, loser] of losers) {
              loser.abort();
              breakers.releaseProbe(plan.targets[other]!.label);
            }
          });
        },
        (error: unknown) => {
          running.delete(index);
          clientAbort.removeEventListener('abort', onClientAbort);
          // A loser cancelled after its request went out may still be billed (a provider
          // finishes a generation whose client left): its reservation settles to the worst case.
          settleHolds(holds, undefined, settled && sent && controller.signal.aborted);
          if (settled) return;
          if (!(error instanceof AttemptError)) {
            settled = true;
            reject(error);
            return;
          }
          if (clientAbort.aborted) {
            settled = true;
            breakers.releaseProbe(target.label);
            reject(error);
            return;
          }
          lastFailure = error;
          // A budget's refusal was recorded as the attempt's failure already.
          if (holds !== undefined || reserved === undefined) failed(runtime, plan, target, openedAfter, error, isRetryable(error.error), context.startedAt);
          // A failure does not wait for the hedge: the next candidate starts now.
          if (next < plan.targets.length) startNext();
          else finishIfDone();
        },
      );
      if (plan.hedgeMs === 0) {
        if (next < plan.targets.length) startNext();
      } else if (next < plan.targets.length) {
        hedge = setTimeout(startNext, plan.hedgeMs);
      }
    };
    startNext();
  });
}

function succeeded(runtime: ProxyRuntime, plan: ExecutionPlan, target: AttemptTarget, started: number, opened: OpenedAttempt, callStartedAt: number): void {
  const latencyMs = opened.firstChunkAt - started;
  runtime.reliability.breakers.recordSuccess(target.label);
  runtime.reliability.latency.record(target.label, latencyMs);
  plan.decision.attempts.push({ target: target.label, status: opened.answer.status, latencyMs: round(latencyMs), outcome: 'won', startedMs: round(started - callStartedAt) });
}

function failed(runtime: ProxyRuntime, plan: ExecutionPlan, target: AttemptTarget, started: number, error: AttemptError, retryable: boolean, callStartedAt: number): AttemptDecision {
  if (retryable) runtime.reliability.breakers.recordFailure(target.label);
  const record: AttemptDecision = {
    target: target.label,
    // Not error.error.status: decoded translated errors carry no provider, so that guess lost their status.
    status: error.upstreamStatus ?? null,
    latencyMs: elapsed(started),
    outcome: 'failed',
    error: error.error.message,
    startedMs: round(started - callStartedAt),
  };
  plan.decision.attempts.push(record);
  return record;
}

/** An attempt a policy refused before it went out (a budget): recorded as failed with its status, never sent. */
function refusedAttempt(plan: ExecutionPlan, target: AttemptTarget, refusal: ProxyError): AttemptError {
  plan.decision.attempts.push({ target: target.label, status: refusal.status, latencyMs: 0, outcome: 'failed', error: refusal.message });
  return new AttemptError(refusal);
}

function noTarget(plan: ExecutionPlan): ProxyError {
  const reasons = plan.decision.candidates.map((candidate) => `${candidate.target}: ${candidate.reason}`).join('; ');
  return new ProxyError('overloaded', `No target of this route could be tried (${reasons}). Failing targets are skipped for a while after repeated failures.`, { status: 503 });
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function elapsed(started: number): number {
  return round(performance.now() - started);
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 10) / 10;
}
