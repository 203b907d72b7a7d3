import type { DetectorName } from './scanner';
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
 *   assignment, and `://` by an `@` before the next blank, quote or `/`.
 * - email: an `@` between a character of an address's local part and a letter or digit.
 * - phone, credit-card: a run of digits and `+ ( ) . -` or single blanks with at least 8 digits
 *   and a separator (phone), or 13 digits (cards).
 * - iban: a run of capitals and digits (single blanks allowed) of 15 or more with 2 digits.
 * - ip-address: a run of digits and dots with 3 dots and 4 digits (IPv4), or of hex digits and
 *   colons with `::` or 7 colons and a digit (IPv6).
 *
 * Custom patterns are arbitrary regular expressions: a setting with any gets no prefilter.
 */
export class RawPrefilter {
  private readonly secrets: boolean;
  private readonly emails: boolean;
  /** Digits a run needs: 8 with phones on, 13 with cards only, 0 for neither. */
  private readonly phoneDigits: number;
  private readonly cardDigits: number;
  private readonly ibans: boolean;
  private readonly ipAddresses: boolean;

  constructor(detectors: readonly DetectorName[]) {
    this.secrets = detectors.includes('secrets');
    this.emails = detectors.includes('email');
    this.phoneDigits = detectors.includes('phone') ? 8 : 0;
    this.cardDigits = detectors.includes('credit-card') ? 13 : 0;
    this.ibans = detectors.includes('iban');
    this.ipAddresses = detectors.includes('ip-address');
  }

  /** Whether a detector could find something in `raw`, a JSON body; false means certainly not. */
  mayFind(raw: Uint8Array): boolean {
    return this.scan(raw, 0, raw.length, { numbers: 0, capitals: 0, hex: 0 });
  }

