import { randomBytes } from 'node:crypto';
import type { ByteRange, ClientBytes } from './client-bytes';
import type { ClientSchema } from './client-schema';

/**
 * A marker no client string holds: a NUL (JSON.stringify writes it as `\u0000`) and a random
 * tag drawn once per process. The serialiser counts the markers it finds, so a client string
 * that held one anyway is noticed and the body serialised without splices.
 */
const tag = `\u0000sy${randomBytes(6).toString('hex')}:`;
/** The marker as JSON.stringify writes it inside a string. */
const writtenTag = JSON.stringify(tag).slice(1, -1);

type Splice =
  /** A string: the client's bytes go between the quotes JSON.stringify wrote. */
  | { kind: 'string'; value: string; range: ByteRange }
  /** Strings joined by a separator, each the client's bytes where the body held it. */
  | { kind: 'joined'; value: string; pieces: readonly string[]; separator: string }
  /** An object or array: the client's bytes replace the marker and its quotes. */
  | { kind: 'value'; value: unknown; range: ByteRange }
  /** A tool's schema never parsed: its bytes replace the marker and its quotes. */
  | { kind: 'schema'; schema: ClientSchema; range: ByteRange };

/**
 * A request body for a provider written with the client's bytes where a string or a value is
 * the client's own: most of a large translated request is message text, tool descriptions and
 * schemas that map one to one, and JSON.stringify of them cost more than the rest of the
 * translation (80 KB Claude Code body: ~100 µs of a ~115 µs encode, hot). An encoder builds its
 * body as before, passing such values through `string`, `joined` and `value`; those hand back
 * a marker when the client's bytes hold the value, and `serialize` writes the skeleton with
 * JSON.stringify and copies the client's bytes in at each marker, into one Buffer (which undici
 * sends as it is; a string it would encode again).
 *
 * Without client bytes (a call Switchyard makes itself) every method hands the value back and
 * `serialize` is JSON.stringify.
 */
export class SplicedJson {
  private readonly splices: Splice[] = [];

  constructor(private readonly source: ClientBytes | undefined) {}

  /** `value`, or a marker for it when the client's bytes hold it. */
  string(value: string): string {
    const range = this.source?.stringRange(value);
    return range === undefined ? value : this.mark({ kind: 'string', value, range });
  }

  /** `pieces.join(separator)`, or a marker for it when the client's bytes hold at least one piece. */
  joined(pieces: readonly string[], separator: string): string {
    const value = pieces.join(separator);
    const source = this.source;
    if (source === undefined || !pieces.some((piece) => source.stringRange(piece) !== undefined)) return value;
    return this.mark({ kind: 'joined', value, pieces, separator });
  }

  /**
   * `value`, or a marker that stands for it in the body until `serialize` when the client's
   * bytes hold it. Only for an object JSON.parse made of the client's body and nothing changed.
   */
  value<T extends object>(value: T): T {
    const range = this.source?.valueRange(value);
    // The marker is a string where the body's type says T; it never leaves this module's serialiser.
    return range === undefined ? value : (this.mark({ kind: 'value', value, range }) as unknown as T);
  }

  /**
   * A marker for a tool's schema still held as the client's bytes (`schema`, behind `holder`'s
   * accessor) when those bytes are the source's and nothing has read the schema; else the schema,
   * read (parsed) now, through `value`.
   */
  schema<T extends object>(schema: ClientSchema | undefined, read: () => T): T {
    const range = schema === undefined || this.source === undefined ? undefined : schema.unreadRange(this.source.bytes);
    // The marker is a string where the body's type says T; it never leaves this module's serialiser.
    return range === undefined ? this.value(read()) : (this.mark({ kind: 'schema', schema: schema!, range }) as unknown as T);
  }

  /** The body's JSON: a Buffer when anything was spliced, else JSON.stringify's string. */
  serialize(body: unknown): string | Buffer {
    if (this.splices.length === 0) return JSON.stringify(body);
    const text = JSON.stringify(body);
    const segments = this.cut(text);
    if (segments === undefined) return JSON.stringify(body, (_key, value: unknown) => this.restore(value));
    return this.write(segments);
  }

  private mark(splice: Splice): string {
    this.splices.push(splice);
    return `${tag}${this.splices.length - 1}`;
  }

  private restore(value: unknown): unknown {
    if (typeof value !== 'string' || !value.startsWith(tag)) return value;
    const splice = this.splices[Number(value.slice(tag.length))];
    if (splice === undefined) return value;
    return splice.kind === 'schema' ? splice.schema.value : splice.value;
  }

  /**
   * The body as segments: JSON text of the skeleton between the markers, and at each marker the
   * client's bytes (a range) or, for a joined piece the body did not hold, its JSON text.
   * Undefined when the markers found are not each splice once (a client string held the tag).
   */
  private cut(text: string): Segment[] | undefined {
    const segments: Segment[] = [];
    const seen = new Uint8Array(this.splices.length);
    let found = 0;
    let from = 0;
    let at = text.indexOf(writtenTag);
    while (at !== -1) {
      const close = text.indexOf('"', at);
      if (close === -1) return undefined;
      const number = Number(text.slice(at + writtenTag.length, close));
      const splice = this.splices[number];
      if (splice === undefined || seen[number] === 1) return undefined;
      seen[number] = 1;
      found++;
      // A string's marker fills its quotes; a value's replaces them too.
      const quoted = splice.kind === 'value' || splice.kind === 'schema';
      segments.push(text.slice(from, quoted ? at - 1 : at));
      if (splice.kind === 'joined') this.cutJoined(splice.pieces, splice.separator, segments);
      else segments.push(splice.range);
      from = quoted ? close + 1 : close;
      at = text.indexOf(writtenTag, close);
    }
    segments.push(text.slice(from));
    return found === this.splices.length ? segments : undefined;
  }

  private cutJoined(pieces: readonly string[], separator: string, segments: Segment[]): void {
    const between = escaped(separator);
    pieces.forEach((piece, index) => {
      if (index > 0) segments.push(between);
      segments.push(this.source!.stringRange(piece) ?? escaped(piece));
    });
  }

  /** The segments in one Buffer: the text encoded as UTF-8, the ranges copied from the client's bytes. */
  private write(segments: readonly Segment[]): Buffer {
    const bytes = this.source!.bytes;
    let size = 0;
    for (const segment of segments) size += typeof segment === 'string' ? Buffer.byteLength(segment) : segment.end - segment.start;
    const body = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const segment of segments) {
      offset += typeof segment === 'string' ? body.write(segment, offset) : bytes.copy(body, offset, segment.start, segment.end);
    }
    return body;
  }
}

/** A piece of the body: JSON text, or a range of the client's bytes. */
type Segment = string | ByteRange;

/** A string's JSON text without its quotes. */
function escaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}
