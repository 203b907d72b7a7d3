import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { cacheFillObserver, type CacheFillStore } from '../../../proxy/cache/cache-fill';
import type { CallOutcome } from '../../../proxy/call/outcome';
import type { CachedQuestion, CachedResponse, DeferredKey, ResponseCache } from '../../../proxy/store/response-cache';

/** A client's response as the fill reads it: closed or not, sent whole or not, and its 'close'. */
class FakeResponse extends EventEmitter {
  closed = false;
  writableFinished = false;

  close(whole: boolean): void {
    this.writableFinished = whole;
    this.closed = true;
    this.emit('close');
  }
}

describe('cacheFillObserver', () => {
  const question: CachedQuestion = { target: 'openai/gpt-4o-mini', format: 'openai-chat', owner: 'shared', request: Buffer.from('{"messages":[]}'), headers: {}, fingerprint: 5 };
  const outcome: CallOutcome = {
    target: { provider: 'openai', model: 'gpt-4o-mini', passthrough: true },
    decision: undefined,
    usage: { inputTokens: 3, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    firstTokenAt: 1,
    error: undefined,
    costUsd: 0.5,
  } as unknown as CallOutcome;

  function fill(keys: Array<string | DeferredKey>, signal = new AbortController().signal) {
    const stored: Array<{ key: string | DeferredKey; entry: CachedResponse }> = [];
    const cache = {
      set: async (key: string, entry: CachedResponse) => void stored.push({ key, entry }),
      setDeferred: async (key: DeferredKey, entry: CachedResponse) => void stored.push({ key, entry }),
    } as unknown as ResponseCache;
    const store: CacheFillStore = { cache, maximumBytes: 1_000, price: () => 1, now: () => 7, log: () => {} };
    const response = new FakeResponse();
    const observer = cacheFillObserver(store, { keys: { keysFor: () => keys, question: () => question }, ttlSeconds: 60, format: 'openai-chat', stream: false, apiVersion: undefined, response, signal });
    return { observer, response, stored };
  }

  it('stores the answer once the response closed having sent it whole, with its question, its bytes as they came', async () => {
    const { observer, response, stored } = fill(['key-1']);
    // A buffer of its own, as a whole JSON answer read at once is (a pool's slice would be copied).
    const answer = Buffer.alloc(23);
    answer.write('{"id":"x","choices":[]}');
    observer.onBytes!(answer);
    observer.onEnd!(outcome);
    assert.equal(stored.length, 0, 'not before the response closed');
    response.close(true);
    await Promise.resolve();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.key, 'key-1');
    assert.equal(stored[0]!.entry.body, answer, 'a whole buffer is kept as it is, not copied');
    assert.equal(stored[0]!.entry.question, question);
    assert.deepEqual(stored[0]!.entry.metadata, { provider: 'openai', model: 'gpt-4o-mini', usage: outcome.usage, costUsd: 0.5, storedAt: 7, wireApi: 'openai-chat', wireStream: false } as unknown as CachedResponse['metadata']);
  });

  it('stores at the call\'s end a response finished already (every byte with the kernel), without listening for its close', () => {
    const { observer, response, stored } = fill(['key-1']);
    response.writableFinished = true;
    observer.onBytes!(Buffer.from('{"id":"x","choices":[]}'));
    observer.onEnd!(outcome);
    assert.equal(stored.length, 1, 'stored within onEnd, not a turn or a close later');
    assert.equal(response.listenerCount('close'), 0, 'no listener left on the response');
    response.close(true);
    assert.equal(stored.length, 1, 'stored once');
  });

  it('listens for the close of a response not finished at the call\'s end, and stores nothing if it was cut', async () => {
    const { observer, response, stored } = fill(['key-1']);
    observer.onBytes!(Buffer.from('{"id":"x"}'));
    observer.onEnd!(outcome);
    assert.equal(response.listenerCount('close'), 1);
    response.close(false);
    await Promise.resolve();
    assert.equal(stored.length, 0);
  });

  it('stores nothing when the response closed before the client had it all', async () => {
    const { observer, response, stored } = fill(['key-1']);
    observer.onBytes!(Buffer.from('{"id":"x"}'));
    observer.onEnd!(outcome);
    response.close(false);
    await Promise.resolve();
    assert.equal(stored.length, 0);
  });

  it('reads a response closed already at the end of the call, and copies chunks into one buffer', async () => {
    const { observer, response, stored } = fill(['key-1', 'key-2']);
    response.closed = true;
    response.writableFinished = true;
    const pool = Buffer.from('data: a\n\ndata: b\n\n');
    observer.onBytes!(pool.subarray(0, 9));
    observer.onBytes!(pool.subarray(9));
    observer.onEnd!(outcome);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(stored.map(({ key }) => key), ['key-1', 'key-2']);
    assert.equal((stored[0]!.entry.body as Buffer).toString(), pool.toString());
    assert.equal(stored[1]!.entry.question, undefined, 'the second key without the question');
  });

  it('copies a single chunk that is a view of a larger buffer, so an entry never holds more than its bytes', async () => {
    const { observer, response, stored } = fill(['key-1']);
    const read = Buffer.alloc(64 * 1024);
    read.write('{"id":"x"}');
    observer.onBytes!(read.subarray(0, 10));
    observer.onEnd!(outcome);
    response.close(true);
    await Promise.resolve();
    const body = stored[0]!.entry.body as Buffer;
    assert.equal(body.toString(), '{"id":"x"}');
    assert.notEqual(body.buffer, read.buffer);
  });

  it('hands a deferred key\'s store the view as it came (that store copies what it keeps), with the question', () => {
    const deferred: DeferredKey = { fingerprint: 5, key: () => 'key-1' };
    const { observer, response, stored } = fill([deferred]);
    response.writableFinished = true;
    const read = Buffer.alloc(64 * 1024);
    read.write('{"id":"x"}', 100);
    observer.onBytes!(read.subarray(100, 110));
    observer.onEnd!(outcome);
    assert.equal(stored[0]!.key, deferred);
    const body = stored[0]!.entry.body as Buffer;
    assert.equal(body.buffer, read.buffer, 'not copied on the way');
    assert.equal(body.toString(), '{"id":"x"}');
    assert.equal(stored[0]!.entry.question, question);
  });

  it('stores nothing for a call the client left, nor for an answer past the bound', async () => {
    const left = new AbortController();
    const leaving = fill(['key-1'], left.signal);
    leaving.observer.onBytes!(Buffer.from('{}'));
    left.abort();
    leaving.observer.onEnd!(outcome);
    leaving.response.close(true);
    const large = fill(['key-1']);
    large.observer.onBytes!(Buffer.alloc(600));
    large.observer.onBytes!(Buffer.alloc(600));
    large.observer.onEnd!(outcome);
    large.response.close(true);
    await Promise.resolve();
    assert.equal(leaving.stored.length + large.stored.length, 0);
  });
});
