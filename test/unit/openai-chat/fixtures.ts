import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CanonicalRequest } from '../../../proxy/core/request';
import { SseParser, type SseEvent } from '../../../proxy/sse/sse-parser';

const folder = path.resolve('test/fixtures/openai-chat');

export function readFixture(name: string): string {
  return readFileSync(path.join(folder, name), 'utf8');
}

export function readJsonFixture(name: string): any {
  return JSON.parse(readFixture(name));
}

/** A `.chunks.txt` fixture as the SSE events the proxy's parser would produce from it. */
export function readSseFixture(name: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(Buffer.from(readFixture(name))), ...parser.end()];
}

/** SSE text as events, for checking what an encoder wrote. */
export function parseSse(text: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(Buffer.from(text)), ...parser.end()];
}

export function context(request: Partial<CanonicalRequest> = {}) {
  return {
    requestId: 'sy_0123456789',
    model: 'gpt-4o-mini',
    created: 1747900000,
    request: { model: 'gpt-4o-mini', messages: [], stream: true, ...request },
  };
}
