import type { CachedQuestion, CachedResponse, JsonValue } from './response-cache';

/** An answer on probation under its question's fingerprint, its key not computed yet. */
export interface RingEntry {
  fingerprint: number;
  entry: CachedResponse & { question: CachedQuestion };
  /** The entry's body as bytes (a JSON body serialised). */
  body: Uint8Array;
  isBytes: boolean;
  /** Bytes counted against the bound: the body's and the question's request's. */
  size: number;
  storedAt: number;
  expiresAt: number;
  /** Which of the ring's key functions computes its key (see {@link ProbationRing.put}). */
  keyFunction: number;
}

/** What an entry's record holds besides its bytes, as JSON. */
interface RecordText {
  metadata: { [key: string]: JsonValue };
  target: string;
  format: string;
  owner: string;
  headers: { [name: string]: string };
}

/**
 * A record: length (u32, 0 where the data wraps), fingerprint (u32), stored and expiry times
 * (f64 each), counted size, body, request and text lengths (u32 each), whether the body is
 * bytes (u8), its key function (u8) and whether its answer's numbers are in the header (u8,
 * see {@link AnswerNumbers}), two bytes unused, then those numbers (seven f64: the usage's five,
 * the cost — NaN for null — and the answer's own stored time), then the body, the request and
 * the text (UTF-8 JSON).
 */
const numbersAt = 44;
const headerBytes = numbersAt + 7 * 8;

/** The usage fields of a cached answer's metadata (core/usage.ts), in the header's order. */
const usageFields = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const;

/**
 * The metadata every cached answer carries (cache/cached-answer.ts): who answered, the usage,
 * the cost and when, and for the provider's own bytes their API and stream mode. Its numbers
 * go into the record's header and the rest into text reused while it repeats (one provider,
 * model and API are nearly every miss's), so a miss serialises nothing: `JSON.stringify` of
 * the metadata and the record's text made each time were most of what a put cost (a 1 KB
 * miss's put 3.4–5.3 µs, bench/ring-microbench.ts, thirteenth round). Any other metadata is
 * kept as JSON text, as before.
 */
interface AnswerNumbers {
  provider: string;
  model: string;
  usage: { [field in (typeof usageFields)[number]]: number };
  costUsd: number | null;
  storedAt: number;
  wireApi?: string;
  wireStream?: boolean;
  wireApiVersion?: string;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Whether metadata is exactly an {@link AnswerNumbers}: nothing in it would be lost from the header and the reused text. */
function isAnswerNumbers(metadata: CachedResponse['metadata']): metadata is CachedResponse['metadata'] & AnswerNumbers {
  // Finite numbers only: JSON would have written NaN or an infinity as null.
  if (typeof metadata.provider !== 'string' || typeof metadata.model !== 'string' || !isFiniteNumber(metadata.storedAt)) return false;
  if (metadata.costUsd !== null && !isFiniteNumber(metadata.costUsd)) return false;
  const { usage, wireApi, wireStream, wireApiVersion } = metadata;
  if (usage === null || typeof usage !== 'object' || Array.isArray(usage)) return false;
  let usageCount = 0;
  for (const name in usage) {
    usageCount++;
    // A field the header has no slot for would be lost.
    if (!usageFields.includes(name as (typeof usageFields)[number]) || !isFiniteNumber(usage[name])) return false;
  }
  if (usageCount !== usageFields.length) return false;
  if ((wireApi !== undefined && typeof wireApi !== 'string') || (wireStream !== undefined && typeof wireStream !== 'boolean') || (wireApiVersion !== undefined && typeof wireApiVersion !== 'string')) return false;
  let count = 0;
  for (const name in metadata) if (metadata[name] !== undefined) count++;
  return count === 5 + (wireApi === undefined ? 0 : 1) + (wireStream === undefined ? 0 : 1) + (wireApiVersion === undefined ? 0 : 1);
}

/**
 * Slots of the table of dropped fingerprints ("ghosts"): one per slot, chosen by the
 * fingerprint's low bits, a newer one replacing an older one in its slot.
 */
const ghostSlots = 65_536;

/**
 * Answers on probation whose keys were not computed (the fingerprint ruled a hit out), kept
 * as records in one buffer, oldest overwritten first, found by their fingerprint.
 *
 * Why not JavaScript objects: most of these answers are never asked for again, and each
 * waits thousands of calls before it is dropped. Kept as objects (the entry, its metadata and
 * usage, its question and headers, two buffers and a key function — some twenty objects), every
 * one survived the young generation's collections, was copied into the old generation and was
 * marked there until dropped: the garbage collector's work per miss, on the main thread and
 * its helpers, measured as most of what a 1 KB miss cost at full speed. As a record, a miss
 * leaves one number in a map behind and bytes in a buffer the collector never looks into.
 *
 * And the memory is the same memory: the buffer is allocated on the first answer, its pages
 * become resident as the records first reach them, and from then on every record is written
 * over an old one. Objects kept for thousands of calls grew the heap instead, and a page of
 * memory touched for the first time is a page fault (one every call or so at 1 KB, each tens of
 * microseconds of kernel time on a loaded VM: invisible to an instruction count).
 */
export class ProbationRing {
  private buffer: Buffer | undefined;
  /**
   * The buffer's header fields are written and read through this: `Buffer#writeDoubleLE` and
   * its kin check their arguments and copy byte by byte in JavaScript (~150 instructions a
   * field, thirteen fields a put), where the optimising compiler makes a DataView's an
   * instruction or two.
   */
  private view: DataView | undefined;
  /** Where each fingerprint's record starts. */
  private readonly index = new Map<number, number>();
  /** The next record goes here. */
  private head = 0;
  /** The oldest record in the buffer (maybe taken already) starts here. */
  private tail = 0;
  /** Whether the records run from `tail` to `wrapAt`, then from 0 to `head`. */
  private wrapped = false;
  private wrapAt = 0;
  /** Records in the buffer, taken ones included. */
  private records = 0;
  private readonly keyFunctions: unknown[] = [];
  /** The counted bytes (body and request) of the entries here. */
  private live = 0;
  /**
   * Fingerprints of entries dropped unasked to make room, lately: a request of one of them says
   * the ring was too small for the traffic (see {@link dropped}). A table of numbers, not a
   * `Set`: one entry a miss went into a Set that grew, was copied into the old generation and
   * thrown away every 16,384 misses; the table is written in place (each slot the fingerprint
   * plus one, 0 for none). A ghost lost to a newer one in its slot only means that one repeat
   * does not grow the ring; created with the first drop.
   */
  private ghosts: Uint32Array | undefined;
  /** The last record's question and its text (see {@link questionText}). */
  private lastQuestion: { target: string; format: string; owner: string; headers: { [name: string]: string }; text: string } | undefined;
  /** The last record's text when its numbers went into the header, encoded (see {@link answerText}). */
  private lastAnswer: { provider: string; model: string; wireApi: string | undefined; wireStream: boolean | undefined; wireApiVersion: string | undefined; questionText: string; bytes: Buffer } | undefined;
  /** The buffer's length: room for the records' headers and text beside `budget` bytes of entries. */
  private readonly capacity: number;

