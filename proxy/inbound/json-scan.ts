import { backslash, closeBrace, closeBracket, comma, openBrace, openBracket, quote } from '../wire/json-bytes';
import { nestedValueSkipper } from './nested-value-skip';

/** JSON's structural bytes, for the scans that import them from here. */
export { backslash, closeBrace, closeBracket, comma, openBrace, openBracket, quote };

/** Byte range of a JSON value inside a buffer, end exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Finds where the string value of a top-level key sits in a JSON object's bytes, without
 * parsing it. The passthrough path uses it to change `model` while every other byte stays as
 * the client sent it (Anthropic thinking signatures and cache_control must arrive exactly).
 * Strings are skipped with indexOf, so the cost is one step per string, not per byte; and
 * clients put `model` first, so the scan usually stops within a few bytes.
 *
 * Expects a buffer that already parsed as a JSON object.
 */
export function findTopLevelString(json: Buffer, key: string): ByteRange | undefined {
  const valueStart = topLevelValueStart(json, key);
  if (valueStart === undefined || json[valueStart] !== quote) return undefined;
  return { start: valueStart, end: stringEnd(json, valueStart) + 1 };
}

/**
 * Finds the value of a top-level key, whatever its type, without parsing the rest: a provider's
 * whole answer is only read for its `usage`, and JSON.parse of all of it cost more than the
 * rest of reading it. Objects and arrays are skipped by depth, strings with indexOf.
 * On bytes that are not JSON the range may be wrong; parse what it spans before trusting it.
 */
export function findTopLevelValue(json: Buffer, key: string): ByteRange | undefined {
  const start = topLevelValueStart(json, key);
  return start === undefined ? undefined : valueRange(json, start);
}

/** The range of the value that begins at `start`: a string, an object or array by depth, or a scalar. */
export function valueRange(json: Buffer, start: number): ByteRange | undefined {
  if (start >= json.length) return undefined;
  const first = json[start];
  if (first === quote) return { start, end: stringEnd(json, start) + 1 };
  if (first === openBrace || first === openBracket) {
    let depth = 0;
    for (let index = start; index < json.length; index++) {
      const byte = json[index];
      if (byte === quote) index = stringEnd(json, index);
      else if (byte === openBrace || byte === openBracket) depth++;
      else if ((byte === closeBrace || byte === closeBracket) && --depth === 0) return { start, end: index + 1 };
    }
    return undefined;
  }
  // A number, true, false or null: up to the next comma or the object's end.
  let end = start;
  while (end < json.length && json[end] !== comma && json[end] !== closeBrace) end++;
  return { start, end };
}

/**
 * {@link findTopLevelValue} for a key that sits near the end of the bytes (a whole answer's
 * `usage`, after its content): the last `"key":` is found with `lastIndexOf`, and the bytes
 * after its value are checked to close exactly one object — so the key is at the top level,
 * not inside a tool call's arguments. Costs the tail, not the whole answer; when the last
 * occurrence is not the top-level one (a provider that writes usage first), the forward scan
 * decides. The match cannot be inside a string: a string's own quotes are escaped, and an
 * escaped opening quote is rejected.
 */
export function findTopLevelValueNearEnd(json: Buffer, key: string): ByteRange | undefined {
  const needle = `"${key}"`;
  let at = json.lastIndexOf(needle);
  while (at !== -1) {
    let backslashes = 0;
    while (json[at - 1 - backslashes] === backslash) backslashes++;
    if (backslashes % 2 === 0) break;
    at = at === 0 ? -1 : json.lastIndexOf(needle, at - 1);
  }
  if (at === -1) return findTopLevelValue(json, key);
  let colon = at + needle.length;
  while (colon < json.length && isJsonWhiteSpace(json[colon]!)) colon++;
  if (json[colon] !== 0x3a) return findTopLevelValue(json, key);
  const range = valueRange(json, skipToValue(json, colon));
  if (range === undefined || !closesOneObject(json, range.end)) return findTopLevelValue(json, key);
  return range;
}

