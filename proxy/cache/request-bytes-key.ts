import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import type { CanonicalRequest, ClientFormat } from '../core/request';
import { closeBrace, closeBracket, comma, isJsonWhiteSpace, openBrace, openBracket, quote, stringEndInText } from '../inbound/json-scan';
import type { CachedQuestion } from '../store/response-cache';
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
 * with one comma, so what is hashed is the body as it would read without them). Returns false
 * for a body that is not one JSON object (nothing is then keyed by bytes). See {@link keyedRanges}.
 */
export function hashWithoutNeutral(raw: Buffer, neutral: ReadonlySet<string>, update: (piece: Buffer) => void): boolean {
  const ranges = keyedRanges(raw, neutral);
  if (ranges === undefined) return false;
  for (let at = 0; at < ranges.length; at += 2) update(raw.subarray(ranges[at]!, ranges[at + 1]!));
  return true;
}

/**
 * The ranges of `raw` that are keyed, as start and end offsets one after the other: the body
 * without its top-level members named in `neutral` (each with one comma). A scan, not a
 * parse: it hops from quote to quote (`indexOf` over a one-byte string, as fast as `memchr`)
 * and looks at the few bytes between strings for braces, brackets and commas. Undefined for a
 * body that is not one JSON object. Empty ranges are left out.
 */