  /** @param budget The most bytes of entries (their bodies and requests, as the cache counts them) kept. */
  constructor(readonly budget: number) {
    // A 1 KB answer's record carries ~300 bytes of header and text beside its ~1.8 KB.
    this.capacity = Math.ceil(budget * 1.25) + 64 * 1024;
  }

  /** Entries on probation here. */
  get size(): number {
    return this.index.size;
  }

  /** The counted bytes of the entries here (their bodies and requests). */
  get liveBytes(): number {
    return this.live;
  }

  has(fingerprint: number): boolean {
    return this.index.has(fingerprint);
  }

  /** Whether an entry of this fingerprint was dropped lately to make room, before anyone asked for it again. */
  dropped(fingerprint: number): boolean {
    return this.ghosts !== undefined && this.ghosts[fingerprint & (ghostSlots - 1)] === (fingerprint >>> 0) + 1;
  }

  /**
   * Keeps an entry under its fingerprint, dropping the oldest entries to make room. False when
   * it is not kept: larger than the ring, or an entry of that fingerprint is there already (two
   * answers to one question, missed at once: the first stays). `keyFunction` is remembered by
   * identity (one per caller, not per entry).
   */
  put(fingerprint: number, metadata: CachedResponse['metadata'], question: CachedQuestion, body: Uint8Array, isBytes: boolean, size: number, storedAt: number, expiresAt: number, keyFunction: unknown): boolean {
    if (this.index.has(fingerprint) || size > this.budget) return false;
    const numbers = isAnswerNumbers(metadata) ? metadata : undefined;
    const questionText = this.questionText(question);
    // With its numbers in the header the record's text is the last one's while it repeats, already encoded.
    const encoded = numbers === undefined ? undefined : this.answerText(numbers, questionText);
    const text = encoded === undefined ? `{"metadata":${JSON.stringify(metadata)},${questionText}}` : undefined;
    const textBytes = encoded === undefined ? Buffer.byteLength(text!) : encoded.byteLength;
    const length = headerBytes + body.byteLength + question.request.byteLength + textBytes;
    if (length > this.capacity) return false;
    let functionIndex = this.keyFunctions.indexOf(keyFunction);
    if (functionIndex === -1) {
      if (this.keyFunctions.length >= 255) return false;
      functionIndex = this.keyFunctions.push(keyFunction) - 1;
    }
    if (this.buffer === undefined) {
      this.buffer = Buffer.allocUnsafeSlow(this.capacity);
      this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    }
    const buffer = this.buffer;
    const view = this.view!;
    const at = this.room(length);
    view.setUint32(at, length, true);
    view.setUint32(at + 4, fingerprint >>> 0, true);
    view.setFloat64(at + 8, storedAt, true);
    view.setFloat64(at + 16, expiresAt, true);
    view.setUint32(at + 24, size, true);
    view.setUint32(at + 28, body.byteLength, true);
    view.setUint32(at + 32, question.request.byteLength, true);
    view.setUint32(at + 36, textBytes, true);
    buffer[at + 40] = isBytes ? 1 : 0;
    buffer[at + 41] = functionIndex;
    buffer[at + 42] = numbers === undefined ? 0 : 1;
    if (numbers !== undefined) {
      const usage = numbers.usage;
      view.setFloat64(at + numbersAt, usage.inputTokens, true);
      view.setFloat64(at + numbersAt + 8, usage.outputTokens, true);
      view.setFloat64(at + numbersAt + 16, usage.cacheReadTokens, true);
      view.setFloat64(at + numbersAt + 24, usage.cacheWriteTokens, true);
      view.setFloat64(at + numbersAt + 32, usage.reasoningTokens, true);
      view.setFloat64(at + numbersAt + 40, numbers.costUsd ?? Number.NaN, true);
      view.setFloat64(at + numbersAt + 48, numbers.storedAt, true);
    }
    buffer.set(body, at + headerBytes);
    buffer.set(question.request, at + headerBytes + body.byteLength);
    const textAt = at + headerBytes + body.byteLength + question.request.byteLength;
    if (encoded !== undefined) buffer.set(encoded, textAt);
    else buffer.write(text!, textAt, textBytes, 'utf8');
    this.index.set(fingerprint, at);
    this.records++;
    this.live += size;
    // The oldest go past the budget (this entry, the newest, fits in it alone).
    while (this.live > this.budget) this.dropOldest();
    return true;
  }

