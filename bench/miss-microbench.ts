/**
 * `node <bundle> [misses] [rounds]`: the response cache's own work on a 1 KB JSON miss, in
 * process, as the proxy runs it: the cache stage's lookup (settings, keys, the fingerprint, the
 * store's `mayHold`), the fill's `onBytes` and `onEnd`, and the store after the response closed
 * (`setDeferred`, the probation ring's `put`), against a real `SqliteResponseCache` on a
 * temporary `switchyard.db`. Every miss is a new question (a unique 1 KB body, scanned before
 * the clock starts as the read stage would have), its answer a ~1 KB JSON view of a larger
 * buffer (as undici hands one over), its response an emitter already holding one 'close'
 * listener (the call's own, stages.ts), closed after the call's end. Prints the median, lowest
 * and highest of the rounds' CPU nanoseconds a miss (the process's, so garbage collection's helper
 * threads included, as it falls).
 *
 * For two builds, bundle it from each tree and run the bundles alternately (A B A B), each from a
 * folder whose node_modules resolves `node-sqlite3-wasm`:
 *
 *     npx esbuild bench/miss-microbench.ts --bundle --platform=node --external:node-sqlite3-wasm --outfile=/tmp/mb/after.js
 *
 * Instructions a miss: run a bundle under `valgrind --tool=callgrind` with two round counts (say
 * `3000 4` and `3000 12`) and divide the difference of the totals by the misses between them
 * (24,000), then subtract the same for `MISS_SETUP_ONLY=1` (making the unique bodies and their
 * scans, and the collector's work on them).
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileCacheSettings } from '../proxy/cache/cache-settings';
import { neutralBodyFields } from '../proxy/cache/request-bytes-key';
import type { CallOutcome } from '../proxy/call/outcome';
import type { RequestContext } from '../proxy/call/request-context';
import type { SwitchyardConfig } from '../proxy/config/config';
import { scanRequestHead } from '../proxy/inbound/json-scan';
import type { ExecutionPlan } from '../proxy/pipeline/admit';
import { lookupCache } from '../proxy/pipeline/cache-stage';
import type { ProxyRuntime } from '../proxy/pipeline/runtime';
import { openDatabase } from '../proxy/store/sqlite/open-database';
import { SqliteResponseCache } from '../proxy/store/sqlite/sqlite-response-cache';

const misses = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 12);
/** `MISS_SETUP_ONLY=1`: the misses are made and not sent, to count what making them costs (see below). */
const setupOnly = process.env.MISS_SETUP_ONLY === '1';

const dataDir = mkdtempSync(path.join(tmpdir(), 'miss-microbench-'));
const { database } = openDatabase(dataDir);
const store = new SqliteResponseCache(database, {});
const config = { cache: { enabled: false, ttlSeconds: 3600, maxMegabytes: 256, shared: false }, routes: { cached: { strategy: 'fallback', targets: ['openai/gpt-4o-mini'], cache: { enabled: true } } }, rules: [] } as unknown as SwitchyardConfig;
const runtime = { routing: { cache: compileCacheSettings(config), pricer: { price: () => 0.000169 } }, responseCache: store, log: (message: string) => process.stderr.write(`${message}\n`) } as unknown as ProxyRuntime;
const decision = { via: 'route', route: 'cached', strategy: 'fallback', candidates: [{ target: 'openai/gpt-4o-mini', outcome: 'tried', reason: 'route target' }], attempts: [] };
const plan = { decision, strategy: 'fallback', targets: [{ label: 'openai/gpt-4o-mini', provider: { id: 'openai' }, model: 'gpt-4o-mini', api: 'openai-chat', passthrough: true }] } as unknown as ExecutionPlan;
const headers = { host: '127.0.0.1:8080', connection: 'keep-alive', 'content-type': 'application/json', authorization: 'Bearer sk-switchyard-local', 'user-agent': 'autocannon', 'content-length': '1100' };
const signal = new AbortController().signal;
const usage = { inputTokens: 250, outputTokens: 220, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
const outcome = { target: { provider: 'openai', model: 'gpt-4o-mini', passthrough: true }, decision, usage, firstTokenAt: 1, error: undefined, costUsd: 0.000169 } as unknown as CallOutcome;
// The answer as undici hands a whole JSON body over: a view of a larger buffer.
const readBuffer = Buffer.alloc(16 * 1024);
const answerLength = readBuffer.write(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(900) }, finish_reason: 'stop' }], usage: { prompt_tokens: 250, completion_tokens: 220, total_tokens: 470 } }), 512);
const answer = readBuffer.subarray(512, 512 + answerLength);

/** A client's response as the fill reads it, holding the call's own 'close' listener. */
class Response extends EventEmitter {
  closed = false;
  writableFinished = true;
}

interface Miss {
  context: RequestContext;
  response: Response;
}

function missesFrom(start: number, count: number): Miss[] {
  const made: Miss[] = [];
  for (let index = 0; index < count; index++) {
    const raw = Buffer.from(JSON.stringify({ model: 'cached', messages: [{ role: 'system', content: 's'.repeat(300) }, { role: 'user', content: `[${start + index}] ${'q'.repeat(700)}` }] }));
    const scan = { neutralMembers: scanRequestHead(raw, neutralBodyFields['openai-chat']).neutralMembers };
    const context = {
      id: `call-${start + index}`,
      operation: 'generate',
      purpose: 'served',
      format: 'openai-chat',
      headers,
      raw,
      scan,
      stream: false,
      signal,
      principal: undefined,
      canonical: () => {
        throw new Error('a miss of one client format decodes nothing');
      },
    } as unknown as RequestContext;
    const response = new Response();
    response.once('close', () => {});
    made.push({ context, response });
  }
  return made;
}

/** CPU nanoseconds a miss over the batch: the process's CPU time, not the wall clock, which other processes' load stretches. */
async function round(batch: readonly Miss[]): Promise<number> {
  const began = process.cpuUsage();
  if (setupOnly) return 0;
  for (const { context, response } of batch) {
    const lookup = await lookupCache(runtime, context, plan, response as never);
    if (lookup.kind !== 'fetch' || lookup.observer === undefined) throw new Error('not a miss');
    lookup.observer.onBytes!(answer);
    lookup.observer.onEnd!(outcome);
    response.closed = true;
    response.emit('close');
  }
  const spent = process.cpuUsage(began);
  return ((spent.user + spent.system) * 1e3) / batch.length;
}

async function main(): Promise<void> {
  let next = 1;
  const times: number[] = [];
  for (let index = 0; index < rounds + 2; index++) {
    const batch = missesFrom(next, misses);
    next += misses;
    const time = await round(batch);
    // The first two rounds warm the compiler up.
    if (index >= 2) times.push(time);
  }
  times.sort((left, right) => left - right);
  process.stdout.write(`miss: median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ns (lowest ${times[0]!.toFixed(0)}, highest ${times[times.length - 1]!.toFixed(0)}), ${(await store.size()).entries} entries held\n`);
  await store.close();
  database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

void main();
