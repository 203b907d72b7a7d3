import { detectorNames, type DetectorName } from './scanner';
import { secretRules, type SecretRule } from './secret-rules';

/**
 * A first look at a request's raw JSON bytes that says whether the detectors could find anything
 * in it, so that a call with nothing to find is neither parsed nor walked nor scanned: on the
 * passthrough path, redaction on then costs one pass over the bytes (docs/decisions.md, Privacy,
 * third pass).
 *
 * It may say "maybe" for a body holding nothing (the full scan then decides), never "no" for a
 * body where a detector would find something. Every test below is a condition each match of a
 * detector meets, checked on the raw bytes instead of the decoded strings. That holds because a
 * JSON string writes every character of a match as itself, except `"`, `\`, `/` and control
 * characters (two-byte escapes, which no literal below holds but `://`, looked for as `:\/\/`
 * too) and any character written `\uXXXX`: an escape of an ASCII character ends the look at once
 * ("maybe"); one of a non-ASCII character is taken for a blank where blanks count. Matches never
 * cross from one string of the body into the next (redact-body.ts joins them with a NUL between).
 * Bytes outside strings (keys, numbers, the JSON's own punctuation) can only add candidates.
 *
 * - secrets: the literal every rule's match carries (its triggers, as the scanner uses them);
 *   for rules anchored on a common word (`token`, `auth`), the word must be followed by an
 *   assignment (more of the name, a quote, blanks, `=` or `:`) whose operator has a rule's
 *   neighbours (a quote after it, a `…key` or a `.env` name before it: `operatorOfAssignment`),
 *   and `://` by an `@` before the next blank, quote or `/`.
 * - email: an `@` between a character of an address's local part and a letter or digit.
 * - phone, credit-card: a run of digits and `+ ( ) . -` or single blanks with at least 8 digits
 *   and a separator (phone), or 13 digits (cards).
 * - iban: a run of capitals and digits (single blanks allowed) of 15 or more with 2 digits.
 * - ip-address: a run of digits and dots with 3 dots and 4 digits (IPv4), or of hex digits and
 *   colons with `::` or 7 colons and a digit (IPv6), looked at from a colon with hex digits or
 *   colons on both sides, which every such address has.
 *
 * Custom patterns are arbitrary regular expressions: a setting with any gets no prefilter.
 */
export class RawPrefilter {
  /**
   * The detectors on, as bits (`secretsOn`, …): V8 tests a number field with one comparison
   * where a boolean field costs it a generic truth test on every look.
   */
  private readonly on: number;
  /** Digits a run needs: 8 with phones on, 13 with cards only, 0 for neither. */
  private readonly phoneDigits: number;
  private readonly cardDigits: number;

  constructor(detectors: readonly DetectorName[]) {
    prepare();
    this.phoneDigits = detectors.includes('phone') ? 8 : 0;
    this.cardDigits = detectors.includes('credit-card') ? 13 : 0;
    const ipAddresses = detectors.includes('ip-address');
    this.on =
      (detectors.includes('secrets') ? secretsOn : 0) |
      (detectors.includes('email') ? emailsOn : 0) |
      (detectors.includes('iban') ? ibansOn : 0) |
      (ipAddresses ? ipAddressesOn : 0) |
      (this.phoneDigits !== 0 || this.cardDigits !== 0 || ipAddresses ? numberRunsOn : 0);
  }

  /** Whether a detector could find something in `raw`, a JSON body; false means certainly not. */
  mayFind(raw: Uint8Array): boolean {
    return this.scan(raw, wordsOf(raw), 0, raw.length, { numbers: 0, hex: 0 });
  }

