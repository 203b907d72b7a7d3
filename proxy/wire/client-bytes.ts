import { clientSchemaOf } from './client-schema';
import { backslash, closeBrace, closeBracket, colon, comma, openBrace, openBracket, quote } from './json-bytes';

/** Byte range inside a buffer, end exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Strings shorter than this are not worth a splice: JSON.stringify writes them as fast as a copy. */
const shortestString = 128;
/** Objects and arrays whose bytes are shorter than this are not worth one either. */
const shortestValue = 128;

interface StringSource {
  readonly value: string;
  /** The string's bytes between its quotes, escapes as the client wrote them. */
  readonly range: ByteRange;
}

/**
 * Where the long strings and large values of a parsed request body sit in the bytes the client
 * sent, so that a translated request can copy them instead of serialising them again
 * (`SplicedJson`). Built by one walk of the parsed body and its bytes side by side: every key
 * and every array length is checked against the bytes, so a pairing is exact or the index is
 * not built — a duplicate key, an integer-like key (which JavaScript orders first) or a key
 * with an escape makes `index` answer undefined, and the request is serialised as before.
 *
 * The bytes of a string are the client's: the same string, escaped as the client escaped it
 * (JSON allows `\/` or `\u00e9` where JSON.stringify writes `/` or `é`); the bytes of an object
 * keep the client's white space. Both read back as the same JSON value. The index holds what
 * JSON.parse returned: a value changed after parsing is a different string (looked up by content)
 * or must not be an object the index was built from (see `valueRange`).
 */
export class ClientBytes {
  private readonly strings = new Map<number, StringSource[]>();
  private readonly values = new Map<object, ByteRange>();

  private constructor(
    readonly bytes: Buffer,
    private readonly wholeValues: WholeValues | undefined,
  ) {}

  /**
   * The index of `parsed`, which JSON.parse made of `bytes`; undefined when the two cannot be
   * paired exactly. With `wholeValues`, an object or array under one of its keys is indexed whole
   * and not walked inside (see {@link WholeValues}).
   */
  static index(bytes: Buffer, parsed: unknown, wholeValues?: WholeValues): ClientBytes | undefined {
    const index = new ClientBytes(bytes, wholeValues);
    const end = index.walk(parsed, skipWhiteSpace(bytes, 0));
    return end === -1 ? undefined : index;
  }

  /** The client's bytes of `value` between its quotes, when the body held this string. */
  stringRange(value: string): ByteRange | undefined {
    const candidates = this.strings.get(value.length);
    if (candidates === undefined) return undefined;
    // The same string object as a rule: the comparison is a pointer's, not the text's.
    for (const candidate of candidates) if (candidate.value === value) return candidate.range;
    return undefined;
  }

  /**
   * The client's bytes of an object or array JSON.parse made of the body. The caller must pass
   * only values nothing changed since (the decoders keep a tool's schema as parsed and hand it on).
   */
  valueRange(value: object): ByteRange | undefined {
    return this.values.get(value);
  }

  /** Walks the value that starts at `at` in the bytes; returns where it ends, or -1 when the bytes are not this value. */
  private walk(value: unknown, at: number): number {
    const bytes = this.bytes;
    switch (typeof value) {
      case 'string': {
        if (bytes[at] !== quote) return -1;
        // An ASCII string without escapes closes one byte per character on: one check, no search.
        // A quote there that is not escaped is the close (a string holds no other), so only a
        // string with escapes or wider characters is searched.
        const guess = at + 1 + value.length;
        const close = bytes[guess] === quote && bytes[guess - 1] !== backslash ? guess : stringEnd(bytes, at);
        if (close >= bytes.length || bytes[close] !== quote) return -1;
        if (value.length >= shortestString) this.addString(value, { start: at + 1, end: close });
        return close + 1;
      }
      case 'number':
        return scalarEnd(bytes, at, bytes[at] === 0x2d || (bytes[at]! >= 0x30 && bytes[at]! <= 0x39));
      case 'boolean':
        return scalarEnd(bytes, at, bytes[at] === (value ? 0x74 : 0x66));
      case 'object': {
        if (value === null) return scalarEnd(bytes, at, bytes[at] === 0x6e);
        const end = Array.isArray(value) ? this.walkArray(value, at) : this.walkObject(value as Record<string, unknown>, at);
        if (end !== -1 && end - at >= shortestValue) this.values.set(value, { start: at, end });
        return end;
      }
      default:
        return -1;
    }
  }

  private walkArray(array: readonly unknown[], at: number): number {
    const bytes = this.bytes;
    if (bytes[at] !== openBracket) return -1;
    let index = skipWhiteSpace(bytes, at + 1);
    if (array.length === 0) return bytes[index] === closeBracket ? index + 1 : -1;
    for (let item = 0; item < array.length; item++) {
      const end = this.walk(array[item], index);
      if (end === -1) return -1;
      index = skipWhiteSpace(bytes, end);
      const expected = item === array.length - 1 ? closeBracket : comma;
      if (bytes[index] !== expected) return -1;
      index = skipWhiteSpace(bytes, index + 1);
    }
    return index;
  }