  /**
   * {@link mayFind} a slice at a time with the event loop free in between, for a body of several
   * MB (a 5 MB body is 20–40 ms of scanning). The runs a slice starts are followed past its end.
   */
  async mayFindYielding(raw: Uint8Array): Promise<boolean> {
    const seen = { numbers: 0, capitals: 0, hex: 0 };
    for (let from = 0; from < raw.length; from += prefilterSliceBytes) {
      if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.scan(raw, from, Math.min(from + prefilterSliceBytes, raw.length), seen)) return true;
    }
    return false;
  }

  /** Looks at the pairs starting in `[from, to)`; `seen` says how far the runs were followed. */
  private scan(raw: Uint8Array, from: number, to: number, seen: { numbers: number; capitals: number; hex: number }): boolean {
    const length = raw.length;
    // Each run is looked at once, from where it starts; these say how far that look went.
    let numbersSeen = seen.numbers;
    let capitalsSeen = seen.capitals;
    let hexSeen = seen.hex;
    // One look-up per byte and the one after it, and one branch: most pairs in prose and code
    // start nothing (a letter that begins no trigger, a blank, punctuation). A body's last byte
    // alone starts nothing a detector finds.
    const last = Math.min(to, length - 1);
    let next = from < length ? raw[from]! : 0;
    for (let index = from; index < last; index += 1) {
      const byte = next;
      next = raw[index + 1]!;
      const kind = pairKinds[(byte << 8) | next]!;
      if (kind === 0) continue;
      if ((kind & digitStart) !== 0) {
        if (index >= numbersSeen) {
          numbersSeen = this.numberRunEnd(raw, index);
          if (numbersSeen < 0) return true;
        }
      } else if ((kind & capitalStart) !== 0) {
        if (this.ibans && index >= capitalsSeen) {
          capitalsSeen = capitalRunEnd(raw, index);
          if (capitalsSeen < 0) return true;
        }
      } else if ((kind & colonStart) !== 0) {
        if (this.ipAddresses && index >= hexSeen) {
          hexSeen = hexRunEnd(raw, index);
          if (hexSeen < 0) return true;
        }
      } else if ((kind & atSign) !== 0) {
        if (this.emails && index > 0 && index + 1 < length && (byteKinds[raw[index - 1]!]! & emailLocal) !== 0 && (byteKinds[raw[index + 1]!]! & alphanumeric) !== 0) return true;
      } else if ((kind & escape) !== 0) {
        // `\u0040` is `@`: an escaped ASCII character could be part of anything.
        if (index + 4 < length && raw[index + 1] === 0x75 && raw[index + 2] === 0x30 && raw[index + 3] === 0x30 && (raw[index + 4]! & 0xf8) === 0x30) return true;
      }
      if ((kind & trigger) !== 0 && this.secrets && index + 2 < length) {
        // The third character too, before any literal is compared: `se`, `pa`, `to` start
        // half the words of English, `sec`, `pas`, `tok` far fewer.
        const third = raw[index + 2]!;
        const pair = (byte << 7) | next;
        if (third < 128 && (thirdCharacters[(pair << 2) | (third >> 5)]! & (1 << (third & 31))) !== 0 && triggered(raw, index, pair)) return true;
      }
    }
    seen.numbers = numbersSeen;
    seen.capitals = capitalsSeen;
    seen.hex = hexSeen;
    return false;
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
        if (this.ipAddresses && dots >= 3 && dottedDigits >= 4) return -1;
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
/** Capitals and digits. */
const capitalRun = 8;
/** Hex digits and colons. */
const hexRun = 16;
/** What an email address's local part is made of. */
const emailLocal = 32;
const alphanumeric = 64;

/** What a byte is, for the runs. */
const byteKinds = new Uint8Array(256);
for (let code = 0; code < 128; code += 1) {
  const character = String.fromCharCode(code);
  let kind = 0;
  if (/[0-9]/.test(character)) kind |= digit | numberRun | capitalRun | hexRun | emailLocal | alphanumeric;
  if (/[A-Z]/.test(character)) kind |= capitalRun | emailLocal | alphanumeric;
  if (/[a-z]/.test(character)) kind |= emailLocal | alphanumeric;
  if (/[A-Fa-f:]/.test(character)) kind |= hexRun;
  if (/[+().\- ]/.test(character)) kind |= numberRun;
  if (/[._%+-]/.test(character)) kind |= emailLocal;
  byteKinds[code] = kind;
}

/** What a byte and the one after it may start. */
const digitStart = 1;
const capitalStart = 2;
const colonStart = 4;
const atSign = 8;
const escape = 16;
const trigger = 32;
const pairKinds = new Uint8Array(1 << 16);
for (let first = 0; first < 128; first += 1) {
  const character = String.fromCharCode(first);
  let kind = 0;
  if (/[0-9]/.test(character)) kind = digitStart;
  else if (/[A-Z]/.test(character)) kind = capitalStart;
  else if (character === ':') kind = colonStart;
  else if (character === '@') kind = atSign;
  else if (character === '\\') kind = escape;
  if (kind !== 0) pairKinds.fill(kind, first << 8, (first + 1) << 8);
}

/** Bodies above this are looked at a slice at a time (see `mayFindYielding`). */
export const prefilterSliceBytes = 256 * 1024;

const backslash = 0x5c;
const dot = 0x2e;
const colon = 0x3a;
const space = 0x20;
const plus = 0x2b;
const openParenthesis = 0x28;

interface RawTrigger {
  /** The literal's bytes; lower-cased when `caseless`. */
  literal: Uint8Array;
  caseless: boolean;
  follows: SecretRule['follows'] | 'url-credentials' | undefined;
}

const triggersByPair: Array<RawTrigger[] | undefined> = new Array<RawTrigger[] | undefined>(1 << 14).fill(undefined);
/** By pair of first characters, 128 bits: which third characters a trigger starting so has. */
const thirdCharacters = new Uint32Array((1 << 14) * 4);
for (const rule of secretRules) {
  const follows = rule.credentialsInUrl === true ? ('url-credentials' as const) : rule.follows;
  const add = (literal: string, caseless: boolean): void => {
    const bytes = Buffer.from(caseless ? literal.toLowerCase() : literal, 'latin1');
    const cases = (character: string): string[] => (caseless ? [...new Set([character.toLowerCase(), character.toUpperCase()])] : [character]);
    for (const first of cases(literal[0]!)) {
      for (const second of cases(literal[1]!)) {
        const key = (first.charCodeAt(0) << 7) | second.charCodeAt(0);
        pairKinds[(first.charCodeAt(0) << 8) | second.charCodeAt(0)] |= trigger;
        (triggersByPair[key] ??= []).push({ literal: bytes, caseless, follows });
        // Every trigger is three characters long or more.
        for (const third of cases(literal[2]!)) thirdCharacters[(key << 2) | (third.charCodeAt(0) >> 5)] |= 1 << (third.charCodeAt(0) & 31);
      }
    }
  };
  for (const literal of rule.triggers ?? []) {
    add(literal, false);
    // A JSON writer may escape `/` (PHP does by default): `https:\/\/`.
    if (literal.includes('/')) add(literal.replace(/\//g, '\\/'), false);
  }
  for (const literal of rule.lowerTriggers ?? []) add(literal, true);
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
  const byte = raw[index];
  if (byte === undefined) return 0;
  if (byte === space || (byte >= 0x09 && byte <= 0x0d)) return 1;
  // Any non-ASCII character might be one of Unicode's blanks (`\s` takes them): say yes.
  if (byte >= 0x80) return 1;
  if (byte !== backslash) return 0;
  const escaped = raw[index + 1];
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
 * After a credential's name: more name characters, an optional quote, blanks, then `=` or `:`
 * (`:=`, `=>` start so too) and, when `quoted`, blanks and a quote or a backslash (an escaped
 * quote, or one escaped twice inside a string that holds JSON) — bare quotes included: an
 * object's key and its string value.
 */
function assignmentFollows(raw: Uint8Array, index: number, quoted: boolean): boolean {
  let at = index;
  while (at < raw.length && isNameCharacter(raw[at]!)) at += 1;
  at += quoteAt(raw, at);
  at = skipBlanks(raw, at);
  const operator = raw[at];
  if (operator !== 0x3d && operator !== colon) return false;
  if (!quoted) return true;
  at += 1;
  if (raw[at] === 0x3e || raw[at] === 0x3d) at += 1;
  at = skipBlanks(raw, at);
  return raw[at] === 0x27 || raw[at] === 0x22 || raw[at] === backslash;
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