  /**
   * {@link mayFind} a slice at a time with the event loop free in between, for a body of several
   * MB. The runs a slice starts are followed past its end. `sliceBytes` (a multiple of 4) is
   * for tests, which put values across many slices' edges without scanning megabytes each time.
   */
  async mayFindYielding(raw: Uint8Array, sliceBytes = prefilterSliceBytes): Promise<boolean> {
    // Its own copy when one is needed: other calls are scanned while this one waits.
    const words = wordsOf(raw, false);
    const seen: Seen = { numbers: 0, hex: 0 };
    for (let from = 0; from < raw.length; from += sliceBytes) {
      if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.scan(raw, words, from, Math.min(from + sliceBytes, raw.length), seen)) return true;
    }
    return false;
  }

  /**
   * Looks at the positions in `[from, to)` (`from` a multiple of 4); `seen` says how far runs
   * were followed. Four bytes at a time: the two pairs they hold, each looked up in one table
   * (`pairFlags`) that says what could start around the pair — an `@`, a `:` of `://` or of an
   * IPv6 address, digits and separators (a number run when the whole word is), an IBAN's check
   * digits, or the rare pair a trigger literal was given at that offset. Most words of prose
   * and code flag nothing and cost a load and two look-ups; the rest are looked at where their
   * flags say. Code's `i = 0`, `x: T` and `f(x, 64)` flag nothing (docs/decisions.md, Privacy,
   * ninth pass).
   */
  private scan(raw: Uint8Array, words: Uint32Array, from: number, to: number, seen: Seen): boolean {
    const flags = pairFlags;
    // Read before the loops: a property read after them had no feedback when V8 compiled the
    // loops on stack (OSR) during the first call, and deoptimised the function at every call's end.
    const length = raw.length;
    const lastWord = Math.min(to, words.length * 4) >>> 2;
    let word = from >>> 2;
    for (;;) {
      // Four words a step while none flags anything, with no call in the loop: V8 then checks
      // the arrays once a step instead of once a word, and most steps of prose end here. A
      // word's flags are its two pairs' (the high pair's shifted up), kept for the look below
      // so that a step that flags something is not read twice (code flags most steps).
      let first = 0;
      let second = 0;
      let third = 0;
      let fourth = 0;
      for (; word + 3 < lastWord; word += 4) {
        const one = words[word]!;
        const two = words[word + 1]!;
        const three = words[word + 2]!;
        const four = words[word + 3]!;
        first = flags[one & 0xffff]! | (flags[one >>> 16]! << 16);
        second = flags[two & 0xffff]! | (flags[two >>> 16]! << 16);
        third = flags[three & 0xffff]! | (flags[three >>> 16]! << 16);
        fourth = flags[four & 0xffff]! | (flags[four >>> 16]! << 16);
        if (((first | second | third | fourth) & candidateBits) !== 0) break;
      }
      if (((first | second | third | fourth) & candidateBits) === 0) break;
      const at = word * 4;
      if ((first & candidateBits) !== 0 && this.flaggedWord(raw, at, first, seen)) return true;
      if ((second & candidateBits) !== 0 && this.flaggedWord(raw, at + 4, second, seen)) return true;
      if ((third & candidateBits) !== 0 && this.flaggedWord(raw, at + 8, third, seen)) return true;
      if ((fourth & candidateBits) !== 0 && this.flaggedWord(raw, at + 12, fourth, seen)) return true;
      word += 4;
    }
    // The last 0–3 whole words.
    for (; word < lastWord; word += 1) {
      const value = words[word]!;
      const wordFlags = flags[value & 0xffff]! | (flags[value >>> 16]! << 16);
      if ((wordFlags & candidateBits) !== 0 && this.flaggedWord(raw, word * 4, wordFlags, seen)) return true;
    }
    if (to < length) return false;
    // The 0–3 bytes past the last whole word, each as a pair's first byte with every flag it could have.
    // No number run needs them: every run a match could be in holds a whole word (see `digitRun`).
    for (let index = lastWord * 4; index < length; index += 1) {
      if (this.flagged(raw, index, atFlag | colonFlag | urlSlashes | escapeFlag | offsetBits, seen)) return true;
    }
    return false;
  }

  /** Looks at what a word's flags say about its two pairs, the word starting at `at`. */
  private flaggedWord(raw: Uint8Array, at: number, wordFlags: number, seen: Seen): boolean {
    // An IBAN's check digits at a pair of two digits; a number run through a word of four digits and separators.
    if ((wordFlags & ibanFirst) !== 0 && this.ibanAt(raw, at)) return true;
    if ((wordFlags & (ibanFirst << 16)) !== 0 && this.ibanAt(raw, at + 2)) return true;
    if ((wordFlags & numberRunWord) === numberRunWord && (wordFlags & (digitRun | (digitRun << 16))) !== 0 && this.numberRunAround(raw, at, seen)) return true;
    const low = wordFlags & pairBits;
    const high = (wordFlags >>> 16) & pairBits;
    return (low !== 0 && this.flagged(raw, at, low, seen)) || (high !== 0 && this.flagged(raw, at + 2, high, seen));
  }

  /** Looks at what `flags` say about the pair at `at` (see `pairFlags`). */
  private flagged(raw: Uint8Array, at: number, flags: number, seen: Seen): boolean {
    // The flags say which byte of the pair to look at; each look checks its byte itself.
    if ((flags & colonFlag) !== 0 && (this.colonAt(raw, at, seen) || this.colonAt(raw, at + 1, seen))) return true;
    // `//` or `\/` after a colon: `://` with its colon at an odd position.
    if ((flags & urlSlashes) !== 0 && at > 0 && raw[at - 1] === colon && this.colonAt(raw, at - 1, seen)) return true;
    if ((flags & ibanSecond) !== 0 && this.ibanAt(raw, at + 1)) return true;
    if ((flags & atFlag) !== 0 && (this.emailAt(raw, at) || this.emailAt(raw, at + 1))) return true;
    if ((flags & escapeFlag) !== 0 && (escapedAsciiAt(raw, at) || escapedAsciiAt(raw, at - 1))) return true;
    // A trigger literal starting `offset` bytes before the pair.
    for (let offsets = flags & offsetBits; offsets !== 0; offsets &= offsets - 1) {
      const offset = 31 - Math.clz32(offsets & -offsets);
      if (at >= offset && this.triggerAt(raw, at - offset)) return true;
    }
    return false;
  }

  /** Whether an email address could have its `@` at `index` (a character of a local part before it, a letter or digit after it). */
  private emailAt(raw: Uint8Array, index: number): boolean {
    return (this.on & emailsOn) !== 0 && index > 0 && index + 1 < raw.length && raw[index] === atSign && (byteKinds[raw[index - 1]!]! & emailLocal) !== 0 && (byteKinds[raw[index + 1]!]! & alphanumeric) !== 0;
  }

  /** Whether an IBAN could have its first digit at `index`: two capitals before it, a digit after it, a long enough run. */
  private ibanAt(raw: Uint8Array, index: number): boolean {
    if ((this.on & ibansOn) === 0 || index < 2 || index + 1 >= raw.length) return false;
    return (byteKinds[raw[index]!]! & digit) !== 0 && (byteKinds[raw[index + 1]!]! & digit) !== 0 && (byteKinds[raw[index - 1]!]! & capital) !== 0 && (byteKinds[raw[index - 2]!]! & capital) !== 0 && capitalRunEnd(raw, index - 2) < 0;
  }

  /**
   * The word at `at` is four digits and separators with a digit among them (`digitRun`): unless
   * a run measured so far holds it, measures the run it is in from the run's first digit, as a
   * run is measured wherever it is found.
   */
  private numberRunAround(raw: Uint8Array, at: number, seen: Seen): boolean {
    if ((this.on & numberRunsOn) === 0 || at < seen.numbers) return false;
    let start = at;
    while (start > seen.numbers && (byteKinds[raw[start - 1]!]! & numberRun) !== 0) start -= 1;
    while ((byteKinds[raw[start]!]! & digit) === 0) start += 1;
    seen.numbers = this.numberRunEnd(raw, start);
    return seen.numbers < 0;
  }

  /**
   * A `:` at `index`: an IPv6 address's colon (hex digits or colons on both sides), or the start
   * of `://` (a URL's credentials). Each run of hex digits and colons is looked at once.
   */
  private colonAt(raw: Uint8Array, index: number, seen: Seen): boolean {
    // A colon as the last byte has nothing after it: neither an address nor `//`.
    if (index === 0 || index + 1 >= raw.length || raw[index] !== colon) return false;
    const next = raw[index + 1]!;
    // An IPv6 address has a colon with hex digits or colons on both sides (`fe80::1`, `::1` at its second).
    if ((this.on & ipAddressesOn) !== 0 && index >= seen.hex && (byteKinds[raw[index - 1]!]! & hexRun) !== 0 && (byteKinds[next]! & hexRun) !== 0) {
      seen.hex = hexRunEnd(raw, index);
      if (seen.hex < 0) return true;
    }
    return (next === slash || next === backslash) && this.triggerAt(raw, index);
  }

  /** Whether a secret rule's trigger starts at `index` (and what must follow it does). */
  private triggerAt(raw: Uint8Array, index: number): boolean {
    if ((this.on & secretsOn) === 0 || index + 2 >= raw.length) return false;
    const byte = raw[index]!;
    const next = raw[index + 1]!;
    const third = raw[index + 2]!;
    if (byte >= 128 || next >= 128 || third >= 128) return false;
    // The first two characters, then the third, before any literal is compared.
    const pair = (byte << 7) | next;
    return (thirdCharacters[(pair << 2) | (third >> 5)]! & (1 << (third & 31))) !== 0 && triggered(raw, index, pair);
  }

  /**
   * Looks at the run of digits and `+ ( ) . -` and blanks starting at the digit at `start`: -1
   * when it could hold a phone number, a card number or an IPv4 address, else where it ends.
   */
  private numberRunEnd(raw: Uint8Array, start: number): number {
    let digits = 0;
    // The `+` or `(` a phone number starts with is just before its first digit.
    let separators = start > 0 && (raw[start - 1] === plus || raw[start - 1] === openParenthesis) ? 1 : 0;
    let inRow = 0;
    let dots = 0;
    let dottedDigits = 0;
    let at = start;
    for (; at < raw.length; at += 1) {
      const byte = raw[at]!;
      const kind = byteKinds[byte]!;
      if ((kind & numberRun) === 0) break;
      if ((kind & digit) !== 0) {
        digits += 1;
        dottedDigits += 1;
        inRow = 0;
        if ((this.phoneDigits !== 0 && digits >= 8 && separators > 0) || (this.cardDigits !== 0 && digits >= 13)) return -1;
        if ((this.on & ipAddressesOn) !== 0 && dots >= 3 && dottedDigits >= 4) return -1;
        continue;
      }
      if (byte === dot) dots += 1;
      else {
        dots = 0;
        dottedDigits = 0;
      }
      // No phone number or card has three separators in a row: a match starts after them.
      if (++inRow > 2) {
        digits = 0;
        separators = 0;
      }
      // A separator inside a match, or the `+` or `(` that starts one.
      if (digits > 0 || byte === plus || byte === openParenthesis) separators += 1;
    }
    return at;
  }
}

