import type { CanonicalResponse } from '../core/response';

/** A verdict read from the judge's answer, in the judge's own A/B terms. */
export type ParsedVerdict = { winner: 'A' | 'B' | 'tie'; reason: string } | { winner: 'invalid'; reason: string };

/** The text parts of the judge's answer; its reasoning, if any, is not the verdict. */
export function responseText(response: CanonicalResponse): string {
  let text = '';
  for (const part of response.content) if (part.type === 'text') text += part.text;
  return text;
}

const reasonChars = 500;

/**
 * Reads the verdict from the judge's answer, tolerantly: bare JSON, JSON in a ``` fence or
 * surrounded by prose, `winner` in any case (`a`, `Answer B`, `TIE`). Anything else is
 * `invalid`, with the start of the answer as the reason so the panel shows what came back.
 */
export function parseVerdict(text: string): ParsedVerdict {
  for (const candidate of jsonObjectCandidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || !('winner' in value)) continue;
    const winner = decodeWinner(value.winner);
    if (winner === undefined) continue;
    const reason = 'reason' in value && typeof value.reason === 'string' ? value.reason.trim() : '';
    return { winner, reason: reason.slice(0, reasonChars) };
  }
  // A verdict cut off by the output limit (`{"winner":"A","reason":"Answer A is mo`) still names its winner.
  const cut = /"winner"\s*:\s*"([^"]*)"/i.exec(text);
  const cutWinner = cut === null ? undefined : decodeWinner(cut[1]);
  if (cutWinner !== undefined) {
    const reason = /"reason"\s*:\s*"((?:[^"\\]|\\.)*)/i.exec(text);
    return { winner: cutWinner, reason: reason === null ? '' : unescapeJsonText(reason[1]).trim().slice(0, reasonChars) };
  }
  const shown = text.trim().slice(0, 200);
  return { winner: 'invalid', reason: shown === '' ? 'The judge gave an empty answer.' : `No verdict in the judge's answer: ${shown}` };
}

/** A JSON string's inside, unescaped when it is whole, as written when the cut left it broken. */
function unescapeJsonText(inside: string): string {
  try {
    const text: unknown = JSON.parse(`"${inside}"`);
    return typeof text === 'string' ? text : inside;
  } catch {
    return inside;
  }
}

function decodeWinner(value: unknown): 'A' | 'B' | 'tie' | undefined {
  if (typeof value !== 'string') return undefined;
  let name = value.trim().toLowerCase();
  if (name.startsWith('answer')) name = name.slice(6).trim();
  if (name === 'a') return 'A';
  if (name === 'b') return 'B';
  if (name === 'tie' || name === 'draw') return 'tie';
  return undefined;
}

/**
 * Every balanced `{…}` span in the text in order of its opening brace, strings (and braces
 * inside them) respected: the whole answer when it is JSON, else each object in fences or prose.
 */
function* jsonObjectCandidates(text: string): Generator<string> {
  let start = text.indexOf('{');
  while (start !== -1) {
    const end = balancedEnd(text, start);
    if (end !== -1) yield text.slice(start, end + 1);
    // Inner objects come next, so `{"verdict":{"winner":"A"}}` is read too; judge answers are short.
    start = text.indexOf('{', start + 1);
  }
}

function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
    } else if (character === '"') {
      inString = true;
    } else if (character === '{') {
      depth += 1;
    } else if (character === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
}