  /** The fingerprints of the entries here. */
  fingerprints(): IterableIterator<number> {
    return this.index.keys();
  }

  /** Takes the entry of a fingerprint out (a request of that fingerprint came). */
  take(fingerprint: number): RingEntry | undefined {
    const at = this.index.get(fingerprint);
    if (at === undefined) return undefined;
    this.index.delete(fingerprint);
    const entry = this.read(at, fingerprint);
    this.live -= entry.size;
    return entry;
  }

  /** Takes every entry out, oldest first, and empties the ring. */
  takeAll(): RingEntry[] {
    const entries = [...this.index].sort(([, left], [, right]) => this.age(left) - this.age(right)).map(([fingerprint, at]) => this.read(at, fingerprint));
    this.clear();
    return entries;
  }

  /** Takes out the entries whose question asked `target`. */
  takeTarget(target: string): RingEntry[] {
    const taken: RingEntry[] = [];
    for (const [fingerprint, at] of this.index) {
      const entry = this.read(at, fingerprint);
      if (entry.entry.question.target !== target) continue;
      this.index.delete(fingerprint);
      this.live -= entry.size;
      taken.push(entry);
    }
    return taken;
  }

  /**
   * The question's part of a record's text (`"target":…,"format":…,"owner":…,"headers":{…}`),
   * the last one's reused while questions come alike: one target, format, owner and keyed
   * headers are nearly every miss's, and serialising them again was half of a record's JSON
   * text, the ring's main cost a 1 KB miss after its copy (callgrind, twelfth round).
   */
  private questionText(question: CachedQuestion): string {
    const last = this.lastQuestion;
    if (last !== undefined && last.target === question.target && last.format === question.format && last.owner === question.owner && sameHeaders(last.headers, question.headers)) return last.text;
    const text = JSON.stringify({ target: question.target, format: question.format, owner: question.owner, headers: question.headers }).slice(1, -1);
    this.lastQuestion = { target: question.target, format: question.format, owner: question.owner, headers: { ...question.headers }, text };
    return text;
  }

