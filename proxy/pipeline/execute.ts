import { ProxyError } from '../core/errors';
import type { AttemptDecision } from '../routing/decision';
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
export function execute(runtime: ProxyRuntime, plan: ExecutionPlan, build: BuildUpstream, signal: AbortSignal): Promise<OpenedAttempt> {
  return plan.strategy === 'race' ? race(build, plan, runtime, signal) : inTurn(build, plan, runtime, signal);
}

/** The `x-switchyard-attempts` header: how many attempts the call took. */
export function attemptHeaders(plan: ExecutionPlan): Record<string, string> {
  return { 'x-switchyard-attempts': String(plan.decision.attempts.length) };
}

/** Fallback order (and cheapest, fastest, split: they only order differently): one target at a time. */
async function inTurn(build: BuildUpstream, plan: ExecutionPlan, runtime: ProxyRuntime, clientAbort: AbortSignal): Promise<OpenedAttempt> {
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
      const started = performance.now();
      try {
        const opened = await openAttempt(build, target, plan.timeouts, clientAbort);
        succeeded(runtime, plan, target, started, opened);
        return opened;
      } catch (error) {
        if (!(error instanceof AttemptError) || clientAbort.aborted) {
          // No verdict on the target: let the next call probe it if this one held the probe.
          if (guarded) breakers.releaseProbe(target.label);
          throw error;
        }
        lastFailure = error;
        const retryable = isRetryable(error.error);
        const record = failed(runtime, plan, target, started, error, retryable);
        // Only transient failures move on: a request the provider rejects as invalid would be
        // rejected by the next one too, and the client should hear why.
        if (!retryable) throw error;
        if (attempt >= plan.retry.attempts) break;
        const delay = retryDelayMs(attempt, error.error, plan.retry, random);
        if (!Number.isFinite(delay) || !budget.allows(delay)) break;
        record.retryDelayMs = Math.round(delay);
        await sleep(delay, clientAbort);
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
function race(build: BuildUpstream, plan: ExecutionPlan, runtime: ProxyRuntime, clientAbort: AbortSignal): Promise<OpenedAttempt> {
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
      const controller = new AbortController();
      const onClientAbort = (): void => controller.abort();
      clientAbort.addEventListener('abort', onClientAbort, { once: true });
      running.set(index, controller);
      const started = performance.now();
      openAttempt(build, target, plan.timeouts, controller.signal).then(
        (opened) => {
          running.delete(index);
          clientAbort.removeEventListener('abort', onClientAbort);
          if (settled) {
            // A loser that opened before its cancellation ran: already recorded as cancelled.
            opened.abort.abort();
            return;
          }
          settled = true;
          clearTimeout(hedge);
          succeeded(runtime, plan, target, started, opened);
          const losers = [...running];
          running.clear();
          for (const [other] of losers) {
            plan.decision.attempts.push({ target: plan.targets[other]!.label, status: null, latencyMs: elapsed(started), outcome: 'cancelled', error: 'lost the race' });
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
          failed(runtime, plan, target, started, error, isRetryable(error.error));
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

function succeeded(runtime: ProxyRuntime, plan: ExecutionPlan, target: AttemptTarget, started: number, opened: OpenedAttempt): void {
  const latencyMs = opened.firstChunkAt - started;
  runtime.reliability.breakers.recordSuccess(target.label);
  runtime.reliability.latency.record(target.label, latencyMs);
  plan.decision.attempts.push({ target: target.label, status: opened.answer.status, latencyMs: round(latencyMs), outcome: 'won' });
}

function failed(runtime: ProxyRuntime, plan: ExecutionPlan, target: AttemptTarget, started: number, error: AttemptError, retryable: boolean): AttemptDecision {
  if (retryable) runtime.reliability.breakers.recordFailure(target.label);
  const record: AttemptDecision = {
    target: target.label,
    // Not error.error.status: decoded translated errors carry no provider, so that guess lost their status.
    status: error.upstreamStatus ?? null,
    latencyMs: elapsed(started),
    outcome: 'failed',
    error: error.error.message,
  };
  plan.decision.attempts.push(record);
  return record;
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
