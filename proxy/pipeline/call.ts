import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ClientFormat } from '../core/request';
import { toProxyError, type ProxyError } from '../core/errors';
import type { Usage } from '../core/usage';
import type { RequestRecord } from '../store/request-record';
import type { DecisionRecord } from '../routing/decision';
import { inboundCodecs } from './codecs';
import type { ProxyRuntime } from './runtime';

/**
 * Request ids: a random prefix per process and a counter. Unique across restarts (48 random
 * bits each start) without paying for a random draw on every call.
 */
const idPrefix = `req_${randomBytes(6).toString('hex')}`;
let idCounter = 0;

/**
 * One client call from arrival to its record: collects what the record needs as the call
 * goes, and writes the record after the response has closed, off the request's path.
 */
export class Call {
  readonly id = `${idPrefix}${(idCounter++).toString(36).padStart(6, '0')}`;
  readonly time = Date.now();
  private readonly startedAt = performance.now();
  requestedModel = '';
  provider: string | undefined;
  model: string | undefined;
  stream = false;
  passthrough = false;
  clientKey: string | undefined;
  usage: Usage | undefined;
  firstTokenAt: number | undefined;
  error: string | undefined;
  /**
   * Whether the call leaves a record when its response closes. Set once routing chose a target,
   * and by the handler when it refuses the call (bad body, unknown or disabled model, no key),
   * so every call that passed the front door is logged once. A client gone before its body was
   * read, and requests the host, origin or access-key checks refused, leave none.
   */
  recordable = false;
  decision: DecisionRecord | undefined;
  /** Aborted when the client goes away before the response is complete: every upstream attempt follows. */
  readonly abort = new AbortController();

  constructor(
    private readonly runtime: ProxyRuntime,
    readonly format: ClientFormat,
    readonly endpoint: string,
    response: ServerResponse,
  ) {
    response.once('close', () => {
      if (!response.writableFinished) this.abort.abort();
      if (this.recordable) setImmediate(() => this.finish(response));
    });
  }

  /** Marks the first generated content; later calls keep the first time. */
  markFirstToken(at = performance.now()): void {
    if (this.firstTokenAt === undefined) this.firstTokenAt = at;
  }

  /**
   * Answers with an error in the client's own API shape. Before the headers went out this
   * is a normal error response; after (a stream failing midway) the caller writes the
   * format's error event instead, so this only records it.
   */
  fail(response: ServerResponse, error: unknown): void {
    const proxyError: ProxyError = toProxyError(error);
    if (proxyError !== error) this.runtime.log(`${this.id} internal error: ${(error as Error)?.stack ?? String(error)}`);
    this.error = proxyError.message;
    if (response.headersSent) {
      if (!response.writableEnded) response.end();
      return;
    }
    const { status, body } = inboundCodecs[this.format].encodeError(proxyError);
    const payload = JSON.stringify(body);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    };
    if (proxyError.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(proxyError.retryAfterSeconds));
    // The caller can find a refusal's record, and so why, by this id.
    if (this.recordable) headers['x-switchyard-request-id'] = this.id;
    response.writeHead(status, headers);
    response.end(payload);
  }

  /** The call's price from its usage so far, in USD; null while unknown or unpriced. */
  cost(): number | null {
    const usage = this.usage;
    if (!usage || !this.provider || !this.model) return null;
    return this.runtime.routing.pricer.price(this.provider, this.model, usage);
  }

  /** Response headers that tell a caller what happened, cost included when already known. */
  costHeader(): Record<string, string> {
    const cost = this.cost();
    return cost === null ? {} : { 'x-switchyard-cost-usd': cost.toFixed(8).replace(/\.?0+$/, '') || '0' };
  }

  /** The client format's error event, for a stream that fails after its headers went out. */
  streamErrorEvent(error: ProxyError): string {
    const encoder = inboundCodecs[this.format].createStreamEncoder({
      requestId: this.id,
      model: this.requestedModel,
      created: Math.floor(this.time / 1000),
      request: { model: this.requestedModel, messages: [], stream: true },
    });
    return encoder.encode({ type: 'error', error });
  }

  private finish(response: ServerResponse): void {
    const endedAt = performance.now();
    const closedEarly = !response.writableFinished;
    if (closedEarly && this.error === undefined) this.error = 'The client closed the connection before the response was complete.';
    const usage = this.usage;
    const record: RequestRecord = {
      id: this.id,
      time: this.time,
      clientFormat: this.format,
      endpoint: this.endpoint,
      clientKey: this.clientKey,
      requestedModel: this.requestedModel,
      provider: this.provider,
      model: this.model,
      status: closedEarly && !response.headersSent ? 499 : response.statusCode,
      stream: this.stream,
      passthrough: this.passthrough,
      inputTokens: usage?.inputTokens ?? 0,
      outputTokens: usage?.outputTokens ?? 0,
      cacheReadTokens: usage?.cacheReadTokens ?? 0,
      cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
      reasoningTokens: usage?.reasoningTokens ?? 0,
      costUsd: this.cost(),
      timeToFirstTokenMs: this.firstTokenAt === undefined ? null : round(this.firstTokenAt - this.startedAt),
      latencyMs: round(endedAt - this.startedAt),
    };
    if (this.error !== undefined) record.error = this.error;
    const decision = this.decision;
    if (decision !== undefined) {
      record.decision = decision;
      // A split route that refused the call (every arm disabled or keyless) served from no arm.
      if (decision.strategy === 'split' && decision.route !== undefined && decision.attempts.length > 0) {
        this.runtime.splits.recordServed(decision.route, decision.winner ?? decision.candidates[0]?.target ?? '', {
          ok: record.status < 400 && record.error === undefined,
          costUsd: record.costUsd,
          latencyMs: record.latencyMs,
          timeToFirstTokenMs: record.timeToFirstTokenMs,
        });
      }
    }
    this.runtime.store?.add(record);
    this.runtime.events.emit('request', record);
  }
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 10) / 10;
}
