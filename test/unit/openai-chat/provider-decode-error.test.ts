import assert from 'node:assert/strict';
import { openAiChatAdapter } from '../../../proxy/providers/openai-chat/adapter';
import { readFixture } from './fixtures';

function decode(status: number, body: string, provider: string) {
  const error = openAiChatAdapter.decodeError(status, body, provider);
  return { kind: error.kind, status: error.status, message: error.message, param: error.param };
}

describe('openai-compatible decodeError', () => {
  it('reads an OpenAI invalid key (invalid_request_error type, refined by its code)', () => {
    assert.deepEqual(decode(401, readFixture('error-openai-invalid-api-key.json'), 'openai'), {
      kind: 'authentication',
      status: 401,
      message:
        'openai: Incorrect API key provided: sk-proj-********************************************abcd. You can find your API key at https://platform.openai.com/account/api-keys.',
      param: undefined,
    });
  });

  it('keeps OpenAI’s param', () => {
    const decoded = decode(400, readFixture('error-openai-context-length.json'), 'openai');
    assert.equal(decoded.kind, 'invalid_request');
    assert.equal(decoded.param, 'messages');
    assert.match(decoded.message, /^openai: This model's maximum context length is 128000 tokens/);
  });

  it('reads a Groq rate limit', () => {
    const decoded = decode(429, readFixture('error-groq-rate-limit.json'), 'groq');
    assert.equal(decoded.kind, 'rate_limit');
    assert.equal(decoded.status, 429);
    assert.match(decoded.message, /^groq: Rate limit reached for model `llama-3.3-70b-versatile`/);
  });

  it('reads Mistral’s flat error object', () => {
    assert.deepEqual(decode(400, readFixture('error-mistral.json'), 'mistral'), {
      kind: 'invalid_request',
      status: 400,
      message: 'mistral: Invalid model: mistral-huge-latest',
      param: undefined,
    });
  });

  it('reads Ollama’s string error', () => {
    assert.deepEqual(decode(404, readFixture('error-ollama.json'), 'ollama'), {
      kind: 'not_found',
      status: 404,
      message: 'ollama: model "llama3.3:70b" not found, try pulling it first',
      param: undefined,
    });
  });

  it('reads FastAPI validation details', () => {
    assert.deepEqual(decode(422, readFixture('error-fastapi.json'), 'local'), {
      kind: 'invalid_request',
      status: 422,
      message: 'local: body.messages: Field required',
      param: undefined,
    });
    assert.equal(decode(500, '{"detail":"CUDA out of memory"}', 'local').message, 'local: CUDA out of memory');
  });

  it('reads Gemini’s array-wrapped error', () => {
    assert.deepEqual(decode(400, readFixture('error-gemini-compat.json'), 'gemini'), {
      kind: 'invalid_request',
      status: 400,
      message: 'gemini: API key not valid. Please pass a valid API key.',
      param: undefined,
    });
  });

  it('falls back to the status, with short plain text but never an HTML page', () => {
    assert.deepEqual(decode(503, '<html><body><h1>503 Service Unavailable</h1></body></html>', 'together'), {
      kind: 'overloaded',
      status: 503,
      message: 'together answered HTTP 503',
      param: undefined,
    });
    assert.equal(decode(502, 'upstream connect error', 'fireworks').message, 'fireworks: upstream connect error');
    assert.equal(decode(500, '', 'deepinfra').message, 'deepinfra answered HTTP 500');
    assert.equal(decode(500, '{}', 'deepinfra').kind, 'api_error');
  });

  it('refines a vague status by the error type', () => {
    assert.equal(decode(400, '{"error":{"message":"busy","type":"overloaded_error"}}', 'x').kind, 'overloaded');
    assert.equal(decode(503, '{"error":{"message":"down","type":"server_error"}}', 'x').kind, 'overloaded');
  });
});