/**
 * Whether the `=` or `:` at `index` could be the operator of a match of a rule with an
 * assignment after its trigger, or start `://` — what the name before it is walked back for.
 * Each such rule has something next to its operator that most `=` and `:` in code and JSON lack:
 * - a quoted credential (`password = "…"`, `"apiKey": "…"`): blanks, then a quote or an
 *   escape's backslash after the operator (or after the `>` or `=` of `=>`, `:=`);
 * - AWS's secret key (`aws_secret_access_key = …`): a name ending in `key`, so a `y` before the
 *   operator, behind blanks and a quote, and 40 characters of its value after it
 *   (`awsSecretFollows`);
 * - a `.env` line (`DB_PASSWORD=…`): an `=` with a capital, a digit or `_` before it, behind
 *   spaces and tabs (taken as any blanks and quotes: more candidates, never fewer);
 * - a URL's credentials: `://`, its `/` maybe escaped.
 */
function operatorOfAssignment(raw: Uint8Array, index: number, byte: number): boolean {
  const length = raw.length;
  let after = index + 1;
  let next = raw[after]!;
  if (byte === colon && (next === slash || next === backslash)) return true;
  if (next === 0x3e || next === equals) after += 1;
  after = skipBlanks(raw, after);
  if (after < length) {
    next = raw[after]!;
    if (next === 0x27 || next === 0x22 || next === backslash) return true;
  }
  const before = blanksBefore(raw, index);
  if (before === 0) return false;
  const last = raw[before - 1]!;
  return ((last | 0x20) === 0x79 && awsSecretFollows(raw, index, byte)) || (byte === equals && (byteKinds[last]! & envNameEnd) !== 0);
}