  /**
   * A record's text when its answer's numbers are in the header: the metadata's other fields and
   * the question, encoded once and reused while they repeat.
   */
  private answerText(numbers: AnswerNumbers, questionText: string): Buffer {
    const last = this.lastAnswer;
    if (
      last !== undefined &&
      last.questionText === questionText &&
      last.provider === numbers.provider &&
      last.model === numbers.model &&
      last.wireApi === numbers.wireApi &&
      last.wireStream === numbers.wireStream &&
      last.wireApiVersion === numbers.wireApiVersion
    ) {
      return last.bytes;
    }
    const named = { provider: numbers.provider, model: numbers.model, wireApi: numbers.wireApi, wireStream: numbers.wireStream, wireApiVersion: numbers.wireApiVersion };
    const bytes = Buffer.from(`{"metadata":${JSON.stringify(named)},${questionText}}`);
    this.lastAnswer = { ...named, questionText, bytes };
    return bytes;
  }

  /** The key function an entry was put with. */
  keyFunction(entry: RingEntry): unknown {
    return this.keyFunctions[entry.keyFunction];
  }

  clear(): void {
    this.index.clear();
    this.head = 0;
    this.tail = 0;
    this.wrapped = false;
    this.wrapAt = 0;
    this.records = 0;
    this.live = 0;
  }

  /** Where a record of `length` bytes goes: the oldest records are dropped until it fits. */
  private room(length: number): number {
    for (;;) {
      if (this.records === 0) {
        this.head = 0;
        this.tail = 0;
        this.wrapped = false;
      }
      if (!this.wrapped) {
        if (this.head + length <= this.capacity) break;
        // The rest of the buffer is too short: the data wraps to its start.
        this.wrapAt = this.head;
        this.head = 0;
        this.wrapped = true;
        continue;
      }
      if (this.head + length <= this.tail) break;
      this.dropOldest();
    }
    const at = this.head;
    this.head += length;
    return at;
  }

  private dropOldest(): void {
    const view = this.view!;
    const at = this.tail;
    const fingerprint = view.getUint32(at + 4, true);
    if (this.index.get(fingerprint) === at) {
      this.index.delete(fingerprint);
      this.live -= view.getUint32(at + 24, true);
      (this.ghosts ??= new Uint32Array(ghostSlots))[fingerprint & (ghostSlots - 1)] = fingerprint + 1;
    }
    this.tail += view.getUint32(at, true);
    this.records--;
    if (this.wrapped && this.tail >= this.wrapAt) {
      this.tail = 0;
      this.wrapped = false;
    }
  }

  /** How far a record is from the oldest, for ordering. */
  private age(at: number): number {
    return this.wrapped && at < this.tail ? at + this.capacity : at;
  }

  /** An entry's record decoded, its bytes copied out of the ring (which will write over them). */
  private read(at: number, fingerprint: number): RingEntry {
    const buffer = this.buffer!;
    const bodyLength = buffer.readUInt32LE(at + 28);
    const requestLength = buffer.readUInt32LE(at + 32);
    const textLength = buffer.readUInt32LE(at + 36);
    const isBytes = buffer[at + 40] === 1;
    const start = at + headerBytes;
    const bytes = Buffer.allocUnsafeSlow(bodyLength + requestLength);
    buffer.copy(bytes, 0, start, start + bodyLength + requestLength);
    const body = bytes.subarray(0, bodyLength);
    const text = JSON.parse(buffer.toString('utf8', start + bodyLength + requestLength, start + bodyLength + requestLength + textLength)) as RecordText;
    if (buffer[at + 42] === 1) {
      const usage: { [name: string]: number } = {};
      for (const [index, field] of usageFields.entries()) usage[field] = buffer.readDoubleLE(at + numbersAt + index * 8);
      const costUsd = buffer.readDoubleLE(at + numbersAt + 40);
      text.metadata.usage = usage;
      text.metadata.costUsd = Number.isNaN(costUsd) ? null : costUsd;
      text.metadata.storedAt = buffer.readDoubleLE(at + numbersAt + 48);
    }
    const question: CachedQuestion = { target: text.target, format: text.format, owner: text.owner, request: bytes.subarray(bodyLength), headers: text.headers, fingerprint };
    return {
      fingerprint,
      entry: { body: isBytes ? body : (JSON.parse(body.toString('utf8')) as JsonValue), metadata: text.metadata, question },
      body,
      isBytes,
      size: buffer.readUInt32LE(at + 24),
      storedAt: buffer.readDoubleLE(at + 8),
      expiresAt: buffer.readDoubleLE(at + 16),
      keyFunction: buffer[at + 41]!,
    };
  }
}

/** Whether two questions' keyed headers are the same names with the same values. */
function sameHeaders(left: { readonly [name: string]: string }, right: { readonly [name: string]: string }): boolean {
  let count = 0;
  for (const name in right) {
    if (left[name] !== right[name]) return false;
    count++;
  }
  for (const name in left) if (--count < 0 || left[name] !== right[name]) return false;
  return count === 0;
}
