import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inboundCodecs, providerAdapters } from '../../../proxy/codecs/registry';
import { ProxyError } from '../../../proxy/core/errors';
import type { CanonicalRequest, ClientFormat, WireApi } from '../../../proxy/core/request';
import { mutateJson, seededRandom } from '../providers/wire-fuzz';

/**
 * A bounded, seeded fuzz of the inbound decoders: thousands of structurally mutated request
 * bodies per client format, each decoded and then encoded for every provider API. Anything a
 * client can send must end as a canonical request or a ProxyError in the 4xx range (a clear
 * error in the client's format), never as a TypeError that becomes Switchyard's own 500. A
 * failing input goes into `test/fixtures/fuzz/decoder-regressions.json`, replayed first.
 */

const fixtures = path.resolve(__dirname, '../../fixtures');
/** Mutated bodies per format and per run; the seed makes every run the same. */
const rounds = Number(process.env.FUZZ_ROUNDS ?? 2000);
const seed = Number(process.env.FUZZ_SEED ?? 15);

const requestFixtures: Record<ClientFormat, string[]> = {
  'openai-chat': readdirSync(path.join(fixtures, 'openai-chat')).filter((name) => name.startsWith('request-')).map((name) => `openai-chat/${name}`),
  'openai-responses': ['openai-responses/codex-request.json'],
  'anthropic-messages': ['anthropic/claude-code-request.json'],
  gemini: ['gemini/client-request-rest.json', 'gemini/client-request-sdk.json', 'gemini/request-system-image.json', 'gemini/request-tool-round-trip.json'],
};

const apis: WireApi[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'];

interface Regression {
  format: ClientFormat;
  body: unknown;
  /** What went wrong before it was fixed. */
  note: string;
}

const regressions = JSON.parse(readFileSync(path.join(fixtures, 'fuzz/decoder-regressions.json'), 'utf8')) as Regression[];

/** Decodes and encodes for every provider API; returns the unexpected throw, if any. */
function unexpectedFailure(format: ClientFormat, body: unknown): unknown {
  let canonical: CanonicalRequest;
  try {
    canonical = inboundCodecs[format].decodeRequest(body);
    if (format === 'gemini') {
      canonical.model = 'gemini-2.5-flash';
      canonical.stream = false;
    }
  } catch (error) {
    return error instanceof ProxyError && error.status >= 400 && error.status < 500 ? undefined : error;
  }
  for (const api of apis) {
    try {
      providerAdapters[api].encodeRequest({ ...canonical, model: 'model-x' }, { provider: 'fuzz', baseUrl: 'https://fuzz.example/v1', apiKey: 'key', model: 'model-x' });
    } catch (error) {
      if (!(error instanceof ProxyError && error.status >= 400 && error.status < 500)) return error;
    }
  }
  return undefined;
}

describe('fuzzing the inbound decoders (seeded, bounded)', function () {
  this.timeout(60_000);

  it('replays the regression corpus', () => {
    for (const [index, regression] of regressions.entries()) {
      const failure = unexpectedFailure(regression.format, regression.body);
      assert.equal(failure, undefined, `regression ${index} (${regression.note}): ${(failure as Error)?.stack}`);
    }
  });

  for (const format of Object.keys(requestFixtures) as ClientFormat[]) {
    it(`${format}: ${rounds} mutated bodies decode, or are refused with a 4xx ProxyError`, () => {
      const random = seededRandom(seed);
      const bodies = requestFixtures[format].map((file) => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8')) as unknown);
      const failures: Array<{ body: unknown; error: string }> = [];
      for (let round = 0; round < rounds; round++) {
        let body = bodies[Math.floor(random() * bodies.length)];
        // One to three changes stacked: deeper damage than a single field.
        const changes = 1 + Math.floor(random() * 3);
        for (let change = 0; change < changes; change++) body = mutateJson(body, random);
        const failure = unexpectedFailure(format, body);
        if (failure !== undefined && failures.length < 5) failures.push({ body, error: (failure as Error)?.stack ?? String(failure) });
      }
      assert.deepEqual(failures.map((failure) => failure.error), [], `add these to test/fixtures/fuzz/decoder-regressions.json:\n${JSON.stringify(failures.map(({ body }) => ({ format, body, note: '' })))}`);
    });
  }
});