  private walkObject(object: Record<string, unknown>, at: number): number {
    const bytes = this.bytes;
    if (bytes[at] !== openBrace) return -1;
    let index = skipWhiteSpace(bytes, at + 1);
    let closed = bytes[index] === closeBrace;
    if (closed) index++;
    // for…in with object[key] reads through V8's enum cache; Object.keys and an index did not.
    for (const key in object) {
      // A duplicate key leaves more members in the bytes than keys in the object: the brace comes early.
      if (closed) return -1;
      index = keyEnd(bytes, index, key);
      if (index === -1) return -1;
      index = skipWhiteSpace(bytes, index);
      if (bytes[index] !== colon) return -1;
      const start = skipWhiteSpace(bytes, index + 1);
      const end = this.wholeValues !== undefined && this.wholeValues.keys.has(key) ? this.skipWhole(object, key, start) : this.walk(object[key], start);
      if (end === -1) return -1;
      index = skipWhiteSpace(bytes, end);
      if (bytes[index] === closeBrace) closed = true;
      else if (bytes[index] !== comma) return -1;
      index = skipWhiteSpace(bytes, index + 1);
    }
    return closed ? index : -1;
  }

  /**
   * Like `walk` of `holder[key]`, but an object or array is only found in the bytes, not paired
   * member by member; a schema still held as the client's bytes (client-schema.ts) is not read.
   */
  private skipWhole(holder: Record<string, unknown>, key: string, at: number): number {
    const clientSchema = clientSchemaOf(holder);
    if (clientSchema !== undefined) return clientSchema.bytes === this.bytes && clientSchema.range.start === at ? clientSchema.range.end : -1;
    const value = holder[key];
    if (typeof value !== 'object' || value === null) return this.walk(value, at);
    if (this.bytes[at] !== (Array.isArray(value) ? openBracket : openBrace)) return -1;
    const end = this.wholeValues!.skip(at);
    if (end === -1) return -1;
    if (end - at >= shortestValue) this.values.set(value, { start: at, end });
    return end;
  }

  private addString(value: string, range: ByteRange): void {
    const candidates = this.strings.get(value.length);
    if (candidates === undefined) this.strings.set(value.length, [{ value, range }]);
    else candidates.push({ value, range });
  }
}

/**
 * Values an encoder copies whole and never looks into: a tool's JSON Schema (`input_schema`,
 * `parameters`). Pairing a schema member by member cost a third of the index of a Claude Code
 * turn (24 schemas, 15.7 KB of small objects and keys: ~140,000 of ~400,000 instructions at
 * 80 KB, docs/benchmark.md, "Sixteenth round"); found by a skip over its bytes instead, its range is
 * still exact — JSON.parse made the value of exactly those bytes — but the strings and objects
 * inside it are not indexed, and a duplicate key inside it reaches the provider as the client
 * wrote it (JSON.parse kept the last; so do the providers' parsers) rather than making the whole
 * body serialised again.
 */
export interface WholeValues {
  /** The keys whose object or array values are indexed whole. */
  keys: ReadonlySet<string>;
  /** The end (past its closing bracket) of the object or array that opens at `at`, or -1. */
  skip(at: number): number;
}

/** Where a key written without escapes ends (past its closing quote), or -1 when the bytes hold another key. */
function keyEnd(bytes: Buffer, at: number, key: string): number {
  if (bytes[at] !== quote) return -1;
  let index = at + 1;
  for (let character = 0; character < key.length; character++, index++) {
    const code = key.charCodeAt(character);
    // Keys outside ASCII or with escapes are compared no further: the index is not built.
    if (code >= 0x80 || code === backslash || bytes[index] !== code) return -1;
  }
  return bytes[index] === quote ? index + 1 : -1;
}

/** `Buffer#indexOf`, taken once (json-scan.ts: looked up on each call it was an inline-cache miss). */
const bufferIndexOf = Buffer.prototype.indexOf;

/** The closing quote of a string that opens at `at`: quotes found natively, an escaped one skipped. */
function stringEnd(bytes: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const candidate = bufferIndexOf.call(bytes, quote, from);
    if (candidate === -1) return bytes.length;
    let backslashes = 0;
    while (bytes[candidate - 1 - backslashes] === backslash) backslashes++;
    if (backslashes % 2 === 0) return candidate;
    from = candidate + 1;
  }
}

/** The end of a number, `true`, `false` or `null` that starts at `at`, or -1 when `matches` is false. */
function scalarEnd(bytes: Buffer, at: number, matches: boolean): number {
  if (!matches) return -1;
  let index = at + 1;
  while (index < bytes.length) {
    const byte = bytes[index]!;
    if (byte === comma || byte === closeBrace || byte === closeBracket || isJsonWhiteSpace(byte)) break;
    index++;
  }
  return index;
}

function skipWhiteSpace(bytes: Buffer, from: number): number {
  let index = from;
  while (index < bytes.length && isJsonWhiteSpace(bytes[index]!)) index++;
  return index;
}

/** JSON's white space: space, line feed, carriage return, tab. */
function isJsonWhiteSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
