import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeGeminiError, decodeGeminiErrorObject } from '../../../proxy/providers/gemini/decode-error';

const fixtures = path.join(__dirname, '../../fixtures/gemini');

function fixture(name: string): string {
  return readFileSync(path.join(fixtures, name), 'utf8');
}

describe('Gemini error decoder', () => {
  it('treats a 400 "API key not valid" as an authentication failure', () => {
    const error = decodeGeminiError(400, fixture('error-api-key-invalid.json'), 'google');
    assert.equal(error.kind, 'authentication');
    assert.equal(error.status, 401);
    assert.equal(error.provider, 'google');
    assert.equal(error.message, 'google: API key not valid. Please pass a valid API key.');
  });

  it('recognises a bad key by its message when no ErrorInfo came with it', () => {
    const body = JSON.stringify({
      error: { code: 400, message: 'API key expired. Please renew the API key.', status: 'INVALID_ARGUMENT' },
    });
    assert.equal(decodeGeminiError(400, body, 'gemini').kind, 'authentication');
  });

  it('treats the 403 for a missing key as an authentication failure', () => {
    const error = decodeGeminiError(403, fixture('error-missing-key.json'), 'gemini');
    assert.equal(error.kind, 'authentication');
  });

  it('reads RESOURCE_EXHAUSTED as a rate limit with the retry delay', () => {
    const error = decodeGeminiError(429, fixture('error-quota.json'), 'gemini');
    assert.equal(error.kind, 'rate_limit');
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterSeconds, 36);
    assert.ok(error.message.startsWith('gemini: You exceeded your current quota'));
  });

  it('reads UNAVAILABLE as overloaded, keeping the 503', () => {
    const error = decodeGeminiError(503, fixture('error-overloaded.json'), 'gemini');
    assert.equal(error.kind, 'overloaded');
    assert.equal(error.status, 503);
    assert.equal(error.message, 'gemini: The model is overloaded. Please try again later.');
  });

  it('reads NOT_FOUND and a plain INVALID_ARGUMENT', () => {
    assert.equal(decodeGeminiError(404, fixture('error-model-not-found.json'), 'gemini').kind, 'not_found');
    const invalid = JSON.stringify({
      error: { code: 400, message: '* GenerateContentRequest.contents: contents is not specified', status: 'INVALID_ARGUMENT' },
    });
    const error = decodeGeminiError(400, invalid, 'gemini');
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
  });

  it('reads the error wrapped in an array by the JSON streaming endpoint', () => {
    const body = `[${fixture('error-overloaded.json')}]`;
    assert.equal(decodeGeminiError(503, body, 'gemini').kind, 'overloaded');
  });

  it('falls back to the HTTP status for bodies that are not Google errors', () => {
    const error = decodeGeminiError(502, '<html><body>Bad Gateway</body></html>', 'gemini');
    assert.equal(error.kind, 'api_error');
    assert.equal(error.status, 502);
    assert.equal(error.message, 'gemini answered HTTP 502');
    assert.equal(decodeGeminiError(504, 'upstream request timeout', 'gemini').message, 'gemini: upstream request timeout');
  });

  it('decodes an error object found inside a stream', () => {
    const error = decodeGeminiErrorObject({ code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' }, 'gemini');
    assert.equal(error.kind, 'api_error');
    assert.equal(error.status, 500);
    assert.equal(error.message, 'gemini: An internal error has occurred.');
  });
});
