import assert from 'node:assert/strict';
import { defaultRetry, type RetryConfig } from '../../../proxy/config/config';
import { ProxyError } from '../../../proxy/core/errors';
import { upstreamFailure } from '../../../proxy/upstream/upstream-client';
import {
  isRetryable,
  parseDuration,
  parseRetryAfter,
  RetryBudget,
  retryDelayMs,
} from '../../../proxy/routing/retry-policy';

/** A random source that plays back the given draws and fails the test when it runs out. */
function scriptedRandom(draws: number[]): () => number {
  let index = 0;
  return () => {
    assert.ok(index < draws.length, 'random() drawn more often than scripted');
    return draws[index++]!;
  };
}

function upstreamError(status: number, retryAfterSeconds?: number): ProxyError {
  return new ProxyError('api_error', `status ${status}`, { status, provider: 'openai', retryAfterSeconds });
}

describe('isRetryable', () => {
  for (const status of [408, 409, 429, 500, 502, 503, 504, 529]) {
    it(`retries ${status}`, () => assert.equal(isRetryable(upstreamError(status)), true));
  }
  for (const status of [400, 401, 403, 404, 413, 422]) {
    it(`does not retry ${status}`, () => assert.equal(isRetryable(upstreamError(status)), false));
  }

  it('retries an unreachable provider and an upstream timeout, as the upstream client reports them', () => {
    const refused = upstreamFailure(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'http://127.0.0.1:9/v1', 'ollama');
    const timedOut = upstreamFailure(Object.assign(new Error('slow'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'https://api.groq.com/openai/v1', 'groq');
    assert.equal(refused.status, 502);
    assert.equal(isRetryable(refused), true);
    assert.equal(timedOut.kind, 'timeout');
    assert.equal(isRetryable(timedOut), true);
  });

  it('retries by kind when the status is an unlisted one', () => {
    assert.equal(isRetryable(new ProxyError('rate_limit', 'slow down', { status: 420 })), true);
    assert.equal(isRetryable(new ProxyError('invalid_request', 'gone', { status: 410 })), false);
  });
});

describe('retryDelayMs', () => {
  const retry: RetryConfig = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8000, budgetMs: 60_000 };
  const error = upstreamError(503);

  it('doubles the jitter ceiling each retry until maxDelayMs', () => {
    // A draw just under 1 shows the ceiling; the floor keeps whole milliseconds.
    const almostOne = 1 - 2 ** -40;
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelayMs(attempt, error, retry, () => almostOne));
    assert.deepEqual(ceilings, [249, 499, 999, 1999, 3999, 7999, 7999, 7999]);
  });

  it('draws uniformly from zero to the ceiling (full jitter)', () => {
    const random = scriptedRandom([0, 0.5, 0.25]);
    assert.equal(retryDelayMs(3, error, retry, random), 0);
    assert.equal(retryDelayMs(3, error, retry, random), 500);
    assert.equal(retryDelayMs(3, error, retry, random), 250);
  });

  it('stays inside [0, ceiling) over many draws', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647);
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = Math.min(8000, 250 * 2 ** (attempt - 1));
      for (let draw = 0; draw < 200; draw++) {
        const delay = retryDelayMs(attempt, error, retry, random);
        assert.ok(delay >= 0 && delay < ceiling, `attempt ${attempt}: ${delay} outside [0, ${ceiling})`);
      }
    }
  });

  it('survives absurd attempt numbers', () => {
    assert.equal(retryDelayMs(5000, error, retry, () => 0.5), 4000);
    assert.equal(retryDelayMs(2000, error, { ...retry, baseDelayMs: 0 }, () => 0.5), 0);
  });

  it('waits exactly what Retry-After said, without drawing', () => {
    const random = scriptedRandom([]);
    assert.equal(retryDelayMs(1, upstreamError(429, 2), retry, random), 2000);
    assert.equal(retryDelayMs(1, upstreamError(429, 0.25), retry, random), 250);
    assert.equal(retryDelayMs(1, upstreamError(429, 0), retry, random), 0);
  });

  it('accepts a Retry-After equal to maxDelayMs and moves on from a longer one', () => {
    const random = scriptedRandom([]);
    assert.equal(retryDelayMs(1, upstreamError(429, 8), retry, random), 8000);
    assert.equal(retryDelayMs(1, upstreamError(429, 8.001), retry, random), Infinity);
    assert.equal(retryDelayMs(1, upstreamError(503, 3600), retry, random), Infinity);
  });

  it('uses the defaults of the config', () => {
    assert.equal(retryDelayMs(1, error, defaultRetry(), () => 0.5), 125);
  });
});

