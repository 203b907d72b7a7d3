import type { RequestRecord } from '../store/request-record';
import type { CircuitState } from '../routing/circuit-breaker';
import { BoundedLabel, familyHeader, formatNumber, Histogram, labelText } from './exposition';

/**
 * How many distinct values each label keeps before folding the rest into `other`. Providers
 * and budgets come from the config; models and keys may come from callers, so they are what
 * the caps are for. A provider × model × key combination past `maximumSeries` is folded whole.
 */
export const labelCaps = { provider: 50, model: 200, key: 200, code: 40, budget: 100, target: 500, maximumSeries: 5000 } as const;

/** Request latency, arrival to last byte, in seconds. */
const latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Arrival to the first token, in seconds. */
const firstTokenBuckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Switchyard's own time up to the response head, in seconds (most calls: well under a millisecond). */
const overheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/** The counters of one provider × model × key. */
class CallSeries {
  requests = 0;
  /** Errors by HTTP status (a stream cut after a 200 counts under its 200). */
  readonly errors = new Map<string, number>();
  inputTokens = 0;
  outputTokens = 0;
  cacheReadTokens = 0;
  cacheWriteTokens = 0;
  reasoningTokens = 0;
  costUsd = 0;

  constructor(readonly labels: string) {}
}

/** The latency histograms of one provider × model. */
class TimingSeries {
  readonly latency = new Histogram(latencyBuckets);
  readonly firstToken = new Histogram(firstTokenBuckets);

  constructor(readonly labels: string) {}
}

/** What is read at scrape time rather than counted: the proxy's state now. */
export interface MetricGauges {
  callsInFlight: number;
  /** Targets with a circuit (failing lately) and its state; every other known target is closed. */
  circuits: Iterable<readonly [string, CircuitState]>;
  /** Calls refused at the front door (host, origin, access key), which leave no record. */
  refusedAtDoor?: number;
}

const circuitStateValue: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Switchyard's Prometheus metrics. `observe` is called with each record as the recorder emits
 * it — after the response has closed, off the request's path — and only adds numbers to
 * series found by three map lookups (no string is built for a series already seen). The text
 * is written only when `/metrics` is scraped.
 */
export class CallMetrics {
  private readonly providers = new BoundedLabel(labelCaps.provider);
  private readonly models = new BoundedLabel(labelCaps.model);
  private readonly keys = new BoundedLabel(labelCaps.key);
  private readonly codes = new BoundedLabel(labelCaps.code);
  private readonly budgets = new BoundedLabel(labelCaps.budget);
  private readonly targets = new BoundedLabel(labelCaps.target);
  /** provider → model → key → series. */
  private readonly calls = new Map<string, Map<string, Map<string, CallSeries>>>();
  private seriesCount = 0;
  /** provider → model → timings. */
  private readonly timings = new Map<string, Map<string, TimingSeries>>();
  private readonly overhead = new Map<string, Histogram>();
  private cacheHits = 0;
  private cacheMisses = 0;
  private readonly budgetRefusals = new Map<string, number>();
  private readonly rateLimitRefusals = new Map<string, number>();
  /** Every target an attempt went to, so a recovered (forgotten) circuit still reads closed. */
  private readonly knownTargets = new Set<string>();

  /** Counts one finished call. */
  observe(record: RequestRecord): void {
    const provider = this.providers.value(record.provider ?? 'none');
    const model = this.models.value(record.model ?? 'none');
    const key = this.keys.value(record.keyLabel ?? record.keyId ?? 'none');
    const series = this.series(provider, model, key);
    series.requests++;
    if (record.status >= 400 || record.error !== undefined) {
      const code = this.codes.value(String(record.status));
      series.errors.set(code, (series.errors.get(code) ?? 0) + 1);
    }
    series.inputTokens += record.inputTokens;
    series.outputTokens += record.outputTokens;
    series.cacheReadTokens += record.cacheReadTokens;
    series.cacheWriteTokens += record.cacheWriteTokens;
    series.reasoningTokens += record.reasoningTokens;
    if (record.costUsd !== null) series.costUsd += record.costUsd;
    // Latencies are the providers' (with Switchyard's share): calls that reached one.
    if (record.cache !== 'hit' && reachedProvider(record)) {
      const timing = this.timing(provider, model);
      timing.latency.observe(record.latencyMs / 1000);
      if (record.timeToFirstTokenMs !== null) timing.firstToken.observe(record.timeToFirstTokenMs / 1000);
    }
    if (record.overheadMs !== undefined) this.overheadOf(overheadPath(record)).observe(record.overheadMs / 1000);
    if (record.cache === 'hit') this.cacheHits++;
    else if (record.cache === 'miss') this.cacheMisses++;
    const refusedBy = record.budget?.refusedBy;
    if (refusedBy !== undefined) increment(this.budgetRefusals, this.budgets.value(refusedBy));
    if (record.refusal === 'rate_limit') increment(this.rateLimitRefusals, key);
    const attempts = record.decision?.attempts;
    if (attempts !== undefined) for (const attempt of attempts) if (!this.knownTargets.has(attempt.target)) this.rememberTarget(attempt.target);
  }

