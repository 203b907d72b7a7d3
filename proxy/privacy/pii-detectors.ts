/**
 * Personal data the PII detectors find. Each validates what it can (Luhn for card numbers, the
 * ISO 13616 checksum for IBANs, octet ranges for IPv4) so that hashes, ids and version numbers in
 * ordinary source code are left alone.
 */

/** One value found in a text: `[start, end)` in UTF-16 code units. */
export interface Span {
  start: number;
  end: number;
}

const emailLocal = /[A-Za-z0-9._%+-]/;
const emailDomain = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/;

/**
 * Email addresses. Found from each `@` outwards rather than by one regular expression from every
 * position: a pattern that starts with a character class backtracks quadratically over a long run
 * of letters without an `@` (a base64 blob), and most texts have few `@`s.
 */
export function findEmails(text: string): Span[] {
  const spans: Span[] = [];
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > 0 && at - start < 64 && emailLocal.test(text[start - 1]!)) start -= 1;
    const domain = emailDomain.exec(text.slice(at + 1, at + 256));
    // `@scope/pkg`, `@Override`, `user@1.2.3` have no local part or no domain with a top level.
    if (start < at && domain !== null && text[start] !== '.' && text[at - 1] !== '.') {
      const end = at + 1 + domain[0].length;
      spans.push({ start, end });
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
  return spans;
}

/**
 * Phone numbers in international form (`+44 20 7946 0958`, `+1-202-555-0143`), North American
 * form with separators (`(415) 555-0132`, `415.555.0132`) and national forms with a trunk `0` and
 * separators (`020 7946 0958`). A bare run of digits is not taken: in code it is a timestamp or
 * an id far more often than a phone number.
 */
const phonePattern = /(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4}|\d{3} \d{3} \d{4}|0\d{1,4}[ -]\d{3,4}[ -]?\d{3,4})(?![\w.-]*\d)(?!\.\d)/g;

export function findPhones(text: string): Span[] {
  const spans: Span[] = [];
  for (const match of text.matchAll(phonePattern)) {
    const digits = match[0].replace(/\D/g, '').length;
    if (digits < 8 || digits > 15) continue;
    spans.push({ start: match.index, end: match.index + match[0].length });
  }
  return spans;
}

/** 13–19 digits, optionally in groups split by single spaces or dashes. */
const cardPattern = /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g;

/** Card numbers with a known issuer prefix that pass the Luhn check. */
export function findCardNumbers(text: string): Span[] {
  const spans: Span[] = [];
  for (const match of text.matchAll(cardPattern)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || !knownIssuer(digits) || !luhnValid(digits)) continue;
    spans.push({ start: match.index, end: match.index + match[0].length });
  }
  return spans;
}

/** Visa, Mastercard, American Express, Discover, JCB, Diners, UnionPay, Maestro prefixes. */
function knownIssuer(digits: string): boolean {
  return /^(?:4|5[1-5]|2[2-7]|3[47]|3[068]|6(?:011|5|4[4-9]|22)|35|62|5[06-9]|6[37])/.test(digits);
}

/** @see https://en.wikipedia.org/wiki/Luhn_algorithm */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Two letters, two check digits, then 11–30 letters and digits, in groups of four or not. */
const ibanPattern = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;

/** IBANs that pass the ISO 13616 mod-97 check. */
export function findIbans(text: string): Span[] {
  const spans: Span[] = [];
  for (const match of text.matchAll(ibanPattern)) {
    let value = match[0];
    // A trailing group swallowed by the space-separated form (`… 1234 and`) is not part of it.
    while (value.length > 0 && !ibanValid(value.replace(/ /g, ''))) {
      const lastSpace = value.lastIndexOf(' ');
      if (lastSpace === -1) {
        value = '';
        break;
      }
      value = value.slice(0, lastSpace);
    }
    if (value.replace(/ /g, '').length < 15) continue;
    spans.push({ start: match.index, end: match.index + value.length });
  }
  return spans;
}

/** @see https://en.wikipedia.org/wiki/International_Bank_Account_Number#Validating_the_IBAN */
export function ibanValid(iban: string): boolean {
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    if (value < 0 || value > 35) return false;
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

const ipv4Pattern = /(?<![\w.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\w]|\.\d)/g;
/** A whole candidate (already cut at non-address characters): full form, or compressed with `::`. */
const ipv6Whole = /^(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?)$/;
function isHexOrColon(code: number): boolean {
  return (code >= 48 && code <= 58) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}
/** Addresses that identify nobody: unspecified, loopback, broadcast. */
const anonymousAddresses = new Set(['0.0.0.0', '127.0.0.1', '255.255.255.255', '::', '::1']);

/**
 * IPv4 addresses (a four-part version such as `1.0.0.0` after `v`, `version` or a letter is not
 * one) and IPv6 addresses, full or compressed with at least two groups and a digit.
 */
export function findIpAddresses(text: string): Span[] {
  const spans: Span[] = [];
  for (const match of text.matchAll(ipv4Pattern)) {
    if (anonymousAddresses.has(match[0])) continue;
    const before = text.slice(Math.max(0, match.index - 9), match.index).toLowerCase();
    if (/(?:\bv|version\W{0,3})$/.test(before)) continue;
    spans.push({ start: match.index, end: match.index + match[0].length });
  }
  // IPv6 from each colon outwards: a pattern starting with a hex class would be tried at every
  // a–f in the text, and most texts have few runs of hex digits and colons.
  let colon = text.indexOf(':');
  while (colon !== -1) {
    let start = colon;
    while (start > 0 && isHexOrColon(text.charCodeAt(start - 1))) start -= 1;
    let end = colon + 1;
    while (end < text.length && isHexOrColon(text.charCodeAt(end))) end += 1;
    // Most colons in code and prose (`key: value`, `http://`) have one hex character beside them or none.
    if (end - start < 4) {
      colon = text.indexOf(':', end);
      continue;
    }
    const value = text.slice(start, end);
    const bounded = !(start > 0 && /[\w.]/.test(text[start - 1]!)) && !(end < text.length && /\w/.test(text[end]!));
    if (bounded && value.length >= 4 && ipv6Whole.test(value) && !anonymousAddresses.has(value) && /\d/.test(value) && value.split(':').filter((group) => group !== '').length >= 2) {
      spans.push({ start, end });
    }
    colon = text.indexOf(':', end);
  }
  return spans;
}
