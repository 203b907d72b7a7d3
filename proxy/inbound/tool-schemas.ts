import { randomBytes } from 'node:crypto';
import { isObject, type JsonObject } from '../core/json';
import { ClientSchema, defineClientSchema } from '../wire/client-schema';
import type { ByteRange } from '../wire/client-bytes';
import { backslash, closeBrace, closeBracket, comma, isJsonWhiteSpace, nestedValueScanFor, openBrace, openBracket, quote, skipWhiteSpace, type RequestHead } from './json-scan';
import { nestedValueSkipper, type NestedValueSkipper } from './nested-value-skip';
import type { ClientFormat } from '../core/request';
import { parseJsonObject } from '../http/read-body';

/**
 * What a schema's bytes are replaced with in the text that is parsed: a string no client writes
 * (a NUL and a random per-process tag), so finding it where the schema was proves the parse
 * read this cut and no duplicate member of the body (JSON.parse keeps the last).
 */
const placeholderValue = `\u0000schema${randomBytes(6).toString('hex')}`;
const placeholderBytes = Buffer.from(JSON.stringify(placeholderValue), 'latin1');

/** The key of an Anthropic Messages tool's schema, as bytes. */
const schemaKey = Buffer.from('input_schema', 'latin1');

/** A tool's schema to cut out of the parse: the tool's index in `tools` and the schema's bytes. */
interface SchemaCut {
  tool: number;
  range: ByteRange;
}

/**
 * Where the read stage's parse of a body may leave the tools' schemas as the client's bytes: a
 * Messages body the scan read whole and found `tools` in, of a size the scan skipped in
 * WebAssembly (the skipper holds it then; for a smaller body the copy into the module costs
 * more than its schemas' parse would save).
 */
export function toolSchemasAt(format: ClientFormat, head: RequestHead, length: number): number | undefined {
  return format === 'anthropic-messages' && head.complete && nestedValueScanFor(length) === 'webassembly' ? head.memberAt?.tools : undefined;
}

/**
 * The read stage's parse of a request body: with the tools' schemas left as the client's bytes
 * where {@link toolSchemasAt} found them and they are JSON, else `parseJsonObject` (whose
 * refusal of a body that is not JSON is the one a client gets either way).
 */
export function parseRequestBody(bytes: Buffer, toolsAt: number | undefined): JsonObject {
  return (toolsAt === undefined ? undefined : parseWithClientSchemas(bytes, toolsAt, nestedValueSkipper())) ?? parseJsonObject(bytes);
}

/**
 * Parses a Messages request body with its tools' `input_schema` objects left out, each tool's
 * schema an accessor that parses the client's bytes when something reads it
 * ({@link ClientSchema}). On the bench's 80 KB Claude Code turn the 24 schemas are 15.7 KB of
 * small objects and keys and ~545,000 of the body's ~940,000 `JSON.parse` instructions; the
 * Chat request only copies their bytes (docs/benchmark.md, "Seventeenth round").
 *
 * `toolsAt` is where the read stage's scan found the `tools` array; the body is loaded into
 * `skipper` (nothing to copy when the scan's was the last body loaded): the schemas and the tools' other objects are skipped in WebAssembly, the
 * strings between them with one `Buffer#indexOf` each, and every schema's bytes are checked
 * against JSON's grammar there (`validate`) — a schema JSON.parse would refuse makes the
 * caller parse the whole body, which refuses it with the same message as before.
 *
 * Undefined when the caller must parse the body whole: a tools array or tool shaped otherwise
 * than expected (a key with an escape, a repeated `input_schema`), a schema that is not JSON,
 * or a body that does not parse.
 */
