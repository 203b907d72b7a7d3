/**
 * Request bodies the benchmark sends and the reply text the fake upstream streams back.
 *
 * Everything is generated deterministically (seeded), so two runs send the same bytes and the
 * numbers can be compared across commits.
 */

/** The assistant reply, split into the text deltas the fake upstream streams one per chunk. */
export const replyDeltas: readonly string[] = [
  'Sure',
  ' — here is',
  ' a short',
  ' summary of',
  ' the change:',
  ' the parser',
  ' now reads',
  ' each SSE',
  ' event once',
  ', keeps the',
  ' original bytes',
  ' for passthrough',
  ', and hands',
  ' typed parts',
  ' to the encoder',
  '. Usage is',
  ' tapped from',
  ' the final',
  ' event without',
  ' buffering.',
];

/** The whole reply text, what a client must reassemble from the deltas. */
export const replyText = replyDeltas.join('');

const words = [
  'the', 'request', 'file', 'function', 'returns', 'value', 'when', 'tool', 'model', 'stream',
  'user', 'should', 'never', 'always', 'output', 'input', 'path', 'directory', 'command', 'run',
  'test', 'change', 'code', 'read', 'write', 'edit', 'search', 'pattern', 'result', 'error',
  'with', 'before', 'after', 'using', 'instead', 'of', 'a', 'an', 'to', 'in', 'on', 'for', 'and',
  'or', 'if', 'it', 'this', 'that', 'must', 'may', 'use', 'only', 'absolute', 'relative', 'line',
  'number', 'content', 'string', 'replace', 'exact', 'match', 'unique', 'context', 'task', 'agent',
  'parallel', 'batch', 'multiple', 'calls', 'response', 'message', 'concise', 'important', 'note',
];

/** A small seeded PRNG (mulberry32), so generated text is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ASCII prose of exactly `length` characters, no quotes or control characters (1 byte each in JSON). */
export function prose(length: number, seed: number): string {
  const random = seededRandom(seed);
  const sentences: string[] = [];
  let size = 0;
  while (size < length) {
    const count = 6 + Math.floor(random() * 14);
    const sentence: string[] = [];
    for (let index = 0; index < count; index++) sentence.push(words[Math.floor(random() * words.length)]);
    const text = sentence.join(' ');
    const capitalised = text[0].toUpperCase() + text.slice(1) + '. ';
    sentences.push(capitalised);
    size += capitalised.length;
  }
  return sentences.join('').slice(0, length);
}

const identifiers = ['request', 'body', 'result', 'index', 'value', 'items', 'options', 'handler', 'config', 'stream', 'reader', 'buffer', 'offset', 'length', 'entry', 'target', 'message', 'parts', 'output', 'limit'];
const calls = ['parse', 'encode', 'forward', 'record', 'resolve', 'push', 'slice', 'join', 'map', 'filter', 'write', 'close', 'read', 'emit'];

/**
 * TypeScript-shaped source of exactly `length` characters (what a coding agent's tool result
 * holds when it reads a file): declarations, calls, conditions, comments, small numbers, camel
 * case, `=` and `:` everywhere, line ends escaped in JSON. Nothing a redaction detector finds.
 */
export function sourceCode(length: number, seed: number): string {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const camel = (): string => {
    const second = pick(identifiers);
    return pick(identifiers) + second[0]!.toUpperCase() + second.slice(1);
  };
  const makers: Array<() => string> = [
    () => `  const ${camel()} = ${pick(identifiers)}.${pick(calls)}(${pick(identifiers)}, ${Math.floor(random() * 64)});`,
    () => `  if (${pick(identifiers)}.${pick(identifiers)} === undefined || ${camel()} > ${Math.floor(random() * 1000)}) return ${pick(identifiers)};`,
    () => `  // ${prose(40 + Math.floor(random() * 40), Math.floor(random() * 1e6)).toLowerCase()}`,
    () => `  for (let ${pick(['i', 'j', 'at'])} = 0; ${pick(['i', 'j', 'at'])} < ${pick(identifiers)}.length; ${pick(['i', 'j', 'at'])} += 1) ${camel()}.${pick(calls)}();`,
    () => `export function ${camel()}(${pick(identifiers)}: ${pick(['string', 'number', 'Buffer', 'Uint8Array'])}, ${pick(identifiers)}?: Options): Promise<void> {`,
    () => `  ${pick(identifiers)}: { ${pick(identifiers)}: '${pick(identifiers)}', ${pick(identifiers)}: ${random() < 0.5 ? 'true' : 'false'} },`,
    () => '}',
  ];
  let text = '';
  while (text.length < length) text += pick(makers)() + '\n';
  return text.slice(0, length);
}

const toolNames = [
  'Task', 'Bash', 'Glob', 'Grep', 'LS', 'ExitPlanMode', 'Read', 'Edit', 'MultiEdit', 'Write',
  'NotebookRead', 'NotebookEdit', 'WebFetch', 'TodoWrite', 'WebSearch', 'BashOutput', 'KillShell',
  'SlashCommand', 'ListMcpResources', 'ReadMcpResource', 'AskUser', 'Diagnostics', 'ExecuteCode',
  'Skill',
];