/**
 * Whether AWS's secret key could follow the operator at `index` unquoted, the one rule with a
 * name ending in `key` and no quote required (`aws_secret_access_key = …`): past `=>`, blanks
 * and a quote, 40 characters of `A-Z a-z 0-9 / + =` (a `/` maybe escaped). Code's `entry ===
 * undefined` and `body: Buffer` end that run within a few bytes, and are not walked back from.
 */
function awsSecretFollows(raw: Uint8Array, index: number, byte: number): boolean {
  let at = index + 1;
  if (byte === equals && raw[at] === 0x3e) at += 1;
  at = skipBlanks(raw, at);
  at += quoteAt(raw, at);
  const length = raw.length;
  for (let count = 0; count < 40; count += 1) {
    if (at >= length) return false;
    const value = raw[at]!;
    if ((byteKinds[value]! & alphanumeric) !== 0 || value === slash || value === plus || value === equals) at += 1;
    else if (value === backslash && raw[at + 1] === slash) at += 2;
    else return false;
  }
  return true;
}

/**
 * Where the blanks and quotes just before `index` start, as JSON writes them: blanks, quotes,
 * backslashes, control and non-ASCII bytes, and the escapes `\n`, `\t`, `\r`, `\f`, `\uXXXX`.
 * It may walk over more than blanks and quotes (`\\n` is a backslash and an `n`), never over a
 * letter other than an escape's: a name's last character stops it.
 */
function blanksBefore(raw: Uint8Array, index: number): number {
  let at = index;
  while (at > 0) {
    const byte = raw[at - 1]!;
    if (byte === space || byte === 0x22 || byte === 0x27 || byte === backslash || byte < 0x20 || byte >= 0x80) at -= 1;
    else if (at >= 2 && raw[at - 2] === backslash && (byte === 0x6e || byte === 0x74 || byte === 0x72 || byte === 0x66)) at -= 2;
    else if (at >= 6 && raw[at - 6] === backslash && raw[at - 5] === 0x75 && isHex(raw[at - 4]!) && isHex(raw[at - 3]!) && isHex(raw[at - 2]!) && isHex(byte)) at -= 6;
    else break;
  }
  return at;
}

/**
 * Looks at the run of capitals and digits (single blanks between) starting at `start`: -1 when
 * it could hold an IBAN (15 or more, 2 digits or more), else where it ends.
 */
function capitalRunEnd(raw: Uint8Array, start: number): number {
  let count = 0;
  let digits = 0;
  let at = start;
  for (; at < raw.length; at += 1) {
    const byte = raw[at]!;
    if ((byteKinds[byte]! & capitalRun) !== 0) {
      count += 1;
      if (byte <= 0x39) digits += 1;
      if (count >= 15 && digits >= 2) return -1;
    } else if (!(byte === space && at + 1 < raw.length && (byteKinds[raw[at + 1]!]! & capitalRun) !== 0)) break;
  }
  return at;
}

/**
 * Looks at the run of hex digits and colons around the colon at `colonAt`: -1 when it could be
 * an IPv6 address (4 characters or more, a digit, `::` or 7 colons), else where it ends.
 */
function hexRunEnd(raw: Uint8Array, colonAt: number): number {
  let start = colonAt;
  while (start > 0 && (byteKinds[raw[start - 1]!]! & hexRun) !== 0) start -= 1;
  let end = colonAt + 1;
  while (end < raw.length && (byteKinds[raw[end]!]! & hexRun) !== 0) end += 1;
  if (end - start < 4) return end;
  let colons = 0;
  let digits = 0;
  let doubleColon = false;
  for (let at = start; at < end; at += 1) {
    const byte = raw[at]!;
    if (byte === colon) {
      colons += 1;
      if (at > start && raw[at - 1] === colon) doubleColon = true;
    } else if (byte <= 0x39) digits += 1;
  }
  return digits > 0 && (doubleColon || colons >= 7) ? -1 : end;
}