/** Whether the bytes from `from` hold values and keys of one object and then close it, and nothing after. */
function closesOneObject(json: Buffer, from: number): boolean {
  let depth = 1;
  for (let index = from; index < json.length; index++) {
    const byte = json[index];
    if (byte === quote) index = stringEnd(json, index);
    else if (byte === openBrace || byte === openBracket) depth++;
    else if (byte === closeBrace || byte === closeBracket) {
      depth--;
      if (depth === 0) return byte === closeBrace && skipWhiteSpace(json, index + 1) === json.length;
    }
  }
  return false;
}

/** JSON's white space (space, line feed, carriage return, tab), as a byte or a character code. */
export function isJsonWhiteSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Index where the value of a top-level key begins, past its colon and white space. */
function topLevelValueStart(json: Buffer, key: string): number | undefined {
  const keyBytes = Buffer.from(key, 'utf8');
  let depth = 0;
  let expectKey = false;
  for (let index = 0; index < json.length; index++) {
    const byte = json[index];
    if (byte === quote) {
      const end = stringEnd(json, index);
      if (depth === 1 && expectKey) {
        expectKey = false;
        if (end - index - 1 === keyBytes.length && json.compare(keyBytes, 0, keyBytes.length, index + 1, end) === 0) {
          return skipToValue(json, end + 1);
        }
      }
      index = end;
    } else if (byte === openBrace || byte === openBracket) {
      depth++;
      expectKey = depth === 1;
    } else if (byte === closeBrace || byte === closeBracket) {
      depth--;
    } else if (byte === comma && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

/** Returns a copy of `json` with the bytes in `range` replaced by `replacement`. */
export function spliceBytes(json: Buffer, range: ByteRange, replacement: string): Buffer {
  const inserted = Buffer.from(replacement, 'utf8');
  const result = Buffer.allocUnsafe(json.length - (range.end - range.start) + inserted.length);
  json.copy(result, 0, 0, range.start);
  inserted.copy(result, range.start);
  json.copy(result, range.start + inserted.length, range.end);
  return result;
}

/**
 * The offset of the quote closing the string that opens at `start` in `text`, JSON read one
 * byte a character (`latin1`, so offsets are the bytes'); -1 when it never closes. The string
 * twin of {@link stringEnd}: a string's `indexOf` finds a quote as fast as `memchr`, with no call
 * into C++ per quote (the response cache keys every miss's body with it).
 */
export function stringEndInText(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === backslash) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/** `Buffer#indexOf`, taken once: looked up on each call it was an inline-cache miss per string (~70 instructions). */
const bufferIndexOf = Buffer.prototype.indexOf;

/** Index of the quote closing the string that opens at `start`. */
function stringEnd(json: Buffer, start: number): number {
  let from = start + 1;
  for (;;) {
    const candidate = bufferIndexOf.call(json, quote, from);
    if (candidate === -1) return json.length - 1;
    let backslashes = 0;
    while (json[candidate - 1 - backslashes] === backslash) backslashes++;
    if (backslashes % 2 === 0) return candidate;
    from = candidate + 1;
  }
}

/** Skips whitespace, the colon and whitespace after a key. */
function skipToValue(json: Buffer, from: number): number {
  let index = from;
  while (index < json.length && json[index] !== 0x3a) index++;
  index++;
  while (index < json.length && isJsonWhiteSpace(json[index]!)) index++;
  return index;
}

/** What the passthrough path needs of a body without parsing it. */
export interface RequestHead {
  /** The top-level `model`, when it is a string. */
  model?: string;
  /** The top-level `stream` is the literal `true`. */
  stream: boolean;
  /**
   * The bytes hold one whole JSON object: it opens, closes, and nothing but white space
   * follows. When false the body must be parsed (which reports what is wrong with it).
   */
  complete: boolean;
  /**
   * Some `"signature"` key, at any depth, holds an empty string: a thinking block another
   * provider produced, which Anthropic would reject (see the passthrough path).
   */
  emptySignature: boolean;
  /** The top level has a `stream_options` key (OpenAI chat: whether usage was asked for). */
  streamOptions: boolean;
  /**
   * Where the top-level `stream_options` object begins, when its value is an object: the
   * passthrough path reads `include_usage` from that range alone instead of parsing the body.
   */
  streamOptionsAt?: number;
  /** A top-level `max_tokens`, `max_completion_tokens` or `max_output_tokens`: the most output the call can cost. */
  maxOutputTokens?: number;
  /**
   * Where the top-level members named in the set the scan was given sit (the response cache's
   * answer-neutral fields), four numbers each: the offset of the member's name, of the comma or
   * closing brace after its value, of the comma before it when a member not named comes
   * earlier (-1 otherwise), and 1 for the last member (0 otherwise). Only when a set was given
   * and the body is complete.
   */
  neutralMembers?: number[];
  /**
   * Where the values of the first top-level `model` and output limits begin (as
   * {@link findTopLevelValue} would find them), undefined for a name absent from the body. Only
   * for a complete body: a scan that stopped early has not seen every member.
   */
  memberAt?: MemberOffsets;
}

/**
 * Offsets of top-level members' values in a body, by the member's name: a routed passthrough
 * call renames `model` and reads the output limit its API takes from here, where three searches
 * of the body for them (one per name, the limit's absent names over the whole body) were most
 * of what a routed 1 KB call's way in did beyond an unrouted one's (docs/benchmark.md,
 * "Sixteenth round").
 */
export interface MemberOffsets {
  model?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  max_output_tokens?: number;
  /** The `tools` array: a translated Messages body's parse cuts the tools' schemas out from here (tool-schemas.ts). */
  tools?: number;
}

/** Top-level names of the output cap in Chat Completions (both), Messages and Responses. */
const maxOutputKeys = new Set(['max_tokens', 'max_completion_tokens', 'max_output_tokens']);

/** The top-level names the scan acts on without a cache's neutral names, by their length in bytes. */
const namesByLength: Array<Array<{ name: string; bytes: Buffer }> | undefined> = [];
for (const name of ['model', 'stream', 'stream_options', 'tools', ...maxOutputKeys]) (namesByLength[name.length] ??= []).push({ name, bytes: Buffer.from(name, 'latin1') });

/**
 * The name of the top-level key whose quotes stand at `start` and `end`. A name the scan acts on
 * is recognised in its bytes and returned as the constant; any other is decoded only when the
 * caller asked for the cache's neutral members (`decodeOthers`), else it is ''. Decoding every
 * key (a `Buffer#toString`, a call into C++ each, and a new string) was about a quarter of the
 * way in's own instructions on a 1 KB body (docs/benchmark.md, "Fourteenth round"). The bytes
 * equal a name exactly when their UTF-8 decoding does, as the decode compared them before.
 */
function topLevelKey(json: Buffer, start: number, end: number, decodeOthers: boolean): string {
  const candidates = namesByLength[end - start - 1];
  if (candidates !== undefined) {
    for (const { name, bytes } of candidates) {
      let at = 0;
      while (at < bytes.length && json[start + 1 + at] === bytes[at]) at++;
      if (at === bytes.length) return name;
    }
  }
  return decodeOthers ? json.toString('utf8', start + 1, end) : '';
}

/**
 * How {@link scanRequestHead} passes a top-level member's object or array: in its own loop, a
 * `Buffer#indexOf` call a string, or in WebAssembly (nested-value-skip.wat), after one copy of
 * the body into the module's memory. The same result either way (a differential test holds them
 * to it).
 */
export type NestedValueScan = 'javascript' | 'webassembly';

/**
 * Bodies from this size have their nested values skipped in WebAssembly. Below it the copy and
 * the calls into the module save nothing: the bench's bodies cut to 10–15 KB scanned in ~1.0–1.3
 * µs either way, at 30 KB 0.6× in WebAssembly, at 80 KB 0.55×, at 1 KB 1.1–1.3× (dearer;
 * docs/benchmark.md, "Fifteenth round").
 */
export const webAssemblyScanFrom = 16 * 1024;

/**
 * Nor above this size: the module's memory grows to the largest body it is given and never
 * shrinks, so it is bounded (a Claude Code turn late in a long session is ~1 MB).
 */
export const webAssemblyScanUpTo = 4 * 1024 * 1024;

/** Whether {@link scanRequestHead} skips a body of this size in WebAssembly, so the skipper holds it after the scan. */
export function nestedValueScanFor(length: number): NestedValueScan {
  return length >= webAssemblyScanFrom && length <= webAssemblyScanUpTo ? 'webassembly' : 'javascript';
}

/**
 * Reads `model` and `stream` off a request body in one pass over its structure, skipping
 * strings with indexOf. A passthrough call needs nothing else, so an 80 KB Claude Code body
 * need not be parsed at all (JSON.parse of it costs ~45 µs). On a large body the top-level
 * members' objects and arrays (its messages, system blocks and tools: nearly all of its bytes)
 * are skipped in WebAssembly ({@link NestedValueScan}): on the bench's 80 KB bodies ~16 → ~9 µs
 * a scan, where one `indexOf` a string had cost ~290,000 instructions (docs/benchmark.md, tenth
 * and fifteenth rounds). Given `neutral` names, it also notes where those top-level members sit
 * ({@link RequestHead.neutralMembers}), so that the response cache's key needs no second pass
 * over the body. `nestedValues` is for tests and benches; by default the body's size picks.
 */
export function scanRequestHead(json: Buffer, neutral?: ReadonlySet<string>, nestedValues: NestedValueScan = nestedValueScanFor(json.length)): RequestHead {
  const head: RequestHead = { stream: false, complete: false, emptySignature: false, streamOptions: false };
  const skipper = nestedValues === 'webassembly' ? nestedValueSkipper() : undefined;
  let loaded = false;
  let index = skipWhiteSpace(json, 0);
  if (json[index] !== openBrace) return head;
  let depth = 0;
  let expectKey = false;
  let key: string | undefined;
  const members: number[] | undefined = neutral === undefined ? undefined : [];
  /** The current top-level member's name (its quote), and whether it is named in `neutral`. */
  let memberStart = -1;
  let memberNeutral = false;
  /** The comma after the previous top-level member, and whether a member not named came before. */
  let previousComma = -1;
  let keptBefore = false;
  // Read once: with calls in the loop V8 reloaded it on every byte (13 % of the scan's CPU profile samples).
  const length = json.length;
  // Plain variables until the end, one object of one shape then: a store by a computed name into
  // an object that grew key by key cost the unrouted call ~1,900 instructions (way-in-microbench).
  let modelAt: number | undefined;
  let maxTokensAt: number | undefined;
  let maxCompletionTokensAt: number | undefined;
  let maxOutputTokensAt: number | undefined;
  let toolsAt: number | undefined;
  for (; index < length; index++) {
    const byte = json[index];
    if (byte === quote) {
      const end = stringEnd(json, index);
      if (end >= json.length - 1 && json[end] !== quote) return head;
      // Checked here, in the pass that visits every string anyway: a separate search of an
      // 80 KB body for `"signature"` cost ~38 µs (Buffer#indexOf runs at ~2 GB/s).
      if (end - index === 10 && json[index + 1] === 0x73 /* s */ && json.toString('latin1', index + 1, end) === 'signature' && emptyStringFollows(json, end + 1)) {
        head.emptySignature = true;
      }
      if (depth === 1 && expectKey) {
        key = topLevelKey(json, index, end, members !== undefined);
        if (key === 'stream_options') head.streamOptions = true;
        else if (key === 'model') modelAt ??= skipToValue(json, end + 1);
        else if (key === 'max_tokens') maxTokensAt ??= skipToValue(json, end + 1);
        else if (key === 'max_completion_tokens') maxCompletionTokensAt ??= skipToValue(json, end + 1);
        else if (key === 'max_output_tokens') maxOutputTokensAt ??= skipToValue(json, end + 1);
        else if (key === 'tools') toolsAt ??= skipToValue(json, end + 1);
        if (members !== undefined) {
          memberStart = index;
          memberNeutral = neutral!.has(key);
        }
        expectKey = false;
      } else if (depth === 1 && key === 'model') {
        try {
          head.model = JSON.parse(json.toString('utf8', index, end + 1)) as string;
        } catch {
          // A bad escape in the name: not complete, so the full parse says what is wrong.
          return head;
        }
      }
      index = end;
    } else if (byte === openBrace || byte === openBracket) {
      if (depth === 1 && key === 'stream_options' && byte === openBrace) head.streamOptionsAt = index;
      if (depth === 1 && skipper !== undefined) {
        // A top-level member's object or array, skipped whole in WebAssembly: what the loop
        // would do inside it (strings, brackets, an empty signature) and nothing else.
        if (!loaded) {
          skipper.load(json);
          loaded = true;
        }
        const skipped = skipper.skip(index);
        if ((skipped & 1) === 1) head.emptySignature = true;
        if (skipped < 2) return head;
        index = (skipped >> 1) - 1;
        expectKey = false;
        continue;
      }
      depth++;
      expectKey = depth === 1;
    } else if (byte === closeBrace || byte === closeBracket) {
      depth--;
      if (depth === 0) {
        head.complete = skipWhiteSpace(json, index + 1) === json.length;
        if (head.complete) head.memberAt = { model: modelAt, max_tokens: maxTokensAt, max_completion_tokens: maxCompletionTokensAt, max_output_tokens: maxOutputTokensAt, tools: toolsAt };
        if (members !== undefined && head.complete) {
          if (memberStart !== -1 && memberNeutral) members.push(memberStart, index, keptBefore ? previousComma : -1, 1);
          head.neutralMembers = members;
        }
        return head;
      }
    } else if (byte === comma && depth === 1) {
      expectKey = true;
      key = undefined;
      if (members !== undefined && memberStart !== -1) {
        if (memberNeutral) members.push(memberStart, index, keptBefore ? previousComma : -1, 0);
        else keptBefore = true;
        previousComma = index;
        memberStart = -1;
      }
    } else if (depth === 1 && key === 'stream' && byte === 0x74 /* t */) {
      head.stream = json[index + 1] === 0x72 /* r */ && json[index + 2] === 0x75 /* u */ && json[index + 3] === 0x65 /* e */;
      key = undefined;
    } else if (depth === 1 && byte >= 0x30 && byte <= 0x39 && key !== undefined && maxOutputKeys.has(key)) {
      let end = index;
      let value = 0;
      while (end < json.length && json[end]! >= 0x30 && json[end]! <= 0x39) value = value * 10 + json[end++]! - 0x30;
      head.maxOutputTokens = value;
      index = end - 1;
      key = undefined;
    }
  }
  return head;
}

/** After a key's closing quote: a colon, then `""`, white space allowed around the colon. */
function emptyStringFollows(json: Buffer, from: number): boolean {
  let index = skipWhiteSpace(json, from);
  if (json[index] !== 0x3a) return false;
  index = skipWhiteSpace(json, index + 1);
  return json[index] === quote && json[index + 1] === quote;
}

export function skipWhiteSpace(json: Buffer, from: number): number {
  let index = from;
  while (index < json.length && isJsonWhiteSpace(json[index]!)) index++;
  return index;
}
