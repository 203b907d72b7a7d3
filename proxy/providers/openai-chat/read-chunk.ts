import { backslash, closeBrace, closeBracket, colon, comma, openBrace, openBracket, quote } from '../../wire/json-bytes';
import type { ChatChunk, ChatMessageFields } from '../../wire/openai-chat/types';

/**
 * A `chat.completion.chunk` as {@link readChatChunk} reads it: the fields the stream decoder
 * uses, each as `JSON.parse` would have given it (`undefined` where the chunk has no such key).
 */
export interface ReadChatChunk extends ChatChunk {
  id: string | null | undefined;
  model: string | null | undefined;
  created: number | null | undefined;
  choices: ReadChoice[] | null | undefined;
  usage: ChatChunk['usage'];
  x_groq: ChatChunk['x_groq'];
}

/**
 * Reads a Chat Completions stream chunk from its text without `JSON.parse` of the whole chunk:
 * the decoder parsed every chunk whole (~16,500 instructions for a 330-byte chunk, 19 % of a
 * translated 1 KB stream's main thread) to read its id, model, one choice's index, a delta of a
 * few strings and the finish reason (docs/benchmark.md, "Fifteenth round").
 *
 * It takes a chunk of one choice whose delta's values are strings or null — the shape every
 * OpenAI-compatible provider sends for text and reasoning — in any key order, with or without
 * white space; it reads every escape exactly. A `usage` or `x_groq` object, and a delta value
 * that is not a string (tool calls), are cut out and parsed alone. Every other key's value is
 * checked as JSON and skipped. Anything else — an `error`, several choices, a key written with
 * an escape, a value of an unexpected type, text that is not JSON — returns `undefined`, and the
 * caller parses the chunk whole as before: what this returns is always what `JSON.parse` gives
 * for the same fields (test/unit/openai-chat/read-chunk.test.ts checks it chunk by chunk).
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
export function readChatChunk(text: string): ReadChatChunk | undefined {
  return readWhole(new ChunkText(text));
}

/** A choice as read: its three fields always there, `undefined` where the chunk has no such key. */
export interface ReadChoice {
  index: number | null | undefined;
  delta: ChatMessageFields | null | undefined;
  finish_reason: string | null | undefined;
}

/**
 * The text around the last chunk's delta, to read the next chunk by: a provider repeats the
 * same id, model, created and choice around every delta, so a chunk that starts and ends with
 * the same text as the last one differs from it in its delta alone, and only the delta is read.
 */
interface ChunkFrame {
  /** The text before the delta's value (up to `"delta":`). */
  prefix: string;
  /** The text after the delta's value. */
  suffix: string;
  chunk: ReadChatChunk;
  choice: ReadChoice;
}

/**
 * Reads one stream's chunks with {@link readChatChunk}, and each chunk whose text around its
 * delta is the last read chunk's by its delta alone (two comparisons of that text and a read of
 * the few bytes between). The same text parses to the same values, and a delta is one JSON value
 * in the same place, so what it returns is still what `JSON.parse` gives for the same fields.
 *
 * The stream's first chunk is left to `JSON.parse`, the cheaper of the two for one chunk (16,700
 * instructions against the reader's ~26,000): it holds the translated stream's first event. So
 * is a chunk whose text around its delta differs from the last read one's (the finish chunk, the
 * usage chunk, xAI's chunks with their usage in every one); the next one after it is read whole
 * and gives the frame again. After two whole reads that gave none, the stream is left to
 * JSON.parse.
 */
export class ChatChunkReader {
  private frame: ChunkFrame | undefined;
  private chunks = 0;
  /** Whole reads that gave no frame; after two the stream's chunks are left to JSON.parse. */
  private framesMissed = 0;