/** Whether a secret rule's trigger starts at `index` (and what must follow it does). */
function triggered(raw: Uint8Array, index: number, pair: number): boolean {
  for (const candidate of triggersByPair[pair]!) {
    if (!startsWith(raw, index, candidate)) continue;
    const after = index + candidate.literal.length;
    if (candidate.follows === undefined) return true;
    if (candidate.follows === 'url-credentials' ? atBeforeEnd(raw, after) : assignmentFollows(raw, after, candidate.follows === 'quoted-assignment')) return true;
  }
  return false;
}

const digit = 1;
/** Digits and `+ ( ) . -` and blanks: what phone numbers and card numbers are made of. */
const numberRun = 2;
const capital = 4;
/** Capitals and digits. */
const capitalRun = 8;
/** Hex digits and colons. */
const hexRun = 16;
/** What an email address's local part is made of. */
const emailLocal = 32;
const alphanumeric = 64;
/** What a `.env` line's name ends with: capitals, digits and `_`. */
const envNameEnd = 128;

/** What a byte is, for the runs (nothing for a non-ASCII byte). */
const byteKinds = new Uint8Array(256);
for (let code = 0; code < 128; code += 1) {
  const character = String.fromCharCode(code);
  let kind = 0;
  if (/[0-9]/.test(character)) kind |= digit | numberRun | capitalRun | hexRun | emailLocal | alphanumeric;
  if (/[A-Z]/.test(character)) kind |= capital | capitalRun | emailLocal | alphanumeric;
  if (/[a-z]/.test(character)) kind |= emailLocal | alphanumeric;
  if (/[A-Fa-f:]/.test(character)) kind |= hexRun;
  if (/[+().\- ]/.test(character)) kind |= numberRun;
  if (/[._%+-]/.test(character)) kind |= emailLocal;
  if (/[0-9A-Z_]/.test(character)) kind |= envNameEnd;
  byteKinds[code] = kind;
}

/** Bodies above this are looked at a slice at a time (see `mayFindYielding`). */
export const prefilterSliceBytes = 256 * 1024;

const backslash = 0x5c;
const slash = 0x2f;
const atSign = 0x40;
const dot = 0x2e;
const colon = 0x3a;
const equals = 0x3d;
const space = 0x20;
const plus = 0x2b;
const openParenthesis = 0x28;
const closingBracket = 0x5d;

interface RawTrigger {
  /** The literal's bytes; lower-cased when `caseless`. */
  literal: Uint8Array;
  caseless: boolean;
  follows: SecretRule['follows'] | 'url-credentials' | undefined;
}

/** How far the scan followed what it measured: number runs, hex runs. */
interface Seen {
  numbers: number;
  hex: number;
}

/** In `RawPrefilter.on`: which detectors are on. */
const secretsOn = 1;
const emailsOn = 2;
const ibansOn = 4;
const ipAddressesOn = 8;
/** Phones, cards or IPv4 addresses: runs of digits and separators matter. */
const numberRunsOn = 16;

/** In `pairFlags`: bits 0–7, a trigger literal starts that many bytes before the pair. */
const offsetBits = 0xff;
/** An `@` to look at, the pair's first byte or its second. */
const atFlag = 0x100;
/**
 * A `:` to look at, the pair's first byte (before `/`, `\\` or a hex digit) or its second (after
 * a hex digit or a colon): `://` or an IPv6 address.
 */
const colonFlag = 0x200;
/**
 * `//` or `\/`: the slashes of a `://` whose colon is at an odd position, the pair before
 * (`name: T` and `):` flag nothing: a colon after anything but a hex digit starts no address).
 */
const urlSlashes = 0x400;
/**
 * Both bytes digits or the separators of phone and card numbers (`+ ( ) . -`, a blank). Not a
 * candidate itself (the scan's loops mask it out): what `digitRun` needs of both pairs of a word.
 */
const numberRunPair = 0x800;
/** Both pairs of a word `numberRunPair`. */
const numberRunWord = numberRunPair | (numberRunPair << 16);
/**
 * A `numberRunPair` with a digit: the word holding the pair may lie inside a number run. Every
 * phone number, card number and IPv4 address is a run of at least 7 such bytes with no three
 * separators in a row (what `numberRunEnd` measures), and any 7 bytes in a row hold a whole
 * word, whose 4 bytes then are digits and separators with a digit among them: both of its pairs
 * are `numberRunPair`s and one has this flag, and the run is measured from there
 * (`numberRunAround`). A lone digit (`= 0;`, `x1`, `64)`) or two (`i += 10;`) is never measured.
 */
const digitRun = 0x1000;
/** Two digits: an IBAN's check digits could start at the pair's first byte (two capitals before it). */
const ibanFirst = 0x2000;
/** A capital, then a digit: an IBAN's check digits could start at the pair's second byte. */
const ibanSecond = 0x4000;
/**
 * `\\u` or `u0`: an escape of an ASCII character (`\\u00XX`) could start at the pair or the byte
 * before it; most bodies hold none, and one that does is a "maybe" at once (`escapedAsciiAt`).
 */
