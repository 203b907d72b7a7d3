import type { JsonObject } from '../core/json';
import type { Finding, Scanner } from './scanner';
import { namesCredential } from './secret-rules';

/** Where a value was found: its JSON path in the client's body, e.g. `messages[2].content[0].text`. */
export interface Located {
  detector: string;
  kind: string;
  path: string;
}

/** What redaction found in one request body. */
export interface BodyFindings {
  /** Every finding with its place, in body order. */
  found: Located[];
  /** The body with each finding replaced by its placeholder; the input itself when nothing was found. */
  body: JsonObject;
  /** Counts per detector (never values). */
  counts: Record<string, number>;
}

/**
 * Fields that carry no text a person wrote, or bytes a provider verifies: never scanned. A
 * thinking block's signature or a Responses item's encrypted content changed by one byte is
 * refused by the provider; ids, roles and types are the protocol's; `data` is base64 (images,
 * PDFs, redacted thinking) except in a plain-text document.
 */
const skippedKeys = new Set([
  'model',
  'type',
  'role',
  'id',
  'tool_call_id',
  'tool_use_id',
  'call_id',
  'previous_response_id',
  'signature',
  'thoughtSignature',
  'thought_signature',
  'encrypted_content',
  'media_type',
  'mime_type',
  'mimeType',
  'name',
  'cache_control',
  'file_id',
  'fileUri',
  'file_uri',
  'prompt_cache_key',
  'service_tier',
  'stop_reason',
  // The canonical request's own (Switchyard's calls, redacted before they are encoded).
  'toolCallId',
  'toolName',
  'redactedData',
  'mediaType',
]);

/** A string in the body and how to reach it. */
interface Slot {
  holder: JsonObject | unknown[];
  key: string | number;
  path: readonly (string | number)[];
  value: string;
  /**
   * Scanned before the value, never replaced: `"password": "` when the value's key names a
   * credential. A tool call's arguments are an object in Anthropic's and Gemini's formats and a
   * JSON string in OpenAI's: with its key in front, `{ password: 'hunter2' }` is found as the
   * assignment `"password": "hunter2"` is in OpenAI's string (and the value's closing quote
   * after it, as the assignment rules want).
   */
  prefix?: string;
}

/** Scanning yields to the event loop after this many characters, so a prompt of several MB cannot stall other calls. */
const sliceCharacters = 64 * 1024;

/**
 * Finds sensitive values in every text of a client's request body — system prompts, messages,
 * tool-call arguments, tool results, Responses input items, Gemini parts, tool definitions — by
 * walking the JSON rather than one format's known fields, so a field no codec knows is covered
 * too. `placeholders` assigns the replacement; without it (block mode) only findings come back.
 * The input is never modified: the redacted body shares every part that did not change.
 */