  read(text: string): ReadChatChunk | undefined {
    const frame = this.frame;
    this.chunks++;
    if (frame !== undefined) {
      const deltaEnd = text.length - frame.suffix.length;
      // Compared as slices: String#startsWith walks its argument a character at a time (2,300
      // instructions for a 230-character prefix against 650 for a slice and ===).
      if (deltaEnd > frame.prefix.length && text.slice(0, frame.prefix.length) === frame.prefix && text.slice(deltaEnd) === frame.suffix) {
        const cursor = new ChunkText(text, frame.prefix.length);
        const delta = readDelta(cursor, deltaEnd);
        if (delta !== notRead) {
          const { chunk, choice } = frame;
          return {
            id: chunk.id,
            model: chunk.model,
            created: chunk.created,
            choices: [{ index: choice.index, delta, finish_reason: choice.finish_reason }],
            usage: chunk.usage,
            x_groq: chunk.x_groq,
          };
        }
      }
      this.frame = undefined;
      return undefined;
    }
    // A stream whose chunks give no frame (xAI's carry their usage in every one) would pay a read
    // in JavaScript, dearer than JSON.parse, on every chunk.
    if (this.chunks === 1 || this.framesMissed >= 2) return undefined;
    const cursor = new ChunkText(text);
    const chunk = readWhole(cursor);
    if (chunk !== undefined) this.frame = cursor.frame(chunk);
    if (this.frame === undefined) this.framesMissed++;
    return chunk;
  }
}

function readWhole(cursor: ChunkText): ReadChatChunk | undefined {
  try {
    return cursor.chunk();
  } catch (error) {
    if (error === notRead) return undefined;
    throw error;
  }
}

/** The delta at the cursor, ending exactly at `end`. */
function readDelta(cursor: ChunkText, end: number): ChatMessageFields | null | typeof notRead {
  try {
    return cursor.deltaEndingAt(end);
  } catch (error) {
    if (error === notRead) return notRead;
    throw error;
  }
}

/** Thrown (never an Error: no stack to capture) where the text leaves the shape read here. */
const notRead: unique symbol = Symbol('not a common chunk');

const minus = 0x2d;
const zero = 0x30;
const nine = 0x39;

/** A cursor over one chunk's text. */
class ChunkText {
  /** The choice whose delta was read last, and where that delta's value stands. */
  private deltaChoice: ReadChoice | undefined;
  private deltaStart = 0;
  private deltaEnd = 0;
  /** Where the last key read stands (its text, without the quotes). */
  private keyStart = 0;
  private keyEnd = 0;

  constructor(
    private readonly text: string,
    private position = 0,
  ) {}

  /**
   * The frame to read the next chunk by, when this one has one choice whose delta was read here
   * and nothing parsed alone around it (a usage or x_groq object: usage changes from chunk to chunk).
   */
  frame(chunk: ReadChatChunk): ChunkFrame | undefined {
    const choice = chunk.choices?.[0];
    if (choice === undefined || choice !== this.deltaChoice || chunk.choices!.length !== 1) return undefined;
    if ((chunk.usage !== undefined && chunk.usage !== null) || (chunk.x_groq !== undefined && chunk.x_groq !== null)) return undefined;
    return { prefix: this.text.slice(0, this.deltaStart), suffix: this.text.slice(this.deltaEnd), chunk, choice };
  }

  deltaEndingAt(end: number): ChatMessageFields | null {
    const delta = this.delta();
    if (this.position !== end) throw notRead;
    return delta;
  }

  chunk(): ReadChatChunk {
    const chunk: ReadChatChunk = { id: undefined, model: undefined, created: undefined, choices: undefined, usage: undefined, x_groq: undefined };
    this.expect(openBrace);
    if (this.peekAfterSpace() === closeBrace) {
      this.position++;
    } else {
      do {
        this.key();
        if (this.keyIs('id')) chunk.id = this.stringOrNull();
        else if (this.keyIs('model')) chunk.model = this.stringOrNull();
        else if (this.keyIs('created')) chunk.created = this.numberOrNull();
        else if (this.keyIs('choices')) chunk.choices = this.choices();
        else if (this.keyIs('usage')) chunk.usage = this.objectOrNull() as ChatChunk['usage'];
        else if (this.keyIs('x_groq')) chunk.x_groq = this.objectOrNull() as ChatChunk['x_groq'];
        // An error chunk (OpenRouter's mid-stream error) is the decoder's to read whole.
        else if (this.keyIs('error')) throw notRead;
        else this.skipValue(0);
      } while (this.separator(closeBrace));
    }
    if (this.peekAfterSpace() !== -1) throw notRead;
    return chunk;
  }