describe('parseRetryAfter', () => {
  const now = () => Date.parse('2026-03-01T12:00:00Z');

  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter({ 'retry-after': '20' }, now), 20);
    assert.equal(parseRetryAfter({ 'retry-after': ' 1.5 ' }, now), 1.5);
    assert.equal(parseRetryAfter({ 'retry-after': '0' }, now), 0);
  });

  it('reads an HTTP date, relative to the injected clock', () => {
    assert.equal(parseRetryAfter({ 'retry-after': 'Sun, 01 Mar 2026 12:00:30 GMT' }, now), 30);
  });

  it('reads a past date as 0', () => {
    assert.equal(parseRetryAfter({ 'retry-after': 'Sun, 01 Mar 2026 11:59:00 GMT' }, now), 0);
  });

  it('prefers retry-after-ms, which is more precise', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': '1250', 'retry-after': '2' }, now), 1.25);
  });

  it('ignores values it cannot read and falls through to the next header', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': 'soon', 'retry-after': '3' }, now), 3);
    assert.equal(parseRetryAfter({ 'retry-after': 'later', 'x-ratelimit-reset-requests': '2s' }, now, 429), 2);
    assert.equal(parseRetryAfter({ 'retry-after': '-5' }, now), undefined);
    assert.equal(parseRetryAfter({}, now), undefined);
  });

  it('takes the first of repeated headers', () => {
    assert.equal(parseRetryAfter({ 'retry-after': ['4', '9'] }, now), 4);
  });

  it('reads the reset of the OpenAI limit that is exhausted', () => {
    const headers = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '6m0s',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-tokens': '6ms',
    };
    assert.equal(parseRetryAfter(headers, now, 429), 360);
  });

  it('takes the latest OpenAI reset when no limit says it is exhausted', () => {
    const headers = {
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-remaining-tokens': '1200',
      'x-ratelimit-reset-tokens': '7.66s',
    };
    assert.equal(parseRetryAfter(headers, now, 429), 7.66);
  });

  it('reads the reset of the Anthropic limit that is exhausted', () => {
    const headers = {
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': '2026-03-01T12:00:01Z',
      'anthropic-ratelimit-input-tokens-remaining': '0',
      'anthropic-ratelimit-input-tokens-reset': '2026-03-01T12:00:12Z',
      'anthropic-ratelimit-output-tokens-remaining': '8000',
      'anthropic-ratelimit-output-tokens-reset': '2026-03-01T12:00:40Z',
    };
    assert.equal(parseRetryAfter(headers, now, 429), 12);
  });

  it('prefers Retry-After to the rate-limit resets', () => {
    const headers = {
      'retry-after': '5',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-03-01T12:00:40Z',
    };
    assert.equal(parseRetryAfter(headers, now, 429), 5);
  });

  it('ignores rate-limit resets on answers that are not 429', () => {
    const headers = { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '20s' };
    assert.equal(parseRetryAfter(headers, now, 503), undefined);
    assert.equal(parseRetryAfter({ ...headers, 'retry-after': '1' }, now, 503), 1);
    assert.equal(parseRetryAfter(headers, now), 20);
  });
});

describe('parseDuration', () => {
  it('reads Go-style durations', () => {
    assert.equal(parseDuration('1s'), 1);
    assert.equal(parseDuration('6m0s'), 360);
    assert.equal(parseDuration('250ms'), 0.25);
    assert.equal(parseDuration('1h2m3.5s'), 3723.5);
    assert.equal(parseDuration('2m59.56s'), 179.56);
    assert.equal(parseDuration('12'), 12);
  });

  it('rejects anything else', () => {
    assert.equal(parseDuration(''), undefined);
    assert.equal(parseDuration('s'), undefined);
    assert.equal(parseDuration('5 minutes'), undefined);
    assert.equal(parseDuration('3d'), undefined);
    assert.equal(parseDuration(undefined), undefined);
  });
});

describe('RetryBudget', () => {
  it('counts down with the clock and refuses waits that would use it up', () => {
    let time = 1000;
    const budget = new RetryBudget(5000, () => time);
    assert.equal(budget.remaining(), 5000);
    assert.equal(budget.allows(4999), true);
    assert.equal(budget.allows(5000), false);
    time += 3000;
    assert.equal(budget.remaining(), 2000);
    assert.equal(budget.allows(1500), true);
    assert.equal(budget.allows(2500), false);
    time += 2000;
    assert.equal(budget.remaining(), 0);
    assert.equal(budget.allows(0), false);
    time += 10_000;
    assert.equal(budget.remaining(), 0);
  });

  it('never allows an infinite wait', () => {
    const budget = new RetryBudget(Infinity, () => 0);
    assert.equal(budget.allows(1e12), true);
    assert.equal(budget.allows(Infinity), false);
  });
});
