import assert from 'node:assert/strict';
import type { RateCounters, RateDenial, RateGrant, RateItem } from '../../../proxy/store/rate-counters';

/** A backend under test: `connect` opens another connection (another process's view) to one store. */
export interface RateCountersBackend {
  connect(): RateCounters | Promise<RateCounters>;
  /** Closes every connection and removes the store. */
  dispose(): Promise<void>;
}

const windowMs = 60_000;
const start = 1_900_000_000_000;

function rpm(scope: string, limit: number, amount = 1, open = false): RateItem {
  return { scope, windowMs, amount, limit, open };
}

function granted(answer: RateGrant | RateDenial): RateGrant {
  assert.equal(answer.granted, true, `expected a grant, got ${JSON.stringify(answer)}`);
  return answer as RateGrant;
}

function denied(answer: RateGrant | RateDenial): RateDenial {
  assert.equal(answer.granted, false, `expected a denial, got ${JSON.stringify(answer)}`);
  return answer as RateDenial;
}

/**
 * The contract of `RateCounters` (proxy/store/rate-counters.ts), run against every backend:
 * `describeRateCounters('SQLite', () => ({ connect, dispose }))`.
 */
export function describeRateCounters(name: string, open: () => RateCountersBackend | Promise<RateCountersBackend>): void {
  describe(`RateCounters contract: ${name}`, () => {
    let backend: RateCountersBackend;
    let counters: RateCounters;

    beforeEach(async () => {
      backend = await open();
      counters = await backend.connect();
    });
    afterEach(async () => {
      await backend.dispose();
    });

    it('books up to the limit and refuses the amount that would pass it', async () => {
      for (let call = 0; call < 3; call++) granted(await counters.reserve([rpm('rpm:a', 3)], start + call));
      const refusal = denied(await counters.reserve([rpm('rpm:a', 3)], start + 10));
      assert.equal(refusal.item, 0);
      assert.equal(refusal.inWindow, 3);
      // The first entry (at `start`) leaves the window first.
      assert.equal(refusal.retryAfterMs, windowMs - 10);
      granted(await counters.reserve([rpm('rpm:b', 3)], start + 10));
    });

    it('reserves every item or none', async () => {
      granted(await counters.reserve([rpm('tpm:a', 100, 90)], start));
      const refusal = denied(await counters.reserve([rpm('rpm:a', 10), rpm('tpm:a', 100, 20)], start + 1));
      assert.equal(refusal.item, 1);
      // Nothing was booked for the item that fitted.
      for (let call = 0; call < 10; call++) granted(await counters.reserve([rpm('rpm:a', 10)], start + 2));
    });

    it('slides: an entry counts while its time is within the window', async () => {
      granted(await counters.reserve([rpm('rpm:a', 1)], start));
      denied(await counters.reserve([rpm('rpm:a', 1)], start + windowMs - 1));
      granted(await counters.reserve([rpm('rpm:a', 1)], start + windowMs));
    });

    it('answers a retry after when enough of the window has left, oldest first', async () => {
      granted(await counters.reserve([rpm('tpm:a', 100, 30)], start));
      granted(await counters.reserve([rpm('tpm:a', 100, 30)], start + 1000));
      granted(await counters.reserve([rpm('tpm:a', 100, 30)], start + 2000));
      // 90 in the window, 40 asked: 30 over, so the first entry (30) must leave.
      assert.equal(denied(await counters.reserve([rpm('tpm:a', 100, 40)], start + 3000)).retryAfterMs, windowMs - 3000);
      // 50 asked: 40 over, so the first two must leave; 90 asked: all three.
      assert.equal(denied(await counters.reserve([rpm('tpm:a', 100, 50)], start + 3000)).retryAfterMs, windowMs - 2000);
      assert.equal(denied(await counters.reserve([rpm('tpm:a', 100, 90)], start + 3000)).retryAfterMs, windowMs - 1000);
      // More than the limit never fits: a whole window.
      assert.equal(denied(await counters.reserve([rpm('tpm:a', 100, 101)], start + 3000)).retryAfterMs, windowMs);
    });

    it('settles an entry to a new amount, handing back what was not used', async () => {
      const lease = granted(await counters.reserve([rpm('rpm:a', 10, 8, true)], start));
      const refusal = denied(await counters.reserve([rpm('rpm:a', 10, 3)], start + 1));
      assert.equal(refusal.open, 8, 'a lease not settled is open');
      await counters.settle([{ ...lease.entries[0]!, amount: 5 }]);
      const after = denied(await counters.reserve([rpm('rpm:a', 10, 6)], start + 2));
      assert.equal(after.inWindow, 5);
      assert.equal(after.open, 0, 'settled entries are closed');
      granted(await counters.reserve([rpm('rpm:a', 10, 5)], start + 3));
    });

    it('settles to a larger amount (tpm: more tokens than estimated) and keeps an open entry open when asked', async () => {
      const entry = granted(await counters.reserve([rpm('tpm:a', 100, 10, true)], start));
      await counters.settle([{ ...entry.entries[0]!, amount: 40, close: false }]);
      const refusal = denied(await counters.reserve([rpm('tpm:a', 100, 61)], start + 1));
      assert.equal(refusal.inWindow, 40);
      assert.equal(refusal.open, 40);
    });

    it('moves an entry later on settle, never earlier', async () => {
      const entry = granted(await counters.reserve([rpm('rpm:a', 1)], start));
      await counters.settle([{ ...entry.entries[0]!, amount: 1, time: start + 5000 }]);
      denied(await counters.reserve([rpm('rpm:a', 1)], start + windowMs + 1000));
      await counters.settle([{ ...entry.entries[0]!, amount: 1, time: start }]);
      denied(await counters.reserve([rpm('rpm:a', 1)], start + windowMs + 4999));
      granted(await counters.reserve([rpm('rpm:a', 1)], start + windowMs + 5000));
    });

    it('applies settlements carried by a reserve first, whatever the answer', async () => {
      const lease = granted(await counters.reserve([rpm('rpm:a', 10, 10, true)], start));
      // The lease hands back 6 and the new one takes 5: it fits only after the settlement.
      const next = granted(await counters.reserve([rpm('rpm:a', 10, 5, true)], start + 1, [{ ...lease.entries[0]!, amount: 4 }]));
      assert.equal(next.entries.length, 1);
      // Refused, the settlement still stands: 4 + 5 in the window, the first one closed.
      const refusal = denied(await counters.reserve([rpm('rpm:a', 10, 2)], start + 2, [{ ...next.entries[0]!, amount: 5, close: false }]));
      assert.equal(refusal.inWindow, 9);
      assert.equal(refusal.open, 5);
    });

    it('leaves an unknown entry alone', async () => {
      await counters.settle([{ scope: 'rpm:a', id: 'no-such-entry', amount: 5 }]);
      granted(await counters.reserve([rpm('rpm:a', 1)], start));
    });

    it('admits exactly the limit when two connections reserve concurrently', async () => {
      const other = await backend.connect();
      const asks = Array.from({ length: 60 }, (_, index) => (index % 2 === 0 ? counters : other).reserve([rpm('rpm:shared', 25)], start + index));
      const answers = await Promise.all(asks);
      assert.equal(answers.filter((answer) => answer.granted).length, 25);
    });
  });
}