const escapeFlag = 0x8000;
/** What `flagged` looks at, a pair at a time (the number flags are looked at a word at a time). */
const pairBits = 0xffff & ~numberRunPair & ~digitRun & ~ibanFirst;
/** A word's flags that make it a candidate: all but `numberRunPair`. */
const candidateBits = ~numberRunWord;

/**
 * By a pair of bytes at an even position, as a 16-bit word holds them: what could start around
 * it. Every candidate leaves a mark at an even position: an `@` or an IBAN's first check digit
 * is in the pair at its own position or the one before (a capital then a digit, or two digits);
 * a number run holds a whole word of digits and separators (`digitRun`); `://` has its colon
 * or its slashes in a pair at an even position, an IPv6 address a colon beside a hex digit; and
 * each trigger literal, those with an assignment after them included, is given one pair at an
 * even offset and one at an odd offset inside it (the rarest, see `pairsByFrequency`), so
 * whichever parity it starts at, one of the two sits at an even position.
 */
const pairFlags = new Uint16Array(1 << 16);
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
function flagPair(first: number, second: number, flags: number): void {
  pairFlags[littleEndian ? (second << 8) | first : (first << 8) | second] |= flags;
}
/**
 * The pairs' own flags: a few hundred pairs of the 65,536 have any, so they are set from the
 * bytes that can make them (a loop over every pair took 20–46 ms and left 4.4 MB resident, V8
 * compiling it on stack).
 */
function flagPairs(): void {
  const bytesOf = (kind: number): number[] => [...byteKinds.keys()].filter((byte) => (byteKinds[byte]! & kind) !== 0);
  const digits = bytesOf(digit);
  const runs = bytesOf(numberRun);
  const hexOrColon = bytesOf(hexRun);
  for (let other = 0; other < 256; other += 1) {
    flagPair(atSign, other, atFlag);
    flagPair(other, atSign, atFlag);
  }
  for (const first of runs) for (const second of runs) flagPair(first, second, ((byteKinds[first]! | byteKinds[second]!) & digit) !== 0 ? numberRunPair | digitRun : numberRunPair);
  for (const first of digits) for (const second of digits) flagPair(first, second, ibanFirst);
  for (const first of bytesOf(capital)) for (const second of digits) flagPair(first, second, ibanSecond);
  for (const second of [slash, backslash, ...hexOrColon]) flagPair(colon, second, colonFlag);
  for (const first of hexOrColon) flagPair(first, colon, colonFlag);
  for (const first of [slash, backslash]) flagPair(first, slash, urlSlashes);
  flagPair(backslash, 0x75, escapeFlag);
  flagPair(0x75, 0x30, escapeFlag);
}

/**
 * Pairs of letters (and `_`, `-`), case folded, from the most common in English and in code to
 * the 300th: counted over this repository's docs and sources (2.6 MB of prose and TypeScript).
 * A literal is given its rarest pairs, so that ordinary text flags as few positions as it can.
 */
const pairsByFrequency = (
  're on th er in st te es co he de en or ro at ed se nt it nd ns an et ar le ti ng is ea fi al un ' +
  'tr ne ri ge as me pr ch to ta ke ec io ca pe ts rt ex ou el od id po ac ur li ue ve ce ct ef pa ' +
  'no hi ra lo ut us ad ol om ll tu em ma am ow ha nc op rs fo wi ss ey be im so ic qu sa rn il na ' +
  'la rr rd if ag da of ot ie di ig mo mp ai eq va ho si tt xt sp mi ty oo wh tc ls ov vi pt cl nu ' +
  'ld sh yp ry os um ul sw fr ck ru ev lu bl ir do ds ab bo oc pi ud ni fu nf pu bu mb ay ob ap ba ' +
  'ok by hr fa ep we wa lt pl ly dg oi ee xp iv ys sc wn ox rm nl rg xy nk cr tp au ew ms ya hy su ' +
  'dy js rv wr og gr yt nn rl -- je cc ff gt aw eo ci np dr ft ht e- ki gh tl bj ps vo up wo ip cu ' +
  'gi kn fe ui sy rc sd ei gs ia ak eg sk af dd t- av mm sl ks ga ye t_ -c pp go fl -s cy yn oa _t ' +
  'ws nv uc bs ax gn sq ql mu e_ ug eu rk -r rf dp vs hu tf cs rp d_ tw br lc ny eb td _c gu ib tg ' +
  'dc dl gl xi lr gp d- du dm ix iz _s'
).split(' ');
const pairRanks = new Map(pairsByFrequency.map((pair, rank) => [pair, rank]));

/**
 * How common a pair of characters is, roughly: by its rank among `pairsByFrequency` (absent:
 * rarest), and a quarter of that for a case-sensitive pair with a capital, which ordinary
 * text holds far less often than the lower-case one; digits and punctuation are rare.
 */