  /** `choices`: null, or a list of exactly one choice (with `n` > 1 the decoder picks one). */
  private choices(): ReadChatChunk['choices'] {
    const first = this.peekAfterSpace();
    if (first === 0x6e) return this.literal('null', null);
    if (first !== openBracket) throw notRead;
    this.position++;
    if (this.peekAfterSpace() === closeBracket) {
      this.position++;
      return [];
    }
    const choice = this.choice();
    if (this.peekAfterSpace() !== closeBracket) throw notRead;
    this.position++;
    return [choice];
  }

  private choice(): ReadChoice {
    const choice: ReadChoice = { index: undefined, delta: undefined, finish_reason: undefined };
    this.expect(openBrace);
    if (this.peekAfterSpace() === closeBrace) {
      this.position++;
      return choice;
    }
    do {
      this.key();
      if (this.keyIs('index')) {
        choice.index = this.numberOrNull();
      } else if (this.keyIs('delta')) {
        this.peekAfterSpace();
        const start = this.position;
        choice.delta = this.delta();
        this.deltaChoice = choice;
        this.deltaStart = start;
        this.deltaEnd = this.position;
      } else if (this.keyIs('finish_reason')) {
        choice.finish_reason = this.stringOrNull();
      } else {
        this.skipValue(0);
      }
    } while (this.separator(closeBrace));
    return choice;
  }

  /**
   * A delta: strings and nulls read here; any other value (tool calls) parsed alone. The fields
   * the decoder reads are set by name, which keeps V8's stores to them monomorphic.
   */
  delta(): ChatMessageFields | null {
    const first = this.peekAfterSpace();
    if (first === 0x6e) return this.literal('null', null);
    if (first !== openBrace) throw notRead;
    this.position++;
    const delta: ChatMessageFields & Record<string, unknown> = {};
    if (this.peekAfterSpace() === closeBrace) {
      this.position++;
      return delta;
    }
    do {
      this.key();
      // Which field, before the value is read: a value read as JSON (tool calls) reads keys of its own.
      let field = deltaFields.length - 1;
      while (field >= 0 && !this.keyIs(deltaFields[field]!)) field--;
      const other = field < 0 ? this.keyText() : '';
      // JSON.parse makes `__proto__` an own key; an assignment would set the prototype.
      if (other === '__proto__') throw notRead;
      const next = this.peekAfterSpace();
      // Together sends each token's id as a number beside its text.
      const value = next === quote ? this.string() : next === 0x6e ? this.literal('null', null) : next === minus || (next >= zero && next <= nine) ? this.numberOrNull() : this.parsedValue();
      switch (field) {
        case 0:
          delta.content = value as string | null;
          break;
        case 1:
          delta.role = value;
          break;
        case 2:
          delta.reasoning_content = value as string | null;
          break;
        case 3:
          delta.reasoning = value as string | null;
          break;
        case 4:
          delta.refusal = value as string | null;
          break;
        case 5:
          delta.tool_calls = value as ChatMessageFields['tool_calls'];
          break;
        default:
          delta[other] = value;
      }
    } while (this.separator(closeBrace));
    return delta;
  }

  /** Reads a key and its colon; {@link keyIs} and {@link keyText} tell which it was. */
  private key(): void {
    if (this.peekAfterSpace() !== quote) throw notRead;
    const text = this.text;
    const start = ++this.position;
    const length = text.length;
    let index = start;
    for (;;) {
      if (index >= length) throw notRead;
      const code = text.charCodeAt(index);
      if (code === quote) break;
      // An escape or a control character.
      if (code === backslash || code < 0x20) throw notRead;
      index++;
    }
    this.keyStart = start;
    this.keyEnd = index;
    this.position = index + 1;
    this.expect(colon);
  }

