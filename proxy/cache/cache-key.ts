import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CanonicalRequest } from '../core/request';

/**
 * Bumped whenever what goes into a key changes (a field reclassified, the serialisation
 * changed): entries written under the old scheme are then never found, rather than found for
 * the wrong request.
 */
export const cacheKeySchemaVersion = 1;

/** Whether a field can change the answer (`answer`: part of the key) or cannot (`ignored`). */
export type FieldClass = 'answer' | 'ignored';

/**
 * Every field of the canonical request, classified. The type makes the table exhaustive: a
 * field added to `CanonicalRequest` fails the build until it is classified here, so no new
 * field can silently stay out of the key (and serve one request another's answer).
 */
export const requestFieldClasses: { readonly [Field in keyof Required<CanonicalRequest>]: FieldClass } = {
  // The client's name for the model; the resolved `provider/model` is keyed instead, so an
  // alias and the model it names share entries.
  model: 'ignored',
  messages: 'answer',
  tools: 'answer',
  toolChoice: 'answer',
  parallelToolCalls: 'answer',
  // Streamed or not, the answer is the same; the cache replays it either way.
  stream: 'ignored',
  maxOutputTokens: 'answer',
  temperature: 'answer',
  topP: 'answer',
  topK: 'answer',
  stopSequences: 'answer',
  seed: 'answer',
  presencePenalty: 'answer',
  frequencyPenalty: 'answer',
  reasoning: 'answer',
  responseFormat: 'answer',
  // An end-user id for abuse tracking.
  user: 'ignored',
  providerOptions: 'answer',
  // Classified field by field in `extraBodyFieldClasses`; unknown fields are `answer`.
  extraBody: 'answer',
};

/**
 * Top-level wire fields without a canonical home (they travel in `extraBody`) that cannot
 * change the answer. Any field not named here is part of the key: an unknown field is assumed
 * to matter, so the worst a new provider field can do is cost a hit, never serve a wrong one.
 */
export const extraBodyFieldClasses: Readonly<Record<string, FieldClass>> = {
  stream_options: 'ignored',
  metadata: 'ignored',
  user: 'ignored',
  store: 'ignored',
  prompt_cache_key: 'ignored',
  prompt_cache_retention: 'ignored',
  safety_identifier: 'ignored',
  // Gemini's request labels (billing tags).
  labels: 'ignored',
};

/**
 * Per-part provider options that only say how the request is packaged for one wire format,
 * never what the model is asked: Anthropic `cache_control` markers (prompt caching), and the
 * Responses marker that a system text came as `instructions`. Every other option is keyed.
 */
export const partOptionClasses: Readonly<Record<string, FieldClass>> = {
  cacheControl: 'ignored',
  instructions: 'ignored',
};

/** Request headers the proxy forwards that can change the answer, and those it never keys. */
export type KnownHeader = 'anthropic-beta' | 'anthropic-version' | 'openai-beta' | 'x-switchyard-cache' | 'x-switchyard-route' | 'user-agent' | 'authorization' | 'x-api-key' | 'x-goog-api-key';

/**
 * The headers that reach a provider and change what it answers (betas switch features and
 * output formats on), and the ones that do not: Switchyard's own, the tool's name, credentials.
 * Headers are matched exactly as sent, never lower-cased in value or trimmed.
 */
export const headerClasses: { readonly [Header in KnownHeader]: FieldClass } = {
  'anthropic-beta': 'answer',
  // The wire format's version (every Anthropic SDK sends it; one version exists). The answer
  // is stored as parts and re-encoded for each client, so the version cannot change it.
  'anthropic-version': 'ignored',
  'openai-beta': 'answer',
  'x-switchyard-cache': 'ignored',
  'x-switchyard-route': 'ignored',
  'user-agent': 'ignored',
  authorization: 'ignored',
  'x-api-key': 'ignored',
  'x-goog-api-key': 'ignored',
};

const keyedRequestFields = (Object.keys(requestFieldClasses) as Array<keyof CanonicalRequest>).filter((field) => requestFieldClasses[field] === 'answer').sort();
const keyedHeaders = (Object.keys(headerClasses) as KnownHeader[]).filter((header) => headerClasses[header] === 'answer').sort();

/** What a key is derived from besides the request. */
export interface CacheKeyScope {
  /** The resolved target, `provider/model`. */
  target: string;
  /** Whose entries these are: an access key's id, or `shared`. */
  owner: string;
}

/**
 * The cache key of a request for one target: SHA-256 over the key-schema version, the owner,
 * the resolved target, every answer-affecting field of the canonical request and the
 * answer-affecting headers, serialised with sorted object keys so the same request always
 * gives the same key, whichever client format it came in. Strings are hashed exactly as sent.
 */
