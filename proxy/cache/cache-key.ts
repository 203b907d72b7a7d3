import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CanonicalRequest } from '../core/request';

/**
 * Bumped whenever what goes into a key changes (a field reclassified, the serialisation
 * changed): entries written under the old scheme are then never found, rather than found for
 * the wrong request.
 */
export const cacheKeySchemaVersion = 3;

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
  // The API version selects the wire format of the answer, not what the model answers; every
  // Anthropic SDK sends one, each release its own date. Keying it would keep Anthropic
  // clients' entries from every other format and from each other. The format is handled at
  // replay instead: the provider's bytes go back only to a client of the same version, anyone
  // else gets the answer encoded by Switchyard (see WireAnswer.apiVersion).
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
export const keyedHeaders = (Object.keys(headerClasses) as KnownHeader[]).filter((header) => headerClasses[header] === 'answer').sort();

/** What a key is derived from besides the request. */
export interface CacheKeyScope {
  /** The resolved target, `provider/model`. */
  target: string;
  /** Whose entries these are: an access key's id, or `shared`. */
  owner: string;
}

/**
 * The request's part of every cache key: SHA-256 over every answer-affecting field of the
 * canonical request and the answer-affecting headers, in one pass over the request (object
 * keys sorted, nothing copied; strings hashed exactly as sent). Computed once per call: each
 * target's key is then a hash of this and the scope ({@link cacheKeyFor}).
 */
export function requestDigest(request: CanonicalRequest, headers: IncomingHttpHeaders): string {
  const hash = createHash('sha256');
  const writer = new KeyWriter((piece) => hash.update(piece), (text) => hash.update(text));
  writeRequest(writer, request, headers);
  writer.flush();
  return hash.digest('base64url');
}

/**
 * The cache key of a request for one target: SHA-256 over the key-schema version, the owner,
 * the resolved target and the request's digest. The same request always gives the same key,
 * whichever client format it came in.
 */
export function cacheKeyFor(digest: string, scope: CacheKeyScope): string {
  return createHash('sha256').update(`switchyard-cache/${cacheKeySchemaVersion}\n${scope.owner}\n${scope.target}\n${digest}`).digest('base64url');
}

/** The cache key of a request for one target ({@link requestDigest} then {@link cacheKeyFor}). */
export function cacheKey(request: CanonicalRequest, headers: IncomingHttpHeaders, scope: CacheKeyScope): string {
  return cacheKeyFor(requestDigest(request, headers), scope);
}

/** The text the request digest hashes; for tests that show what two keys differ by. */
export function cacheKeyMaterial(request: CanonicalRequest, headers: IncomingHttpHeaders, scope: CacheKeyScope): string {
  let text = `switchyard-cache/${cacheKeySchemaVersion}\n${scope.owner}\n${scope.target}\n`;
  const writer = new KeyWriter(
    (piece) => (text += piece),
    (long) => (text += long),
  );
  writeRequest(writer, request, headers);
  writer.flush();
  return text;
}

function writeRequest(writer: KeyWriter, request: CanonicalRequest, headers: IncomingHttpHeaders): void {
  writer.text('{');
  for (const field of keyedRequestFields) {
    const value = field === 'extraBody' ? keyedExtraBody(request.extraBody) : request[field];
    if (value === undefined) continue;
    writer.string(field);
    // Request-level provider options are all keyed; inside parts, cache markers are not.
    writer.value(value, field === 'providerOptions' ? undefined : partOptionClasses);
  }
  writer.text('}{');
  for (const header of keyedHeaders) {
    const value = headers[header];
    if (value === undefined) continue;
    writer.string(header);
    writer.value(value, undefined);
  }
  writer.text('}');
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

/** Strings at least this long go to the hash on their own, never copied into the buffer. */
const longString = 256;
/** The buffer of short pieces is handed to the hash once it is this long. */
const bufferLimit = 4096;

/**
 * Writes a value in an unambiguous, order-stable form: object keys sorted at every depth,
 * `undefined` members left out as JSON does, every string as its length and its characters
 * (`s5:Paris`), never escaped, lower-cased or trimmed. Short pieces gather in a buffer that goes
 * to the hash a few kilobytes at a time; a long string (a prompt, a tool's description) goes to
 * it as it is. Building a sorted JSON copy and hashing it piece by piece measured four to six
 * times slower on an 80 KB Claude Code body (see docs/decisions.md).
 */
class KeyWriter {
  private buffer = '';

  constructor(
    private readonly write: (piece: string) => void,
    private readonly writeLong: (text: string) => void,
  ) {}

  text(piece: string): void {
    this.buffer += piece;
    if (this.buffer.length >= bufferLimit) this.flush();
  }

  string(value: string): void {
    // A lone surrogate becomes U+FFFD when hashed as UTF-8, so two such strings could collide:
    // those few are written escaped, under their own tag.
    if (!(value as unknown as WellFormed).isWellFormed()) {
      this.text(`j${JSON.stringify(value)}`);
      return;
    }
    if (value.length < longString) {
      this.text(`s${value.length}:${value}`);
      return;
    }
    this.buffer += `s${value.length}:`;
    this.flush();
    this.writeLong(value);
  }

  value(value: unknown, ignoredOptions: Readonly<Record<string, FieldClass>> | undefined): void {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return;
      case 'number':
        // As JSON writes it (NaN and infinities as null, as they would reach the provider).
        this.text(Number.isFinite(value) ? `n${value}` : 'z');
        return;
      case 'boolean':
        this.text(value ? 't' : 'f');
        return;
      case 'object':
        break;
      default:
        // A function or symbol has no JSON form; a bigint cannot reach here from JSON.
        this.text('z');
        return;
    }
    if (value === null) {
      this.text('z');
      return;
    }
    if (Array.isArray(value)) {
      this.text('[');
      for (const item of value) {
        if (item === undefined) this.text('z');
        else this.value(item, ignoredOptions);
      }
      this.text(']');
      return;
    }
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length > 1) keys.sort();
    this.text('{');
    for (const key of keys) {
      let item = object[key];
      if (key === 'providerOptions' && ignoredOptions !== undefined) item = keptOptions(item, ignoredOptions);
      if (item === undefined) continue;
      this.string(key);
      this.value(item, ignoredOptions);
    }
    this.text('}');
  }

  flush(): void {
    if (this.buffer === '') return;
    this.write(this.buffer);
    this.buffer = '';
  }
}

/** `String.prototype.isWellFormed` (Node 20; not in the ES2023 lib). */
interface WellFormed {
  isWellFormed(): boolean;
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
