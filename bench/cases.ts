/** The benchmark cases: which client API, which body, streamed or not, passthrough or translated. */
import { anthropicBody, openaiBody, type BodySize, type ClientApi } from './payloads';
import { streamEventCounts } from './upstream-replies';

export interface BenchCase {
  name: string;
  /** Passthrough: client and provider speak the same API. Translation: Switchyard converts. */
  kind: 'passthrough' | 'translation';
  api: ClientApi;
  size: BodySize;
  stream: boolean;
  path: string;
  headers: Record<string, string>;
  /** Body sent to Switchyard. */
  body: string;
  /** Body sent to the direct and bare targets; differs only for translation (the model name). */
  floorBody: string;
  /** Exact SSE events a client must receive, for passthrough streams. */
  expectedEvents?: number;
}

const openaiHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-openai-0000' };
const anthropicHeaders = {
  'content-type': 'application/json',
  'x-api-key': 'sk-ant-bench-0000',
  'anthropic-version': '2023-06-01',
};

function sizeLabel(size: BodySize): string {
  return size === '1k' ? '1 KB' : '80 KB';
}

/**
 * Every case, or those whose name contains one of the comma-separated parts of `filter`
 * (case-insensitive).
 */
export function buildCases(filter?: string): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const size of ['1k', '80k'] as const) {
    for (const stream of [false, true]) {
      const label = `${sizeLabel(size)} ${stream ? 'stream' : 'json'}`;
      const openai = openaiBody('gpt-4o-mini', size, stream);
      cases.push({
        name: `OpenAI → OpenAI ${label}`,
        kind: 'passthrough',
        api: 'openai',
        size,
        stream,
        path: '/v1/chat/completions',
        headers: openaiHeaders,
        body: openai,
        floorBody: openai,
        expectedEvents: stream ? streamEventCounts.openai : undefined,
      });
      const anthropic = anthropicBody('claude-sonnet-4-5', size, stream);
      cases.push({
        name: `Anthropic → Anthropic ${label}`,
        kind: 'passthrough',
        api: 'anthropic',
        size,
        stream,
        path: '/v1/messages',
        headers: anthropicHeaders,
        body: anthropic,
        floorBody: anthropic,
        expectedEvents: stream ? streamEventCounts.anthropic : undefined,
      });
    }
  }
  for (const size of ['1k', '80k'] as const) {
    cases.push({
      name: `Anthropic → compatible ${sizeLabel(size)} stream`,
      kind: 'translation',
      api: 'anthropic',
      size,
      stream: true,
      path: '/v1/messages',
      headers: anthropicHeaders,
      body: anthropicBody('fakecompat/bench-model', size, true),
      // The floor cannot translate: it forwards the same Anthropic request to /v1/messages.
      floorBody: anthropicBody('claude-sonnet-4-5', size, true),
    });
  }
  const parts = filter?.split(',').map((part) => part.trim().toLowerCase()).filter((part) => part !== '');
  if (parts === undefined || parts.length === 0) return cases;
  return cases.filter((benchCase) => parts.some((part) => benchCase.name.toLowerCase().includes(part)));
}
