/**
 * What governance adds to one call's CPU, outside HTTP: authenticate (the key's hash lookup),
 * plan + admit (allow-list, rate limits) and the budgets' per-attempt reservation and settlement,
 * with 3 named keys, 5 budgets and rate limits, against the same stages with none.
 * `node --import tsx bench/governance-microbench.ts`; `MICRO_STORE=sqlite` puts the spend ledger
 * and the rate counters in a temporary `switchyard.db` (as `switchyard serve` does), so the
 * store transactions that leases need show in the per-call figure. Calls go one at a time and
 * settle far under their estimate (270 tokens of 4,352), as a coding agent's do.
 */
import { defaultConfig, type SwitchyardConfig } from '../proxy/config/config';
import { hashKey, type NamedKeyEntry } from '../proxy/core/principal';
import { arrive } from '../proxy/call/request-context';
import { createContext } from '../proxy/pipeline/endpoint';
import { createRoutingState, createRuntime } from '../proxy/pipeline/create-runtime';
import { planAndAdmit } from '../proxy/pipeline/stage-steps';
import { settleHolds } from '../proxy/pipeline/execute';
import { ProxyEvents } from '../proxy/events/proxy-events';
import { BudgetAccounts } from '../proxy/policy/budget-accounts';
import { MemorySpendLedger } from '../proxy/store/memory-spend-ledger';
import { rateLimitsPolicy } from '../proxy/policy/rate-limits';
import { RateAccounts } from '../proxy/policy/rate-accounts';
import { MemoryRateCounters } from '../proxy/store/memory-rate-counters';
import { openaiBody } from './payloads';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStorage } from '../proxy/store/sqlite/sqlite-storage';

/** The ledger and counters governance runs on: in memory, or SQLite in a temporary folder. */
function stores(): { ledger: ConstructorParameters<typeof BudgetAccounts>[0]['ledger']; counters: ConstructorParameters<typeof RateAccounts>[0]['counters'] } {
  if (process.env.MICRO_STORE !== 'sqlite') return { ledger: new MemorySpendLedger(), counters: new MemoryRateCounters() };
  const storage = openSqliteStorage({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'switchyard-microbench-')), retentionDays: 0 });
  return { ledger: storage.spendLedger, counters: storage.rateCounters };
}

const body = Buffer.from(openaiBody('gpt-4o-mini', '1k', false));
const usage = { inputTokens: 250, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
let exchanges = 0;
const keys = ['sy-bench-a-0123456789012345678901234567890', 'sy-bench-b-0123456789012345678901234567890', 'sy-bench-c-0123456789012345678901234567890'];

function build(governed: boolean): { run: () => void | Promise<void> } {
  const config: SwitchyardConfig = defaultConfig();
  const env = { OPENAI_API_KEY: 'sk-bench' };
  const { ledger, counters } = stores();
  const accounts = new BudgetAccounts({ ledger });
  let namedKeys: NamedKeyEntry[] = [];
  if (governed) {
    config.budgets = [
      { name: 'team-daily', match: {}, limitUsd: 1e6, period: 'day', action: 'block' },
      { name: 'openai-monthly', match: { provider: 'openai' }, limitUsd: 1e6, period: 'month', action: 'block' },
      { name: 'mini-weekly', match: { model: 'openai/gpt-4o-mini*' }, limitUsd: 1e6, period: 'week', action: 'block' },
      { name: 'bench-key', match: { key: 'bench-a' }, limitUsd: 1e6, period: 'day', action: 'block' },
      { name: 'warn-only', match: {}, limitUsd: 1e6, period: 'day', action: 'warn' },
    ];
    namedKeys = ['bench-a', 'bench-b', 'bench-c'].map((name, index) => ({ hash: hashKey(keys[index]!), name, policy: { models: ['openai/*', 'anthropic/claude-*'], budget: { limitUsd: 1e6, period: 'day' }, rpm: 1e9, tpm: 1e12 } }));
  } else {
    config.accessKeys = [keys[0]!];
  }
  const routing = createRoutingState(config, env, { namedKeys, budgetAccounts: governed ? accounts : undefined, rateLimits: rateLimitsPolicy(() => 4096, new RateAccounts({ counters })), onKeyUse: () => {} });
  const runtime = createRuntime({ config, env, routing, store: undefined, events: new ProxyEvents(), log: () => {} });
  const reserve = routing.attemptPolicies;
  return {
    run: () => {
      const principal = runtime.routing.principals.lookup(keys[0]);
      const identity = arrive({ format: 'openai-chat', operation: 'generate', endpoint: '/v1/chat/completions', principal });
      const context = createContext(identity, { requestedModel: 'gpt-4o-mini', stream: false, headers: {}, query: '', raw: body, body: () => ({}), signal: new AbortController().signal, decode: () => { throw new Error('not decoded'); } });
      const admitted = planAndAdmit(runtime, context);
      // A rate-limit lease taken from the counters (the first call, then about one a second): settled when it lands.
      if (admitted instanceof Promise) {
        exchanges++;
        return admitted.then(() => {
          for (const policy of runtime.routing.policies) policy.settle?.(context, { target: undefined, decision: undefined as never, usage, firstTokenAt: undefined, error: undefined });
        });
      }
      if ('refusal' in admitted) throw new Error('not admitted');
      const target = admitted.plan.targets[0]!;
      for (const policy of reserve) {
        const held = policy.reserveAttempt!(context, { label: target.label, provider: target.provider.id, model: target.model });
        // A lease exchange (the first call, then about one in several thousand): settled when it lands.
        if (held instanceof Promise) {
          exchanges++;
          void held.then((hold) => hold !== undefined && 'settle' in hold && settleHolds([hold], usage, true));
        } else if (held !== undefined && 'settle' in held) settleHolds([held], usage, true);
        else throw new Error('refused');
      }
      for (const policy of runtime.routing.policies) policy.settle?.(context, { target: undefined, decision: admitted.plan.decision, usage, firstTokenAt: undefined, error: undefined });
      return undefined;
    },
  };
}

async function measure(name: string, run: () => void | Promise<void>): Promise<number> {
  for (let index = 0; index < Number(process.env.MICRO_WARM ?? 20_000); index++) await run();
  // Let the first lease exchange land before timing.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const count = Number(process.env.MICRO_CALLS ?? 100_000);
  const start = process.cpuUsage();
  for (let index = 0; index < count; index++) {
    const waiting = run();
    if (waiting !== undefined) await waiting;
  }
  const used = process.cpuUsage(start);
  const perCall = (used.user + used.system) / count;
  process.stdout.write(`${name}: ${perCall.toFixed(2)} µs CPU per call (${exchanges} ledger exchanges so far)\n`);
  return perCall;
}

async function main(): Promise<void> {
  const plain = build(false);
  const governed = build(true);
  const results: number[][] = [];
  for (let round = 0; round < 3; round++) {
    results.push([await measure('one unnamed key, no governance', plain.run), await measure('3 named keys, 5 budgets, rate limits', governed.run)]);
  }
  const best = (column: number): number => Math.min(...results.map((row) => row[column]!));
  process.stdout.write(`governance adds ${(best(1) - best(0)).toFixed(2)} µs per call (best of 3: ${best(0).toFixed(2)} → ${best(1).toFixed(2)} µs)\n`);
  process.exit(0);
}

void main();