export async function redactBody(body: JsonObject, scanner: Scanner, placeholders?: (finding: Finding, value: string) => string): Promise<BodyFindings> {
  const slots: Slot[] = [];
  collectStrings(body, [], slots);
  const found: Located[] = [];
  const counts: Record<string, number> = {};
  const replaced: Array<{ slot: Slot; value: string }> = [];
  let first = 0;
  while (first < slots.length) {
    // The strings of a slice, joined: one scan of each detector over many short strings costs
    // far less than one scan per string (each regular expression pass has its own overhead).
    let last = first;
    let size = scannedLength(slots[first]!);
    while (last + 1 < slots.length && size + scannedLength(slots[last + 1]!) <= sliceCharacters) size += scannedLength(slots[++last]!) + separator.length;
    // Where each slot's value starts in the joined text; a finding in a key's prefix falls
    // outside every value and is dropped below.
    const starts: number[] = [];
    let joined = '';
    for (let index = first; index <= last; index += 1) {
      const slot = slots[index]!;
      if (index !== first) joined += separator;
      if (slot.prefix === undefined) {
        starts.push(joined.length);
        joined += slot.value;
      } else {
        joined += slot.prefix;
        starts.push(joined.length);
        joined += slot.value + keyedSuffix;
      }
    }
    const findings = scanner.scan(joined);
    let at = 0;
    let pending: { slot: Slot; findings: Finding[] } | undefined;
    const settle = (): void => {
      if (pending === undefined) return;
      const { slot, findings: inSlot } = pending;
      pending = undefined;
      const path = formatPath(slot.path);
      let text = '';
      let from = 0;
      for (const finding of inSlot) {
        found.push({ detector: finding.detector, kind: finding.kind, path });
        counts[finding.detector] = (counts[finding.detector] ?? 0) + 1;
        if (placeholders === undefined) continue;
        text += slot.value.slice(from, finding.start) + placeholders(finding, slot.value.slice(finding.start, finding.end));
        from = finding.end;
      }
      if (placeholders !== undefined) replaced.push({ slot, value: text + slot.value.slice(from) });
    };
    for (const finding of findings) {
      // Findings come in order: the slot that holds each is found by walking forward.
      while (at + 1 < starts.length && starts[at + 1]! <= finding.start) at += 1;
      const slot = slots[first + at]!;
      const start = finding.start - starts[at]!;
      if (start < 0 || start >= slot.value.length) continue;
      // A match that ran on past its string (a private key without its END line) stops at its end.
      const end = Math.min(finding.end - starts[at]!, slot.value.length);
      if (pending?.slot !== slot) {
        settle();
        pending = { slot, findings: [] };
      }
      pending.findings.push({ ...finding, start, end });
    }
    settle();
    first = last + 1;
    // A prompt of several MB is scanned a slice at a time, with the event loop free in between.
    if (first < slots.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (replaced.length === 0) return { found, body, counts };
  return { found, body: rewrite(body, replaced), counts };
}

/**
 * Between joined strings: a NUL between two line ends. No detector's match crosses it but a
 * private key's (cut at its string's end): a credential's name at the end of one message and
 * `= "…"` at the start of the next is no assignment (`\s*` would cross a blank line), and the
 * raw-body prefilter relies on matches staying inside one string.
 */
const separator = '\n\u0000\n';

/** After a keyed value (see `Slot.prefix`): its closing quote. */
const keyedSuffix = '"';

function scannedLength(slot: Slot): number {
  return slot.prefix === undefined ? slot.value.length : slot.prefix.length + slot.value.length + keyedSuffix.length;
}

function collectStrings(value: unknown, path: (string | number)[], slots: Slot[]): void {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      if (typeof item === 'string') slots.push({ holder: value, key: index, path: [...path, index], value: item });
      else if (typeof item === 'object' && item !== null) collectStrings(item, [...path, index], slots);
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as JsonObject;
  for (const key of Object.keys(object)) {
    const item = object[key];
    if (typeof item === 'string') {
      if (skippedKeys.has(key) || isBinary(key, item, object)) continue;
      const slot: Slot = { holder: object, key, path: [...path, key], value: item };
      if (namesCredential(key)) slot.prefix = `${JSON.stringify(key)}: "`;
      slots.push(slot);
    } else if (typeof item === 'object' && item !== null) {
      if (key === 'cache_control') continue;
      collectStrings(item, [...path, key], slots);
    }
  }
}

/** Base64 payloads and data URLs: bytes, not text (a plain-text document's `data` is text). */
function isBinary(key: string, value: string, holder: JsonObject): boolean {
  if (value.startsWith('data:')) return true;
  if (key !== 'data' && key !== 'file_data') return false;
  const mediaType = holder.media_type ?? holder.mimeType ?? holder.mime_type ?? holder.mediaType;
  return !(typeof mediaType === 'string' && mediaType.startsWith('text/'));
}

/** A copy of `body` with the replaced strings, cloning only the containers on their paths. */
function rewrite(body: JsonObject, replaced: Array<{ slot: Slot; value: string }>): JsonObject {
  const clones = new Map<unknown, unknown>();
  const cloneOf = <T>(container: T): T => {
    let clone = clones.get(container) as T | undefined;
    if (clone === undefined) {
      clone = (Array.isArray(container) ? [...container] : { ...container }) as T;
      clones.set(container, clone);
    }
    return clone;
  };
  const root = cloneOf(body);
  for (const { slot, value } of replaced) {
    let original: unknown = body;
    let copy: Record<string | number, unknown> = root as Record<string, unknown>;
    for (const step of slot.path.slice(0, -1)) {
      original = (original as Record<string | number, unknown>)[step];
      const child = cloneOf(original) as Record<string | number, unknown>;
      copy[step] = child;
      copy = child;
    }
    copy[slot.key] = value;
  }
  return root;
}

/** `["messages", 2, "content", 0, "text"]` → `messages[2].content[0].text`. */
export function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const step of path) text += typeof step === 'number' ? `[${step}]` : text === '' ? step : `.${step}`;
  return text;
}