function commonness(pair: string, caseless: boolean): number {
  const rank = pairRanks.get(pair.toLowerCase());
  const common = rank === undefined ? 0 : pairsByFrequency.length - rank;
  return !caseless && /[A-Z]/.test(pair) ? common / 4 : common;
}

/** Flags the rarest pair at an even offset and at an odd offset of `literal` (both cases of its letters when `caseless`). */
function flagLiteral(literal: string, caseless: boolean): void {
  for (const parity of [0, 1]) {
    let best = -1;
    for (let offset = parity; offset + 1 < literal.length && offset <= 7; offset += 2) {
      if (best === -1 || commonness(literal.slice(offset, offset + 2), caseless) < commonness(literal.slice(best, best + 2), caseless)) best = offset;
    }
    const cases = (character: string): string[] => (caseless ? [...new Set([character.toLowerCase(), character.toUpperCase()])] : [character]);
    for (const first of cases(literal[best]!)) for (const second of cases(literal[best + 1]!)) flagPair(first.charCodeAt(0), second.charCodeAt(0), 1 << best);
  }
}

const triggersByPair: Array<RawTrigger[] | undefined> = new Array<RawTrigger[] | undefined>(1 << 14).fill(undefined);
/** By pair of first characters, 128 bits: which third characters a trigger starting so has. */
const thirdCharacters = new Uint32Array((1 << 14) * 4);

