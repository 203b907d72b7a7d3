import { ProxyError } from '../core/errors';
import type { CallPolicy } from '../call/call-policy';
import type { RequestContext } from '../call/request-context';
import { estimateCall } from './call-estimate';

const windowMs = 60_000;

/** One admitted call in a key's window: its tokens are the estimate until it settles. */
interface WindowEntry {
  time: number;
  tokens: number;
}

/** A key's sliding minute: entries oldest first, dropped as they age out. */
class KeyWindow {
  private entries: WindowEntry[] = [];
  private head = 0;
  tokens = 0;

  prune(now: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.time <= now - windowMs) {
      this.tokens -= this.entries[this.head]!.tokens;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  get requests(): number {
    return this.entries.length - this.head;
  }

  /** Seconds until the oldest entry leaves the window. */
  secondsUntilRequestFrees(now: number): number {
    return secondsUntil(this.entries[this.head]!.time + windowMs, now);
  }

  /** Seconds until `needed` tokens have left the window. */
  secondsUntilTokensFree(needed: number, now: number): number {
    let freed = 0;
    for (let index = this.head; index < this.entries.length; index++) {
      freed += this.entries[index]!.tokens;
      if (freed >= needed) return secondsUntil(this.entries[index]!.time + windowMs, now);
    }
    return 60;
  }

  add(entry: WindowEntry): void {
    this.entries.push(entry);
    this.tokens += entry.tokens;
  }

  /** Re-books an entry's tokens to the real count, if it is still in the window. */
  resettle(entry: WindowEntry, tokens: number): void {
    // Entries leave in time order, all of one millisecond together: a later or equal time is still in.
    if (this.head < this.entries.length && entry.time >= this.entries[this.head]!.time) this.tokens += tokens - entry.tokens;
    entry.tokens = tokens;
  }
}

function secondsUntil(time: number, now: number): number {
  return Math.max(1, Math.ceil((time - now) / 1000));
}

/**
 * Per-key rate limits as a call policy: `rpm` requests and `tpm` tokens over a sliding minute,
 * counted in this process (a cache hit counts: it is admitted before the cache lookup). Tokens
 * are reserved at admission from the call's estimate and settled to the real count. Over a
 * limit: 429 with `Retry-After` in the client's format. Calls Switchyard makes itself (split
 * shadow and judge calls) are not limited: the client did not make them.
 */
export function rateLimitsPolicy(defaultMaxOutputTokens: () => number, now: () => number = Date.now): CallPolicy {
  const windows = new Map<string, KeyWindow>();
  const admitted = new WeakMap<RequestContext, { window: KeyWindow; entry: WindowEntry }>();
  return {
    name: 'rate-limits',
    admitCall(context) {
      const principal = context.principal;
      const policy = principal?.policy;
      if (policy === undefined || (policy.rpm === undefined && policy.tpm === undefined) || context.purpose !== 'served') return undefined;
      const time = now();
      let window = windows.get(principal!.keyId);
      if (window === undefined) windows.set(principal!.keyId, (window = new KeyWindow()));
      window.prune(time);
      const name = principal!.label;
      if (policy.rpm !== undefined && window.requests >= policy.rpm) {
        const wait = window.secondsUntilRequestFrees(time);
        return new ProxyError('rate_limit', `The access key '${name}' is limited to ${policy.rpm} requests per minute. Try again in ${wait} s.`, { retryAfterSeconds: wait });
      }
      let tokens = 0;
      if (policy.tpm !== undefined) {
        const estimate = estimateCall(context, defaultMaxOutputTokens());
        tokens = estimate.inputTokens + estimate.outputTokens;
        if (tokens > policy.tpm) {
          return new ProxyError(
            'invalid_request',
            `This call could use ${tokens} tokens (estimated input plus its output cap), more than the ${policy.tpm} tokens per minute the access key '${name}' may use. Lower max_tokens, or raise the key's limit: switchyard keys update ${principal!.name ?? 'NAME'} --tpm N.`,
          );
        }
        if (window.tokens + tokens > policy.tpm) {
          const wait = window.secondsUntilTokensFree(window.tokens + tokens - policy.tpm, time);
          return new ProxyError('rate_limit', `The access key '${name}' is limited to ${policy.tpm} tokens per minute and has ${Math.round(window.tokens)} in use or reserved. Try again in ${wait} s.`, { retryAfterSeconds: wait });
        }
      }
      const entry = { time, tokens };
      window.add(entry);
      admitted.set(context, { window, entry });
      return undefined;
    },
    settle(context, outcome) {
      const booked = admitted.get(context);
      if (booked === undefined || context.principal?.policy?.tpm === undefined) return;
      const usage = outcome.usage;
      // Unknown usage: a refused or failed call used nothing; an answered one keeps its estimate.
      const tokens = usage !== undefined ? usage.inputTokens + usage.outputTokens : outcome.error !== undefined || outcome.target === undefined ? 0 : booked.entry.tokens;
      booked.window.resettle(booked.entry, tokens);
    },
  };
}
