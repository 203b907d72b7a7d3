import { ProxyError } from '../core/errors';
import type { CallPolicy } from '../call/call-policy';
import type { RequestContext } from '../call/request-context';
import type { KeyPolicy } from '../core/principal';
import { estimateCall } from './call-estimate';
import { RateAccount, type RateAccounts, type RateReservation, type RateTake } from './rate-accounts';

/** A key's limits as accounts: one per limit it has. */
interface KeyAccounts {
  rpm: RateAccount | undefined;
  tpm: RateAccount | undefined;
  /** The accounts in use and what each call takes from them (1 request; the estimate of tokens). */
  list: RateAccount[];
}

/**
 * Per-key rate limits as a call policy: `rpm` requests and `tpm` tokens over a sliding minute,
 * shared by every proxy on the same store (`RateAccounts` over the rate counters). A cache hit
 * counts: it is admitted before the cache lookup. Tokens are reserved at admission from the
 * call's estimate and settled to the real count. Over a limit: 429 with `Retry-After` in the
 * client's format. Calls Switchyard makes itself (split shadow and judge calls) are not
 * limited: the client did not make them (they are budgeted).
 */
export function rateLimitsPolicy(defaultMaxOutputTokens: () => number, accounts: RateAccounts): CallPolicy {
  const byKey = new Map<string, KeyAccounts>();
  const admitted = new WeakMap<RequestContext, readonly RateTake[]>();
  const accountsOf = (keyId: string, policy: KeyPolicy): KeyAccounts => {
    let own = byKey.get(keyId);
    if (own === undefined) {
      own = { rpm: undefined, tpm: undefined, list: [] };
      byKey.set(keyId, own);
    }
    // A key's limits may change while it runs (keys update): the accounts follow.
    if ((own.rpm?.limit ?? undefined) !== policy.rpm || (own.tpm?.limit ?? undefined) !== policy.tpm) {
      own.rpm = policy.rpm === undefined ? undefined : (own.rpm ?? new RateAccount(`rpm:${keyId}`, policy.rpm));
      if (own.rpm !== undefined) own.rpm.limit = policy.rpm!;
      own.tpm = policy.tpm === undefined ? undefined : (own.tpm ?? new RateAccount(`tpm:${keyId}`, policy.tpm));
      if (own.tpm !== undefined) own.tpm.limit = policy.tpm!;
      own.list = [own.rpm, own.tpm].filter((account): account is RateAccount => account !== undefined);
    }
    return own;
  };
  return {
    name: 'rate-limits',
    admitCall(context) {
      const principal = context.principal;
      const policy = principal?.policy;
      if (policy === undefined || (policy.rpm === undefined && policy.tpm === undefined) || context.purpose !== 'served') return undefined;
      const own = accountsOf(principal!.keyId, policy);
      const name = principal!.label;
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
      }
      const amounts = own.list.map((account) => (account === own.tpm ? tokens : 1));
      const takes = accounts.takeFromLeases(own.list, amounts, Date.now());
      if (takes !== undefined) {
        admitted.set(context, takes);
        return undefined;
      }
      return accounts.reserve(own.list, amounts).then((reservation) => answer(context, reservation, own, name, policy));
    },
    settle(context, outcome) {
      const takes = admitted.get(context);
      if (takes === undefined) return;
      admitted.delete(context);
      for (const take of takes) {
        if (take.account.scope.startsWith('rpm:')) accounts.settle(take, take.amount);
        else {
          const usage = outcome.usage;
          // Unknown usage: a refused or failed call used nothing; an answered one keeps its estimate.
          const tokens = usage !== undefined ? usage.inputTokens + usage.outputTokens : outcome.error !== undefined || outcome.target === undefined ? 0 : take.amount;
          accounts.settle(take, tokens);
        }
      }
    },
  };

  function answer(context: RequestContext, reservation: RateReservation, own: KeyAccounts, name: string, policy: KeyPolicy): ProxyError | undefined {
    if (reservation.granted) {
      admitted.set(context, reservation.takes);
      return undefined;
    }
    const wait = Math.max(1, Math.ceil(reservation.retryAfterMs / 1000));
    if (reservation.account === own.rpm) {
      return new ProxyError('rate_limit', `The access key '${name}' is limited to ${policy.rpm} requests per minute. Try again in ${wait} s.`, { retryAfterSeconds: wait });
    }
    return new ProxyError('rate_limit', `The access key '${name}' is limited to ${policy.tpm} tokens per minute and has ${Math.round(reservation.inWindow)} in use or reserved. Try again in ${wait} s.`, { retryAfterSeconds: wait });
  }
}