/** Files every rule's trigger literals in `triggersByPair`, `thirdCharacters` and `pairFlags`. */
function fileTriggers(): void {
  for (const rule of secretRules) {
    const follows = rule.credentialsInUrl === true ? ('url-credentials' as const) : rule.follows;
    const add = (literal: string, caseless: boolean): void => {
      const bytes = Buffer.from(caseless ? literal.toLowerCase() : literal, 'latin1');
      const cases = (character: string): string[] => (caseless ? [...new Set([character.toLowerCase(), character.toUpperCase()])] : [character]);
      for (const first of cases(literal[0]!)) {
        for (const second of cases(literal[1]!)) {
          const key = (first.charCodeAt(0) << 7) | second.charCodeAt(0);
          (triggersByPair[key] ??= []).push({ literal: bytes, caseless, follows });
          // Every trigger is three characters long or more.
          for (const third of cases(literal[2]!)) thirdCharacters[(key << 2) | (third.charCodeAt(0) >> 5)] |= 1 << (third.charCodeAt(0) & 31);
        }
      }
    };
    // `://` is found at its `:`; every other trigger by its pairs.
    const found = (literal: string, caseless: boolean): void => {
      if (follows !== 'url-credentials') flagLiteral(literal, caseless);
      else if (!literal.startsWith(':')) throw new Error(`a URL's trigger starts with its ':' (${literal})`);
    };
    for (const literal of rule.triggers ?? []) {
      found(literal, false);
      add(literal, false);
      // A JSON writer may escape `/` (PHP does by default): `https:\/\/`.
      if (literal.includes('/')) {
        found(literal.replace(/\//g, '\\/'), false);
        add(literal.replace(/\//g, '\\/'), false);
      }
    }
    for (const literal of rule.lowerTriggers ?? []) {
      found(literal, true);
      add(literal, true);
    }
  }
}

function startsWith(raw: Uint8Array, index: number, trigger: RawTrigger): boolean {
  const { literal } = trigger;
  if (index + literal.length > raw.length) return false;
  for (let offset = 0; offset < literal.length; offset += 1) {
    let byte = raw[index + offset]!;
    // Lower-casing a letter is setting 0x20; the literal's other characters (`_`, `-`) have it already or never match a letter.
    if (trigger.caseless && byte >= 0x41 && byte <= 0x5a) byte |= 0x20;
    if (byte !== literal[offset]) return false;
  }
  return true;
}

/** Whether a blank follows at `index` (as written in JSON): its length in bytes, or 0. */
function blankAt(raw: Uint8Array, index: number): number {
  if (index >= raw.length) return 0;
  const byte = raw[index]!;
  if (byte === space || (byte >= 0x09 && byte <= 0x0d)) return 1;
  // Any non-ASCII character might be one of Unicode's blanks (`\s` takes them): say yes.
  if (byte >= 0x80) return 1;
  if (byte !== backslash || index + 1 >= raw.length) return 0;
  const escaped = raw[index + 1]!;
  if (escaped === 0x6e || escaped === 0x74 || escaped === 0x72 || escaped === 0x66) return 2;
  // `\uXXXX`: an escaped ASCII character ended the look already; the others might be blanks.
  if (escaped === 0x75) return 6;
  return 0;
}

/** Skips the blanks at `index`. */
function skipBlanks(raw: Uint8Array, index: number): number {
  let at = index;
  for (let step = blankAt(raw, at); step > 0; step = blankAt(raw, at)) at += step;
  return at;
}

/**
 * A quote: `\"` or `'` inside a JSON string, or a bare `"` — a key's closing quote or a
 * string's opening one, since a value whose key names a credential is scanned as the
 * assignment `"password": "…"` (redact-body.ts); its length, or 0.
 */
function quoteAt(raw: Uint8Array, index: number): number {
  if (raw[index] === 0x27 || raw[index] === 0x22) return 1;
  if (raw[index] === backslash && raw[index + 1] === 0x22) return 2;
  return 0;
}

/**
 * After a credential's name: more name characters, an optional quote (and, when `quoted`, an
 * element's `]`), blanks, then `=` or `:`
 * (`:=`, `=>` start so too) and, when `quoted`, blanks and a quote or a backslash (an escaped
 * quote, or one escaped twice inside a string that holds JSON) — bare quotes included: an
 * object's key and its string value.
 */
function assignmentFollows(raw: Uint8Array, index: number, quoted: boolean): boolean {
  let at = index;
  while (at < raw.length && isNameCharacter(raw[at]!)) at += 1;
  at += quoteAt(raw, at);
  // An array's or a map's element: `$config['api_key'] => '…'`, `settings["SECRET_KEY"] = "…"`.
  if (quoted && raw[at] === closingBracket) at += 1;
  at = skipBlanks(raw, at);
  const operator = raw[at];
  if (operator !== 0x3d && operator !== colon) return false;
  // Unquoted (AWS's secret key, a `.env` line), the operator must still have such a rule's neighbours.
  if (!quoted) return operatorOfAssignment(raw, at, operator);
  at += 1;
  if (raw[at] === 0x3e || raw[at] === 0x3d) at += 1;
  at = skipBlanks(raw, at);
  return raw[at] === 0x27 || raw[at] === 0x22 || raw[at] === backslash;
}

function isHex(byte: number): boolean {
  return (byteKinds[byte]! & hexRun) !== 0 && byte !== colon;
}

function isNameCharacter(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f;
}

/**
 * After `://`: an `@` before the next blank, quote, `/`, `<`, `>` or the string's end — the
 * `user:password@` a URL's password needs (none of those is in the user or the password).
 */
function atBeforeEnd(raw: Uint8Array, index: number): boolean {
  for (let at = index; at < raw.length; at += 1) {
    const byte = raw[at]!;
    if (byte === 0x40) return true;
    if (byte === space || byte === 0x22 || byte === 0x27 || byte === 0x2f || byte === 0x3c || byte === 0x3e || byte < 0x20) return false;
  }
  return false;
}

/**
 * Whether an escape of an ASCII character (`\u0040` is `@`) starts at `index`: it could be part
 * of anything, so the look ends at once ("maybe").
 */
function escapedAsciiAt(raw: Uint8Array, index: number): boolean {
  return index >= 0 && index + 5 < raw.length && raw[index] === backslash && raw[index + 1] === 0x75 && raw[index + 2] === 0x30 && raw[index + 3] === 0x30 && (raw[index + 4]! & 0xf8) === 0x30;
}

/** Reused for a body whose bytes do not start at a multiple of 4 (a word view needs it). */
let aligned = new Uint8Array(0);

/**
 * The body's bytes as 32-bit words (the last 0–3 bytes left out), copied when they are not
 * aligned: into a buffer `shared` by every call that finishes before the next starts.
 */
function wordsOf(raw: Uint8Array, shared = true): Uint32Array {
  if (raw.byteOffset % 4 === 0) return new Uint32Array(raw.buffer, raw.byteOffset, raw.length >>> 2);
  // A copy by memcpy (`Uint8Array.from` would go through the iterator, a byte at a time).
  if (!shared) return new Uint32Array(new Uint8Array(raw).buffer, 0, raw.length >>> 2);
  if (aligned.length < raw.length) aligned = new Uint8Array(Math.max(raw.length, 2 * aligned.length));
  aligned.set(raw);
  return new Uint32Array(aligned.buffer, 0, raw.length >>> 2);
}

/**
 * Every path of `scan` runs once, in the interpreter, when the module loads. A first call with a
 * large body compiles `scan`'s loop on stack (OSR) before the code after the loop ever ran; the
 * compare there (the last whole words) then had no type feedback, and the code compiled with it
 * was deoptimised at the end of every call until V8 compiled the whole function afresh: the
 * bench's 50 KB source file deoptimised `scan` in each of its first 64 to ~1,300 calls in
 * process, depending on when the background compile landed (docs/decisions.md, Privacy, seventh
 * pass). Short bodies of every length modulo 16 reach the last words' and the last bytes' loops.
 */
function warmUp(): void {
  const prefilter = new RawPrefilter(detectorNames);
  const text = '{"note":"a=1 b: 2 c@d e:f 3.4 (12) 345 DE12 f(x): y \\u00e9 http://h"}';
  for (let length = 1; length <= text.length; length += 1) prefilter.mayFind(Buffer.from(text.slice(0, length), 'latin1'));
}

let prepared = false;

/**
 * Fills the tables and warms the scan up, once, when the first prefilter is made: a proxy with
 * redaction off never makes one. (The tables themselves are made at load, as constants V8 can
 * fold into the scan; their zeroed pages cost no memory until written.)
 */
function prepare(): void {
  if (prepared) return;
  prepared = true;
  flagPairs();
  fileTriggers();
  warmUp();
}