  /** The exposition text: every counter, histogram and gauge. */
  render(gauges: MetricGauges): string {
    const lines: string[] = [];
    const allCalls = [...this.eachCallSeries()];
    familyHeader(lines, 'switchyard_requests_total', 'counter', 'Calls served, by the provider and model that served them and the access key (name or id) that made them; provider "none" for calls refused before routing.');
    for (const series of allCalls) lines.push(`switchyard_requests_total{${series.labels}} ${series.requests}`);
    familyHeader(lines, 'switchyard_request_errors_total', 'counter', 'Calls that failed (HTTP status 400 or more, or a stream cut after its head), by status code.');
    for (const series of allCalls) for (const [code, count] of series.errors) lines.push(`switchyard_request_errors_total{${series.labels},code="${code}"} ${count}`);
    familyHeader(lines, 'switchyard_tokens_total', 'counter', 'Tokens as the providers reported them: input (all of the prompt, cached or not), output (reasoning included), cache_read, cache_write, reasoning.');
    for (const series of allCalls) {
      lines.push(`switchyard_tokens_total{${series.labels},type="input"} ${series.inputTokens}`);
      lines.push(`switchyard_tokens_total{${series.labels},type="output"} ${series.outputTokens}`);
      lines.push(`switchyard_tokens_total{${series.labels},type="cache_read"} ${series.cacheReadTokens}`);
      lines.push(`switchyard_tokens_total{${series.labels},type="cache_write"} ${series.cacheWriteTokens}`);
      lines.push(`switchyard_tokens_total{${series.labels},type="reasoning"} ${series.reasoningTokens}`);
    }
    familyHeader(lines, 'switchyard_cost_usd_total', 'counter', 'What the calls cost in USD at the price table (and overrides) in force; calls of models without a price add nothing.');
    for (const series of allCalls) lines.push(`switchyard_cost_usd_total{${series.labels}} ${formatNumber(series.costUsd)}`);
    const allTimings = [...this.eachTimingSeries()];
    familyHeader(lines, 'switchyard_request_duration_seconds', 'histogram', 'From arrival to the last byte sent, for calls that reached a provider.');
    for (const timing of allTimings) timing.latency.write(lines, 'switchyard_request_duration_seconds', timing.labels);
    familyHeader(lines, 'switchyard_time_to_first_token_seconds', 'histogram', 'From arrival to the first generated content.');
    for (const timing of allTimings) timing.firstToken.write(lines, 'switchyard_time_to_first_token_seconds', timing.labels);
    familyHeader(lines, 'switchyard_overhead_seconds', 'histogram', "Switchyard's own time up to the response head (x-switchyard-overhead-ms): arrival to head, less the waits on the client's body and on providers. path: passthrough, translated, cache (a hit), local (answered without a provider), failed (every attempt failed) or refused.");
    for (const [path, histogram] of this.overhead) histogram.write(lines, 'switchyard_overhead_seconds', `path="${path}"`);
    familyHeader(lines, 'switchyard_response_cache_total', 'counter', 'Response cache lookups, by result (hit or miss); calls with the cache off are not counted.');
    lines.push(`switchyard_response_cache_total{result="hit"} ${this.cacheHits}`);
    lines.push(`switchyard_response_cache_total{result="miss"} ${this.cacheMisses}`);
    familyHeader(lines, 'switchyard_budget_refusals_total', 'counter', 'Calls a budget refused (402), by the budget\'s name (an access key\'s own budget by the key\'s name).');
    for (const [budget, count] of this.budgetRefusals) lines.push(`switchyard_budget_refusals_total{${labelText([['budget', budget]])}} ${count}`);
    familyHeader(lines, 'switchyard_rate_limit_refusals_total', 'counter', "Calls an access key's rpm or tpm limit refused (429), by the key.");
    for (const [key, count] of this.rateLimitRefusals) lines.push(`switchyard_rate_limit_refusals_total{${labelText([['key', key]])}} ${count}`);
    familyHeader(lines, 'switchyard_circuit_breaker_state', 'gauge', 'Each target\'s circuit: 0 closed, 1 half-open (one probe allowed), 2 open (skipped by routes).');
    const states = new Map<string, CircuitState>();
    for (const target of this.knownTargets) states.set(target, 'closed');
    for (const [target, state] of gauges.circuits) {
      const label = this.targets.value(target);
      if (label === target) states.set(target, state);
    }
    for (const [target, state] of states) lines.push(`switchyard_circuit_breaker_state{${labelText([['target', target]])}} ${circuitStateValue[state]}`);
    familyHeader(lines, 'switchyard_calls_in_flight', 'gauge', 'Calls being served now.');
    lines.push(`switchyard_calls_in_flight ${gauges.callsInFlight}`);
    if (gauges.refusedAtDoor !== undefined) {
      familyHeader(lines, 'switchyard_door_refusals_total', 'counter', 'Requests refused before any record was written: a foreign Host or Origin, a missing, wrong or revoked access key.');
      lines.push(`switchyard_door_refusals_total ${gauges.refusedAtDoor}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private series(provider: string, model: string, key: string): CallSeries {
    let byModel = this.calls.get(provider);
    if (byModel === undefined) this.calls.set(provider, (byModel = new Map()));
    let byKey = byModel.get(model);
    if (byKey === undefined) byModel.set(model, (byKey = new Map()));
    let series = byKey.get(key);
    if (series === undefined) {
      if (this.seriesCount >= labelCaps.maximumSeries && provider !== 'other') return this.series('other', 'other', 'other');
      series = new CallSeries(labelText([['provider', provider], ['model', model], ['key', key]]));
      byKey.set(key, series);
      this.seriesCount++;
    }
    return series;
  }

  private timing(provider: string, model: string): TimingSeries {
    let byModel = this.timings.get(provider);
    if (byModel === undefined) this.timings.set(provider, (byModel = new Map()));
    let timing = byModel.get(model);
    if (timing === undefined) byModel.set(model, (timing = new TimingSeries(labelText([['provider', provider], ['model', model]]))));
    return timing;
  }

  private overheadOf(path: string): Histogram {
    let histogram = this.overhead.get(path);
    if (histogram === undefined) this.overhead.set(path, (histogram = new Histogram(overheadBuckets)));
    return histogram;
  }

  private rememberTarget(target: string): void {
    if (this.targets.value(target) === target) this.knownTargets.add(target);
  }

  private *eachCallSeries(): Generator<CallSeries> {
    for (const byModel of this.calls.values()) for (const byKey of byModel.values()) yield* byKey.values();
  }

  private *eachTimingSeries(): Generator<TimingSeries> {
    for (const byModel of this.timings.values()) yield* byModel.values();
  }
}

/** Which way the call went, for the overhead histogram's `path`. */
function overheadPath(record: RequestRecord): string {
  if (record.cache === 'hit') return 'cache';
  if (record.refusal !== undefined || record.provider === undefined) return 'refused';
  if (record.decision?.winner === undefined) return (record.decision?.attempts.length ?? 0) > 0 ? 'failed' : record.status >= 400 ? 'refused' : 'local';
  return record.passthrough ? 'passthrough' : 'translated';
}

/** Some attempt of the call was sent (an attempt a budget refused before sending has no start). */
function reachedProvider(record: RequestRecord): boolean {
  const attempts = record.decision?.attempts;
  if (attempts === undefined) return false;
  for (const attempt of attempts) if (attempt.startedMs !== undefined) return true;
  return false;
}

function increment(counts: Map<string, number>, label: string): void {
  counts.set(label, (counts.get(label) ?? 0) + 1);
}
