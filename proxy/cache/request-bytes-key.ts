import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CanonicalRequest, ClientFormat } from '../core/request';
import { closeBrace, closeBracket, comma, isJsonWhiteSpace, openBrace, openBracket, quote, stringEndInText } from '../inbound/json-scan';
import { cacheKeySchemaVersion, extraBodyFieldClasses, keyedHeaders, requestFieldClasses, type CacheKeyScope } from './cache-key';

/**
 * Where each canonical field that cannot change the answer sits in each client format's body,
 * at the top level (empty: not in the body; Gemini's model and stream mode are in its URL).
 * Anthropic's `metadata` holds the user id (`user`) and nothing that changes the answer.
 */
const ignoredFieldWireNames: Readonly<Record<string, Readonly<Record<ClientFormat, readonly string[]>>>> = {
  model: { 'openai-chat': ['model'], 'openai-responses': ['model'], 'anthropic-messages': ['model'], gemini: [] },
  stream: { 'openai-chat': ['stream'], 'openai-responses': ['stream'], 'anthropic-messages': ['stream'], gemini: [] },
  user: { 'openai-chat': ['user'], 'openai-responses': ['user'], 'anthropic-messages': ['metadata'], gemini: [] },
};

/**
 * The top-level body fields the bytes key leaves out, per client format: the wire names of the
 * canonical fields classified `ignored` and the ignored fields without a canonical home. The
 * same list the canonical key leaves out, so a byte hit is never a request the canonical key
 * would tell apart. Every other byte of the body is in the key: a field nobody classified can
 * cost a hit, never serve a wrong answer.
 */
export const neutralBodyFields: Readonly<Record<ClientFormat, ReadonlySet<string>>> = neutralFields();

function neutralFields(): Record<ClientFormat, ReadonlySet<string>> {
  const formats: ClientFormat[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'];
  const extra = Object.keys(extraBodyFieldClasses).filter((name) => extraBodyFieldClasses[name] === 'ignored');
  const result = {} as Record<ClientFormat, ReadonlySet<string>>;
  for (const format of formats) {
    const names = new Set(extra);
    for (const field of Object.keys(requestFieldClasses) as Array<keyof CanonicalRequest>) {
      if (requestFieldClasses[field] !== 'ignored') continue;
      const wire = ignoredFieldWireNames[field];
      // A field newly classified `ignored` must say where it sits in each format's body, or
      // the bytes key would still hold it (a lost hit, not a wrong one — but a silent split).
      if (wire === undefined) throw new Error(`cache key: the ignored field '${field}' has no wire names for the bytes key`);
      for (const name of wire[format]) names.add(name);
    }
    result[format] = names;
  }
  return result;
}

const longestNeutralName = Math.max(...Object.values(neutralBodyFields).flatMap((names) => [...names].map((name) => name.length)));

/**
 * Hands `raw` to `update` in pieces, without its top-level members named in `neutral` (each
 * with one comma, so what is hashed is the body as it would read without them). A scan, not a
 * parse: it hops from quote to quote (`indexOf` over a one-byte string, as fast as `memchr`) and
 * looks at the few bytes between strings for braces, brackets and commas. Returns false for a
 * body that is not one JSON object (nothing is then keyed by bytes).
 */
export function hashWithoutNeutral(raw: Buffer, neutral: ReadonlySet<string>, update: (piece: Buffer) => void): boolean {
  // One byte per character: positions in the text are offsets in the bytes.
  const text = raw.toString('latin1');
  const length = text.length;
  let at = 0;
  while (at < length && isJsonWhiteSpace(text.charCodeAt(at))) at++;
  if (text.charCodeAt(at) !== openBrace) return false;
  let depth = 0;
  let expectingKey = false;
  /** Where the current top-level member's name starts (its quote). */
  let memberStart = -1;
  let memberNeutral = false;
  /** The comma before the current top-level member; -1 for the first (or the first kept). */
  let commaBefore = -1;
  let hashedUpTo = 0;
  const endMember = (end: number, closing: boolean): void => {
    if (!memberNeutral) return;
    if (commaBefore !== -1) {
      // `,"stream":true` goes, the comma or brace at `end` stays.
      if (commaBefore > hashedUpTo) update(raw.subarray(hashedUpTo, commaBefore));
      hashedUpTo = end;
    } else {
      // The first member: `"stream":true,` goes, so the next member is first.
      if (memberStart > hashedUpTo) update(raw.subarray(hashedUpTo, memberStart));
      hashedUpTo = closing ? end : end + 1;
    }
  };
  while (at < length) {
    const code = text.charCodeAt(at);
    if (code === quote) {
      const end = stringEndInText(text, at);
      if (end === -1) return false;
      if (depth === 1 && expectingKey) {
        memberStart = at;
        const nameLength = end - at - 1;
        memberNeutral = nameLength <= longestNeutralName && neutral.has(text.slice(at + 1, end));
        expectingKey = false;
      }
      at = end + 1;
      continue;
    }
    if (code === openBrace || code === openBracket) {
      depth++;
      if (depth === 1) expectingKey = true;
    } else if (code === closeBrace || code === closeBracket) {
      if (depth === 1 && memberStart !== -1) endMember(at, true);
      depth--;
      if (depth === 0) {
        at++;
        break;
      }
    } else if (code === comma && depth === 1) {
      const kept = !memberNeutral || commaBefore !== -1;
      endMember(at, false);
      // After a first member that went with its comma, the next member is first again.
      commaBefore = kept ? at : -1;
      memberStart = -1;
      memberNeutral = false;
      expectingKey = true;
    }
    at++;
  }
  if (depth !== 0) return false;
  if (hashedUpTo < raw.length) update(raw.subarray(hashedUpTo));
  return true;
}

/**
 * The request's part of its bytes keys: SHA-256 over the client format, the answer-affecting
 * headers exactly as sent and the body exactly as sent, minus the fields that cannot change
 * the answer ({@link neutralBodyFields}). Nothing parsed, decoded, lower-cased or trimmed; the
 * same client asking streamed or not gets one digest. Undefined when the body is not one JSON
 * object (the canonical key, which decodes it, is then the only one).
 */
export function requestBytesDigest(format: ClientFormat, raw: Buffer, headers: IncomingHttpHeaders): string | undefined {
  const hash: Hash = createHash('sha256');
  let head = `${format}\n`;
  for (const header of keyedHeaders) {
    const value = headers[header];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? JSON.stringify(value) : value;
    head += `${header}:${text.length}:${text}\n`;
  }
  hash.update(`${head}\n`);
  if (!hashWithoutNeutral(raw, neutralBodyFields[format], (piece) => hash.update(piece))) return undefined;
  return hash.digest('base64url');
}

/**
 * The bytes key of a request for one target: SHA-256 over the key-schema version, a tag that
 * keeps it apart from canonical keys, the owner, the target and the request's bytes digest.
 */
export function bytesKeyFor(digest: string, scope: CacheKeyScope): string {
  return createHash('sha256').update(`switchyard-cache/${cacheKeySchemaVersion}\nbytes\n${scope.owner}\n${scope.target}\n${digest}`).digest('base64url');
}