export function keyedRanges(raw: Buffer, neutral: ReadonlySet<string>): number[] | undefined {
  // One byte per character: positions in the text are offsets in the bytes.
  const text = raw.toString('latin1');
  const length = text.length;
  const ranges: number[] = [];
  let at = 0;
  while (at < length && isJsonWhiteSpace(text.charCodeAt(at))) at++;
  if (text.charCodeAt(at) !== openBrace) return undefined;
  let depth = 0;
  let expectingKey = false;
  /** Where the current top-level member's name starts (its quote). */
  let memberStart = -1;
  let memberNeutral = false;
  /** The comma before the current top-level member; -1 for the first (or the first kept). */
  let commaBefore = -1;
  let keptFrom = 0;
  const endMember = (end: number, closing: boolean): void => {
    if (!memberNeutral) return;
    if (commaBefore !== -1) {
      // `,"stream":true` goes, the comma or brace at `end` stays.
      if (commaBefore > keptFrom) ranges.push(keptFrom, commaBefore);
      keptFrom = end;
    } else {
      // The first member: `"stream":true,` goes, so the next member is first.
      if (memberStart > keptFrom) ranges.push(keptFrom, memberStart);
      keptFrom = closing ? end : end + 1;
    }
  };
  while (at < length) {
    const code = text.charCodeAt(at);
    if (code === quote) {
      const end = stringEndInText(text, at);
      if (end === -1) return undefined;
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
  if (depth !== 0) return undefined;
  if (keptFrom < raw.length) ranges.push(keptFrom, raw.length);
  return ranges;
}

/**
 * The keyed ranges of a body of `length` bytes, from where its neutral top-level members sit as
 * the read stage's scan of the body found them (json-scan's `RequestHead.neutralMembers`): the same
 * ranges {@link keyedRanges} finds, without a second pass over the body.
 */
export function rangesWithout(length: number, members: readonly number[]): number[] {
  const ranges: number[] = [];
  let keptFrom = 0;
  for (let at = 0; at < members.length; at += 4) {
    const start = members[at]!;
    const end = members[at + 1]!;
    const commaBefore = members[at + 2]!;
    if (commaBefore !== -1) {
      // `,"stream":true` goes, the comma or brace at `end` stays.
      if (commaBefore > keptFrom) ranges.push(keptFrom, commaBefore);
      keptFrom = end;
    } else {
      // No member kept before it: `"stream":true,` goes, so the next member is first.
      if (start > keptFrom) ranges.push(keptFrom, start);
      keptFrom = members[at + 3] === 1 ? end : end + 1;
    }
  }
  if (keptFrom < length) ranges.push(keptFrom, length);
  return ranges;
}

/**
 * A request as its bytes key sees it: the client format and answer-affecting headers (the
 * head) and the body's keyed ranges. Its {@link fingerprint} is cheap (CRC-32 of the same
 * bytes, no copy); its {@link digest} is SHA-256 and is computed only when asked, once — a
 * miss that no stored entry's fingerprint matches never asks (see ResponseCache.mayHold).
 */
export class RequestBytes {
  private digestText: string | undefined;
  private fingerprintValue: number | undefined;

  constructor(
    private readonly head: string,
    private readonly raw: Buffer,
    private readonly ranges: readonly number[],
  ) {}

  /**
   * 30 bits from the CRC-32 of the head and the keyed bytes, and their length: equal for two
   * requests whose bytes keys are equal (on any target, for any owner), so a fingerprint no
   * entry has is certainly a miss. Different requests may share one (that costs the SHA-256,
   * never a wrong answer: the hit is decided by the key). A Smi, so sets of them hold no
   * boxed numbers. Stored with each entry (`switchyard.db`, shared by proxies of different
   * versions): computing it differently would turn stored entries' hits into misses, so such
   * a change must also bump the key-schema version.
   */
  fingerprint(): number | undefined {
    if (this.fingerprintValue !== undefined || crc32 === undefined) return this.fingerprintValue;
    let crc = headCrc(this.head, crc32);
    let length = 0;
    const { raw, ranges } = this;
    for (let at = 0; at < ranges.length; at += 2) {
      const start = ranges[at]!;
      const end = ranges[at + 1]!;
      crc = crc32(start === 0 && end === raw.length ? raw : raw.subarray(start, end), crc);
      length += end - start;
    }
    return (this.fingerprintValue = fingerprintOf(crc, length));
  }

  /** The request's part of its bytes keys (SHA-256, base64url): see {@link requestBytesDigest}. */
  digest(): string {
    if (this.digestText !== undefined) return this.digestText;
    const hash: Hash = createHash('sha256');
    hash.update(`${this.head}\n`);
    const { raw, ranges } = this;
    for (let at = 0; at < ranges.length; at += 2) hash.update(raw.subarray(ranges[at]!, ranges[at + 1]!));
    return (this.digestText = hash.digest('base64url'));
  }
}

/**
 * `zlib.crc32` (Node 20.15 and later). A runtime without it keeps no fingerprints: every miss
 * then computes its key, as before fingerprints; nothing else changes.
 */
const crc32: ((data: string | Uint8Array, value?: number) => number) | undefined = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;

/** The last head's CRC-32, by its text: nearly every request of a proxy has one head (one format, no keyed headers). */
let lastHead = '';
let lastHeadCrc = 0;

/**
 * The CRC-32 of a request's head, the last one's while it repeats: `zlib.crc32` of a string
 * encodes it first, and the call's own checks cost more than the few bytes (~2,000
 * instructions a miss, callgrind).
 */
function headCrc(head: string, crc: (data: string) => number): number {
  if (head !== lastHead) {
    lastHeadCrc = crc(head);
    lastHead = head;
  }
  return lastHeadCrc;
}

/** Each format's head before any keyed header: one string each, so a repeated head is the same string. */
const formatHeads: Readonly<Record<ClientFormat, string>> = { 'openai-chat': 'openai-chat\n', 'openai-responses': 'openai-responses\n', 'anthropic-messages': 'anthropic-messages\n', gemini: 'gemini\n' };

/** A fingerprint from a CRC-32 and a length, in 30 bits (a Smi on every V8 build). */
function fingerprintOf(crc: number, length: number): number {
  return (crc ^ Math.imul(length, 0x9e3779b1)) & 0x3fffffff;
}

/**
 * The request as its bytes key sees it ({@link RequestBytes}); undefined when the body is not
 * one JSON object (the canonical key, which decodes it, is then the only one). `neutralMembers`,
 * when the read stage's scan of this very body noted them, spares a second scan.
 */
export function requestBytesOf(format: ClientFormat, raw: Buffer, headers: IncomingHttpHeaders, neutralMembers?: readonly number[]): RequestBytes | undefined {
  const ranges = neutralMembers !== undefined ? rangesWithout(raw.length, neutralMembers) : keyedRanges(raw, neutralBodyFields[format]);
  if (ranges === undefined) return undefined;
  let head = formatHeads[format] ?? `${format}\n`;
  for (const header of keyedHeaders) {
    const value = headers[header];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? JSON.stringify(value) : value;
    head += `${header}:${text.length}:${text}\n`;
  }
  return new RequestBytes(head, raw, ranges);
}

/**
 * The request's part of its bytes keys: SHA-256 over the client format, the answer-affecting
 * headers exactly as sent and the body exactly as sent, minus the fields that cannot change
 * the answer ({@link neutralBodyFields}). Nothing parsed, decoded, lower-cased or trimmed; the
 * same client asking streamed or not gets one digest. Undefined when the body is not one JSON
 * object (the canonical key, which decodes it, is then the only one).
 */
export function requestBytesDigest(format: ClientFormat, raw: Buffer, headers: IncomingHttpHeaders): string | undefined {
  return requestBytesOf(format, raw, headers)?.digest();
}

/** The fingerprint of a stored question's bytes key (see {@link RequestBytes.fingerprint}); undefined when its body is not one JSON object. */
export function questionFingerprint(format: ClientFormat, request: Uint8Array, headers: IncomingHttpHeaders): number | undefined {
  const raw = Buffer.isBuffer(request) ? request : Buffer.from(request.buffer, request.byteOffset, request.byteLength);
  return requestBytesOf(format, raw, headers)?.fingerprint();
}

/**
 * The bytes key of a stored question (its request bytes, headers, target and owner): the key
 * its request had when it was asked, for a question whose keyed headers were all single
 * strings (see {@link deferrable}). Ranges come from a scan of the bytes here
 * (`keyedRanges`), which the property test holds to the read stage's offsets.
 */
export function bytesKeyOfQuestion(question: CachedQuestion): string {
  const raw = Buffer.isBuffer(question.request) ? question.request : Buffer.from(question.request.buffer, question.request.byteOffset, question.request.byteLength);
  const digest = requestBytesDigest(question.format as ClientFormat, raw, question.headers);
  if (digest === undefined) throw new Error('a question with a bytes fingerprint has no bytes key');
  return bytesKeyFor(digest, { target: question.target, owner: question.owner });
}

/**
 * Whether a request's bytes key can be computed later from its question alone: a keyed header
 * sent twice (an array) is kept in the question only as a string, so its key is computed now.
 */
export function deferrable(headers: IncomingHttpHeaders): boolean {
  for (const header of keyedHeaders) if (Array.isArray(headers[header])) return false;
  return true;
}

/**
 * The bytes key of a request for one target: SHA-256 over the key-schema version, a tag that
 * keeps it apart from canonical keys, the owner, the target and the request's bytes digest.
 */
export function bytesKeyFor(digest: string, scope: CacheKeyScope): string {
  return createHash('sha256').update(`switchyard-cache/${cacheKeySchemaVersion}\nbytes\n${scope.owner}\n${scope.target}\n${digest}`).digest('base64url');
}