  /** The last key is `name` (compared in place: a key's slice and a switch over strings cost more). */
  private keyIs(name: string): boolean {
    return this.keyEnd - this.keyStart === name.length && this.text.startsWith(name, this.keyStart);
  }

  private keyText(): string {
    return this.text.slice(this.keyStart, this.keyEnd);
  }

  private stringOrNull(): string | null {
    const first = this.peekAfterSpace();
    if (first === quote) return this.string();
    if (first === 0x6e) return this.literal('null', null);
    throw notRead;
  }

  /** A string value at the cursor (after its white space), its escapes read as JSON.parse reads them. */
  private string(): string {
    const text = this.text;
    const length = text.length;
    const start = ++this.position;
    let index = start;
    for (;;) {
      if (index >= length) throw notRead;
      const code = text.charCodeAt(index);
      if (code === quote) {
        this.position = index + 1;
        return text.slice(start, index);
      }
      if (code === backslash) return this.escapedString(start, index);
      if (code < 0x20) throw notRead;
      index++;
    }
  }

  /** The rest of a string from its first escape at `index`. */
  private escapedString(start: number, index: number): string {
    const text = this.text;
    const length = text.length;
    let value = text.slice(start, index);
    let runStart = index;
    for (;;) {
      if (index >= length) throw notRead;
      const code = text.charCodeAt(index);
      if (code === quote) {
        this.position = index + 1;
        return value + text.slice(runStart, index);
      }
      if (code === backslash) {
        value += text.slice(runStart, index);
        if (index + 1 >= length) throw notRead;
        const escape = text.charCodeAt(index + 1);
        const simple = simpleEscapes[escape];
        if (simple !== undefined) {
          value += simple;
          index += 2;
        } else if (escape === 0x75) {
          const unit = hexUnit(text, index + 2);
          if (unit < 0) throw notRead;
          value += String.fromCharCode(unit);
          index += 6;
        } else {
          throw notRead;
        }
        runStart = index;
        continue;
      }
      if (code < 0x20) throw notRead;
      index++;
    }
  }

  private numberOrNull(): number | null {
    const first = this.peekAfterSpace();
    if (first === 0x6e) return this.literal('null', null);
    const start = this.position;
    this.skipNumber();
    const end = this.position;
    // Up to 15 digits an integer is exact as summed; anything else is converted as JSON.parse does.
    if (end - start <= 15) {
      let value = 0;
      let index = first === minus ? start + 1 : start;
      for (; index < end; index++) {
        const digit = this.text.charCodeAt(index) - zero;
        if (digit < 0 || digit > 9) return Number(this.text.slice(start, end));
        value = value * 10 + digit;
      }
      return first === minus ? -value : value;
    }
    return Number(this.text.slice(start, end));
  }

  /** An object (usage, x_groq) cut out and parsed alone, or null. */
  private objectOrNull(): unknown {
    const first = this.peekAfterSpace();
    if (first === 0x6e) return this.literal('null', null);
    if (first !== openBrace) throw notRead;
    return this.parsedValue();
  }

  /** Any JSON value at the cursor, checked and skipped, then parsed alone. */
  private parsedValue(): unknown {
    const start = this.position;
    this.skipValue(0);
    return JSON.parse(this.text.slice(start, this.position));
  }