export function parseWithClientSchemas(bytes: Buffer, toolsAt: number, skipper: NestedValueSkipper): JsonObject | undefined {
  // Another call's scan may have loaded its body since this one's: then this copies it back.
  skipper.load(bytes);
  const cuts = schemaCuts(bytes, toolsAt, skipper);
  if (cuts === undefined || cuts.length === 0) return undefined;
  // The text without the schemas: the bytes between them copied into one buffer and decoded
  // once (25 decoded pieces joined cost more: JSON.parse flattens the joined string again).
  let size = bytes.length + cuts.length * placeholderBytes.length;
  for (const { range } of cuts) size -= range.end - range.start;
  const cut = Buffer.allocUnsafe(size);
  let from = 0;
  let at = 0;
  for (const { range } of cuts) {
    at += bytes.copy(cut, at, from, range.start);
    at += placeholderBytes.copy(cut, at);
    from = range.end;
  }
  bytes.copy(cut, at, from);
  let parsed: unknown;
  try {
    parsed = JSON.parse(cut.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || !Array.isArray(parsed.tools)) return undefined;
  const tools = parsed.tools as unknown[];
  for (const { tool: index, range } of cuts) {
    const tool = tools[index];
    if (!isObject(tool) || tool.input_schema !== placeholderValue) return undefined;
    tools[index] = toolWithSchema(tool, new ClientSchema(bytes, range));
  }
  return parsed;
}

/** `tool` made again, its keys in their order, `input_schema` the accessor of `schema`. */
function toolWithSchema(tool: JsonObject, schema: ClientSchema): JsonObject {
  const made: JsonObject = {};
  for (const key in tool) {
    if (key === 'input_schema') defineClientSchema(made, key, schema);
    else made[key] = tool[key];
  }
  return made;
}

/**
 * Where each tool's `input_schema` object sits, by a walk of the `tools` array's structure only;
 * undefined when the array is not shaped as the walk expects (the caller parses then).
 */
function schemaCuts(bytes: Buffer, at: number, skipper: NestedValueSkipper): SchemaCut[] | undefined {
  if (bytes[at] !== openBracket) return undefined;
  const cuts: SchemaCut[] = [];
  let index = skipWhiteSpace(bytes, at + 1);
  if (bytes[index] === closeBracket) return cuts;
  for (let tool = 0; ; tool++) {
    if (bytes[index] === openBrace) {
      index = toolEnd(bytes, index, tool, cuts, skipper);
    } else {
      index = valueEnd(bytes, index, skipper);
    }
    if (index === -1) return undefined;
    index = skipWhiteSpace(bytes, index);
    if (bytes[index] === closeBracket) return cuts;
    if (bytes[index] !== comma) return undefined;
    index = skipWhiteSpace(bytes, index + 1);
  }
}

/** Walks the tool object that opens at `at`, notes its schema in `cuts`; returns its end or -1. */
function toolEnd(bytes: Buffer, at: number, tool: number, cuts: SchemaCut[], skipper: NestedValueSkipper): number {
  let index = skipWhiteSpace(bytes, at + 1);
  if (bytes[index] === closeBrace) return index + 1;
  let found = false;
  for (;;) {
    if (bytes[index] !== quote) return -1;
    const keyClose = stringEnd(bytes, index);
    if (keyClose === -1) return -1;
    // A key with an escape could spell `input_schema` another way: such a tool is left to the parse.
    let isSchema = keyClose - index - 1 === schemaKey.length;
    for (let byte = index + 1; byte < keyClose; byte++) {
      if (bytes[byte] === backslash) return -1;
      if (isSchema && bytes[byte] !== schemaKey[byte - index - 1]) isSchema = false;
    }
    index = skipWhiteSpace(bytes, keyClose + 1);
    if (bytes[index] !== 0x3a) return -1;
    const valueStart = skipWhiteSpace(bytes, index + 1);
    let end: number;
    // Only an object is cut (anything else is the decoder's to refuse, as before), and its end is
    // found by the check of its bytes against JSON's grammar.
    if (isSchema && bytes[valueStart] === openBrace) {
      // JSON.parse keeps a repeated key's last value: such a tool is left to the parse.
      if (found) return -1;
      found = true;
      end = skipper.validate(valueStart);
      // Not JSON: the whole body's parse refuses it, with its own message.
      if (end === 0) return -1;
      if (end === -1) {
        // Nested deeper than the check follows: skipped, and left in the parse.
        end = valueEnd(bytes, valueStart, skipper);
      } else {
        cuts.push({ tool, range: { start: valueStart, end } });
      }
    } else {
      if (isSchema) {
        if (found) return -1;
        found = true;
      }
      end = valueEnd(bytes, valueStart, skipper);
    }
    if (end === -1) return -1;
    index = skipWhiteSpace(bytes, end);
    if (bytes[index] === closeBrace) return index + 1;
    if (bytes[index] !== comma) return -1;
    index = skipWhiteSpace(bytes, index + 1);
  }
}

/** The end of the value that starts at `at`: a string by its closing quote, an object or array in WebAssembly, a scalar up to what follows it. */
function valueEnd(bytes: Buffer, at: number, skipper: NestedValueSkipper): number {
  const first = bytes[at];
  if (first === quote) {
    const close = stringEnd(bytes, at);
    return close === -1 ? -1 : close + 1;
  }
  if (first === openBrace || first === openBracket) {
    const skipped = skipper.skip(at);
    return skipped < 2 ? -1 : skipped >> 1;
  }
  let index = at;
  while (index < bytes.length) {
    const byte = bytes[index]!;
    if (byte === comma || byte === closeBrace || byte === closeBracket || isJsonWhiteSpace(byte)) break;
    index++;
  }
  return index === at ? -1 : index;
}

/** `Buffer#indexOf`, taken once (json-scan.ts: looked up on each call it was an inline-cache miss). */
const bufferIndexOf = Buffer.prototype.indexOf;

/**
 * The closing quote of the string that opens at `at`, or -1 (json-scan.ts's `stringEnd` answers the
 * body's last byte for a string that never closes, which the scan's callers rely on).
 */
function stringEnd(bytes: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const candidate = bufferIndexOf.call(bytes, quote, from);
    if (candidate === -1) return -1;
    let backslashes = 0;
    while (bytes[candidate - 1 - backslashes] === backslash) backslashes++;
    if (backslashes % 2 === 0) return candidate;
    from = candidate + 1;
  }
}
