import type { JsonObject } from '../core/json';

/** Where a schema's bytes sit, end exclusive (client-bytes.ts's `ByteRange`, which imports this module). */
interface SchemaRange {
  readonly start: number;
  readonly end: number;
}

/**
 * A tool's JSON Schema still held as the client's bytes: a translated Messages body is parsed
 * with its tools' schemas cut out (`parseWithClientSchemas`), because JSON.parse built their small
 * objects and keys at ~35 instructions a byte — more than half of the parse of a Claude Code
 * turn — where the Chat request only copies their bytes (docs/benchmark.md, "Seventeenth
 * round"). The bytes were checked against JSON's grammar before the cut, so the schema parses
 * when something reads it: the tool's `input_schema` (and the canonical tool's `inputSchema`) is
 * an accessor that parses it then, once.
 */
export class ClientSchema {
  private parsed: JsonObject | undefined;

  /**
   * @param source the schema this one was handed on from (the body's tool, for the canonical
   * tool's): read through it, so the two share one parsed object, as a schema handed on did.
   */
  constructor(
    readonly bytes: Buffer,
    readonly range: SchemaRange,
    private readonly source?: ClientSchema,
  ) {}

  /** The schema, parsed at the first read. */
  get value(): JsonObject {
    return (this.parsed ??= this.source?.value ?? (JSON.parse(this.bytes.toString('utf8', this.range.start, this.range.end)) as JsonObject));
  }

  /** Replaces the schema for this holder only (the body's tool, or the canonical tool). */
  set value(schema: JsonObject) {
    this.parsed = schema;
  }

  /**
   * The schema's bytes when they are in `bytes` and nothing has read the schema yet: a reader
   * may have changed the object it got, and then the bytes are no longer the schema.
   */
  unreadRange(bytes: Buffer): SchemaRange | undefined {
    return this.parsed === undefined && (this.source === undefined || this.source.parsed === undefined) && bytes === this.bytes ? this.range : undefined;
  }
}

/** The schema behind a tool object's accessor: the body's tool or the canonical tool. */
const schemas = new WeakMap<object, ClientSchema>();

/** The client's schema behind `holder`'s schema accessor, when it has one. */
export function clientSchemaOf(holder: object): ClientSchema | undefined {
  return schemas.get(holder);
}

/**
 * The accessor every holder shares: one pair of functions, so that V8 gives every tool made the
 * same way one hidden class. An accessor declared in an object literal is a new pair of closures
 * each time, and a new hidden class for each tool: making 24 tools so cost ~15 µs and the code
 * reading them afterwards ran megamorphic (~30 µs more in the decode, docs/benchmark.md,
 * "Seventeenth round"); `Object.defineProperty` with this pair on a fresh object costs ~0.3 µs a
 * tool. (On a parsed object that already holds the key it cost 6,000–8,000 instructions,
 * xreq14: the property changes kind in place.)
 */
const schemaAccessor: PropertyDescriptor = {
  get(this: object): JsonObject {
    return schemas.get(this)!.value;
  },
  set(this: object, value: JsonObject) {
    schemas.get(this)!.value = value;
  },
  enumerable: true,
  configurable: true,
};

/**
 * Adds `key` to `holder` as an accessor of `schema`: the holder's next property, so a caller
 * building a tool key by key keeps the key order it copies.
 */
export function defineClientSchema(holder: object, key: string, schema: ClientSchema): void {
  schemas.set(holder, schema);
  Object.defineProperty(holder, key, schemaAccessor);
}