  /** Checks and skips any JSON value, as strictly as JSON.parse reads it. */
  private skipValue(depth: number): void {
    // Deeper than any chunk nests; the recursion stays bounded.
    if (depth > 64) throw notRead;
    const first = this.peekAfterSpace();
    switch (first) {
      case quote:
        this.string();
        return;
      case openBrace:
        this.position++;
        if (this.peekAfterSpace() === closeBrace) {
          this.position++;
          return;
        }
        do {
          this.key();
          this.skipValue(depth + 1);
        } while (this.separator(closeBrace));
        return;
      case openBracket:
        this.position++;
        if (this.peekAfterSpace() === closeBracket) {
          this.position++;
          return;
        }
        do this.skipValue(depth + 1);
        while (this.separator(closeBracket));
        return;
      case 0x6e:
        this.literal('null', null);
        return;
      case 0x74:
        this.literal('true', true);
        return;
      case 0x66:
        this.literal('false', false);
        return;
      default:
        this.skipNumber();
    }
  }

  /** `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at the cursor. */
  private skipNumber(): void {
    const text = this.text;
    let index = this.position;
    if (index < text.length && text.charCodeAt(index) === minus) index++;
    if (index >= text.length) throw notRead;
    const leading = text.charCodeAt(index);
    if (leading === zero) index++;
    else if (leading > zero && leading <= nine) index = digitsEnd(text, index + 1);
    else throw notRead;
    if (index < text.length && text.charCodeAt(index) === 0x2e) {
      const fraction = digitsEnd(text, index + 1);
      if (fraction === index + 1) throw notRead;
      index = fraction;
    }
    const exponent = index < text.length ? text.charCodeAt(index) : 0;
    if (exponent === 0x65 || exponent === 0x45) {
      index++;
      const sign = index < text.length ? text.charCodeAt(index) : 0;
      if (sign === 0x2b || sign === minus) index++;
      const digits = digitsEnd(text, index);
      if (digits === index) throw notRead;
      index = digits;
    }
    this.position = index;
  }

  private literal<Value>(word: string, value: Value): Value {
    if (!this.text.startsWith(word, this.position)) throw notRead;
    this.position += word.length;
    return value;
  }

  /** After a member: true at a comma (another follows), false at `close` (consumed). */
  private separator(close: number): boolean {
    const next = this.peekAfterSpace();
    this.position++;
    if (next === comma) return true;
    if (next === close) return false;
    throw notRead;
  }

  private expect(code: number): void {
    if (this.peekAfterSpace() !== code) throw notRead;
    this.position++;
  }

  /** The next character's code after JSON's white space (the cursor left on it); -1 at the end. */
  private peekAfterSpace(): number {
    const text = this.text;
    const length = text.length;
    let index = this.position;
    while (index < length) {
      const code = text.charCodeAt(index);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) {
        this.position = index;
        return code;
      }
      index++;
    }
    this.position = index;
    return -1;
  }
}

function digitsEnd(text: string, index: number): number {
  const length = text.length;
  while (index < length) {
    const code = text.charCodeAt(index);
    if (code < zero || code > nine) break;
    index++;
  }
  return index;
}

/** The code unit of `\uXXXX`'s four hex digits at `index`, or -1. */
function hexUnit(text: string, index: number): number {
  if (index + 4 > text.length) return -1;
  let unit = 0;
  for (let offset = 0; offset < 4; offset++) {
    const code = text.charCodeAt(index + offset);
    let digit: number;
    if (code >= zero && code <= nine) digit = code - zero;
    else if (code >= 0x61 && code <= 0x66) digit = code - 0x57;
    else if (code >= 0x41 && code <= 0x46) digit = code - 0x37;
    else return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

/** The delta's fields set by name (in {@link ChunkText.delta}'s switch, in this order). */
const deltaFields = ['content', 'role', 'reasoning_content', 'reasoning', 'refusal', 'tool_calls'] as const;

/** JSON's one-character escapes, by the code of the character after the backslash. */
const simpleEscapes: Array<string | undefined> = [];
simpleEscapes[quote] = '"';
simpleEscapes[backslash] = '\\';
simpleEscapes[0x2f] = '/';
simpleEscapes[0x62] = '\b';
simpleEscapes[0x66] = '\f';
simpleEscapes[0x6e] = '\n';
simpleEscapes[0x72] = '\r';
simpleEscapes[0x74] = '\t';