interface ToolSpec {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

/** 24 tools with long descriptions, shaped like the ones Claude Code sends. */
function toolSpecs(descriptionLength: number): ToolSpec[] {
  return toolNames.map((name, index) => ({
    name,
    description: prose(descriptionLength, 1000 + index),
    schema: {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: prose(120, 2000 + index) },
        command: { type: 'string', description: prose(90, 3000 + index) },
        timeout: { type: 'number', description: 'Optional timeout in milliseconds (max 600000)' },
        run_in_background: { type: 'boolean', description: prose(70, 4000 + index) },
      },
      required: ['file_path'],
      additionalProperties: false,
      $schema: 'http://json-schema.org/draft-07/schema#',
    },
  }));
}

/** A body builder given the filler length of the user message. */
type BodyBuilder = (fillerLength: number) => Record<string, unknown>;

/** Grows the user message until the serialized body is exactly `targetBytes` long. */
function sized(build: BodyBuilder, targetBytes: number): string {
  const base = Buffer.byteLength(JSON.stringify(build(0)));
  if (base > targetBytes) throw new Error(`body skeleton is ${base} bytes, over the ${targetBytes} target`);
  const body = JSON.stringify(build(targetBytes - base));
  if (Buffer.byteLength(body) !== targetBytes) throw new Error('body size drifted from its target');
  return body;
}

export type ClientApi = 'openai' | 'anthropic';
export type BodySize = '1k' | '80k';

const systemIntro = "You are Claude Code, Anthropic's official CLI for Claude.";

/**
 * An OpenAI Chat Completions request body of exactly 1 KB or 80 KB.
 * The 80 KB one carries the same system prompt, tools and user message as the Anthropic one.
 */
export function openaiBody(model: string, size: BodySize, stream: boolean): string {
  const streamFields = stream ? { stream: true, stream_options: { include_usage: true } } : {};
  if (size === '1k') {
    return sized(
      (filler) => ({
        model,
        messages: [
          { role: 'system', content: 'You are a helpful assistant. Answer briefly.' },
          { role: 'user', content: prose(filler, 7) },
        ],
        max_tokens: 512,
        temperature: 0.2,
        ...streamFields,
      }),
      1024,
    );
  }
  const tools = toolSpecs(1900);
  return sized(
    (filler) => ({
      model,
      messages: [
        { role: 'system', content: systemIntro + '\n\n' + prose(12_000, 11) },
        { role: 'user', content: prose(filler, 13) },
      ],
      tools: tools.map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.schema },
      })),
      max_completion_tokens: 32_000,
      ...streamFields,
    }),
    80 * 1024,
  );
}

/**
 * An Anthropic Messages request body of exactly 1 KB or 80 KB. The 80 KB one is shaped like a
 * Claude Code turn: two system blocks with `cache_control`, 24 tools with long descriptions and
 * one long user message whose last block is marked for caching.
 */
export function anthropicBody(model: string, size: BodySize, stream: boolean): string {
  const streamFields = stream ? { stream: true } : {};
  if (size === '1k') {
    return sized(
      (filler) => ({
        model,
        max_tokens: 512,
        system: 'You are a helpful assistant. Answer briefly.',
        messages: [{ role: 'user', content: prose(filler, 7) }],
        ...streamFields,
      }),
      1024,
    );
  }
  const tools = toolSpecs(1900);
  return sized(
    (filler) => ({
      model,
      max_tokens: 32_000,
      system: [
        { type: 'text', text: systemIntro, cache_control: { type: 'ephemeral' } },
        { type: 'text', text: prose(12_000, 11), cache_control: { type: 'ephemeral' } },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '<system-reminder>' + prose(600, 17) + '</system-reminder>' },
            { type: 'text', text: prose(filler, 13), cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
      tools: tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.schema })),
      metadata: { user_id: 'user_3f4e2a9c_account__session_8d1b6c0e-5a7f-4e2b-9c3d-1f0a2b4c6d8e' },
      temperature: 1,
      ...streamFields,
    }),
    80 * 1024,
  );
}

/**
 * A long answer for the cache-hit case: `kilobytes` text deltas of 1,024 characters each. The
 * fake upstream sends it to a request holding `largeAnswerMarker(kilobytes)` (OpenAI `user`).
 */
export function largeAnswerDeltas(kilobytes: number): string[] {
  return Array.from({ length: kilobytes }, (_, index) => prose(1024, 5000 + index));
}

/** What a request carries to be answered with `largeAnswerDeltas(kilobytes)`. */
export function largeAnswerMarker(kilobytes: number): string {
  return `bench-answer-${kilobytes}`;
}

/** Where a body's unique part goes: autocannon (`idReplacement`) and the sequential phase replace it per request. */
export const uniqueMarker = '[<id>]';

/**
 * The body with {@link uniqueMarker} at the start of its last user text, so that each request
 * sent is a different question (an answer-affecting field, as a real new turn would be).
 */
export function withUniqueMarker(body: string): string {
  for (const opening of ['"role":"user","content":"', '{"type":"text","text":"']) {
    const at = body.lastIndexOf(opening);
    if (at >= 0) return body.slice(0, at + opening.length) + uniqueMarker + ' ' + body.slice(at + opening.length);
  }
  throw new Error('no user text to make unique');
}