export function cacheKey(request: CanonicalRequest, headers: IncomingHttpHeaders, scope: CacheKeyScope): string {
  const hash = createHash('sha256');
  // Piece by piece: joining first, or growing one string, cost more than the hashing (measured
  // on an 80 KB Claude Code body).
  for (const piece of keyPieces(request, headers, scope)) hash.update(piece);
  return hash.digest('base64url');
}

/** The text that is hashed; for tests that show what two keys differ by. */
export function cacheKeyMaterial(request: CanonicalRequest, headers: IncomingHttpHeaders, scope: CacheKeyScope): string {
  return keyPieces(request, headers, scope).join('');
}

function keyPieces(request: CanonicalRequest, headers: IncomingHttpHeaders, scope: CacheKeyScope): string[] {
  const pieces: string[] = [`switchyard-cache/${cacheKeySchemaVersion}\n${JSON.stringify(scope.owner)}\n${JSON.stringify(scope.target)}\n{`];
  let first = true;
  for (const field of keyedRequestFields) {
    const value = field === 'extraBody' ? keyedExtraBody(request.extraBody) : request[field];
    if (value === undefined) continue;
    pieces.push(first ? `${JSON.stringify(field)}:` : `,${JSON.stringify(field)}:`);
    // Request-level provider options are all keyed; inside parts, cache markers are not.
    writeStable(pieces, value, field === 'providerOptions' ? undefined : partOptionClasses);
    first = false;
  }
  pieces.push('}\n{');
  first = true;
  for (const header of keyedHeaders) {
    const value = headers[header];
    if (value === undefined) continue;
    pieces.push(`${first ? '' : ','}${JSON.stringify(header)}:${JSON.stringify(value)}`);
    first = false;
  }
  pieces.push('}');
  return pieces;
}

/** The extra fields that can change the answer, or undefined when none is left. */
function keyedExtraBody(extraBody: CanonicalRequest['extraBody']): unknown {
  if (extraBody === undefined) return undefined;
  let fields: Record<string, unknown> | undefined;
  for (const name in extraBody.fields) {
    if (extraBodyFieldClasses[name] === 'ignored' || extraBody.fields[name] === undefined) continue;
    (fields ??= {})[name] = extraBody.fields[name];
  }
  // The format matters only with fields: a Responses request always carries an empty bag.
  return fields === undefined ? undefined : { format: extraBody.format, fields };
}

/**
 * JSON with object keys sorted at every depth, `undefined` members left out as JSON does.
 * Within a `providerOptions` object, the options `ignoredOptions` classifies as ignored are
 * left out too (a part's cache marker must not split entries).
 */
export function stableJson(value: unknown, ignoredOptions?: Readonly<Record<string, FieldClass>>): string {
  const pieces: string[] = [];
  writeStable(pieces, value, ignoredOptions);
  return pieces.join('');
}

function writeStable(pieces: string[], value: unknown, ignoredOptions: Readonly<Record<string, FieldClass>> | undefined): void {
  if (value === null || typeof value !== 'object') {
    pieces.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    pieces.push('[');
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) pieces.push(',');
      const item: unknown = value[index];
      if (item === undefined) pieces.push('null');
      else writeStable(pieces, item, ignoredOptions);
    }
    pieces.push(']');
    return;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  pieces.push('{');
  let first = true;
  for (const key of keys) {
    let item = object[key];
    if (key === 'providerOptions' && ignoredOptions !== undefined) item = keptOptions(item, ignoredOptions);
    if (item === undefined) continue;
    pieces.push(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
    writeStable(pieces, item, ignoredOptions);
    first = false;
  }
  pieces.push('}');
}

/** A part's `providerOptions` (keyed by provider family) without the ignored options; undefined when nothing is left. */
function keptOptions(options: unknown, ignoredOptions: Readonly<Record<string, FieldClass>>): unknown {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return options;
  let kept: Record<string, unknown> | undefined;
  for (const [family, bag] of Object.entries(options as Record<string, unknown>)) {
    if (bag === null || typeof bag !== 'object' || Array.isArray(bag)) {
      (kept ??= {})[family] = bag;
      continue;
    }
    let keptBag: Record<string, unknown> | undefined;
    for (const [name, option] of Object.entries(bag as Record<string, unknown>)) {
      if (ignoredOptions[name] === 'ignored' || option === undefined) continue;
      (keptBag ??= {})[name] = option;
    }
    if (keptBag !== undefined) (kept ??= {})[family] = keptBag;
  }
  return kept;
}
