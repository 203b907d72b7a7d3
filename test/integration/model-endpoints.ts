import http from 'node:http';

/** A raw request, so that nothing between the test and the proxy cleans the model name up. */
export function rawPost(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const { port } = new URL(url);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { host: 'localhost', 'content-type': 'application/json', ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const messages = [{ role: 'user', content: 'hi' }];

/** Every model endpoint, each as a path and body naming `model`. */
export const modelEndpoints: Array<{ name: string; request: (model: string, stream: boolean) => { path: string; body: unknown } }> = [
  { name: 'chat', request: (model, stream) => ({ path: '/v1/chat/completions', body: { model, stream, messages } }) },
  { name: 'responses', request: (model, stream) => ({ path: '/v1/responses', body: { model, stream, input: 'hi' } }) },
  { name: 'messages', request: (model, stream) => ({ path: '/v1/messages', body: { model, stream, max_tokens: 16, messages } }) },
  { name: 'count_tokens', request: (model) => ({ path: '/v1/messages/count_tokens', body: { model, messages } }) },
  { name: 'embeddings', request: (model) => ({ path: '/v1/embeddings', body: { model, input: 'hi' } }) },
  {
    name: 'gemini',
    request: (model, stream) => ({
      path: `/v1beta/models/${encodePathSegment(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    }),
  },
];

/** `encodeURIComponent`, with a lone surrogate sent as bytes that are not UTF-8 (as a hostile client could). */
function encodePathSegment(text: string): string {
  return text.replace(/[\s\S]/gu, (character) => {
    try {
      return encodeURIComponent(character);
    } catch {
      return '%ED%A0%80';
    }
  });
}
