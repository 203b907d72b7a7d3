/**
 * Parses the rules editor's JSON text with positions: a syntax error gets its line and column
 * (engines word `JSON.parse` errors differently and not all give a position), and every value
 * gets the place it starts, keyed by the same paths as ConfigProblem (`rules[2].match.model`),
 * so a problem found by the proxy can point into the text.
 */

/** A place in the text: offset from the start, and 1-based line and column. */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

export type JsonParseResult =
  | { ok: true; value: unknown; positions: Map<string, TextPosition> }
  | { ok: false; error: { message: string } & TextPosition };

/** The 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let index = 0; index < end; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { offset, line, column: end - lineStart + 1 };
}

/** Appends a key to a problem-style path: `rules` + 2 → `rules[2]`, `routes` + `fast` → `routes.fast`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses strict JSON (RFC 8259), as the proxy's config loader does. */
export function parseJsonText(text: string): JsonParseResult {
  const positions = new Map<string, TextPosition>();
  let index = 0;

  const fail = (message: string, at = index): never => {
    throw new JsonSyntaxError(message, at);
  };
  const describe = (at: number): string => (at >= text.length ? 'the end of the text' : `'${text[at]}'`);
  const skipSpace = (): void => {
    while (index < text.length && (text[index] === ' ' || text[index] === '\t' || text[index] === '\n' || text[index] === '\r')) index++;
  };
  const expect = (character: string, what: string): void => {
    skipSpace();
    if (text[index] !== character) fail(`Expected ${what} but found ${describe(index)}.`);
    index++;
  };

  const parseString = (): string => {
    const start = index;
    index++; // the opening quote
    let result = '';
    for (;;) {
      if (index >= text.length) fail('This string is not closed: a \'"\' is missing.', start);
      const character = text[index];
      if (character === '"') {
        index++;
        return result;
      }
      if (character === '\\') {
        const escape = text[index + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && escape in simple) {
          result += simple[escape];
          index += 2;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) {
          result += String.fromCharCode(parseInt(text.slice(index + 2, index + 6), 16));
          index += 6;
        } else {
          fail(`Invalid escape '\\${escape ?? ''}' in a string.`);
        }
        continue;
      }
      if (character.charCodeAt(0) < 0x20) fail('A string cannot contain a line break or control character; write \\n instead.');
      result += character;
      index++;
    }
  };

  const parseNumber = (): number => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(index, index + 400));
    if (!match || match[0] === '-') fail(`Unexpected ${describe(index)}: expected a value.`);
    index += match![0].length;
    return Number(match![0]);
  };

  const parseValue = (path: string): unknown => {
    skipSpace();
    positions.set(path, lineColumn(text, index));
    const character = text[index];
    if (character === '{') return parseObject(path);
    if (character === '[') return parseArray(path);
    if (character === '"') return parseString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, index)) {
        index += word.length;
        return value;
      }
    }
    if (character === '-' || (character !== undefined && character >= '0' && character <= '9')) return parseNumber();
    return fail(`Unexpected ${describe(index)}: expected a value.`);
  };

  const parseObject = (path: string): Record<string, unknown> => {
    index++;
    const result: Record<string, unknown> = {};
    skipSpace();
    if (text[index] === '}') {
      index++;
      return result;
    }
    for (;;) {
      skipSpace();
      if (text[index] !== '"') fail(text[index] === '}' ? 'Trailing comma: remove the \',\' before \'}\'.' : `Expected a property name in double quotes but found ${describe(index)}.`);
      const keyStart = index;
      const key = parseString();
      const valuePath = childPath(path, key);
      expect(':', "':' after the property name");
      result[key] = parseValue(valuePath);
      // A problem about a property points at its name, where people look for it.
      positions.set(valuePath, lineColumn(text, keyStart));
      skipSpace();
      if (text[index] === ',') {
        index++;
        continue;
      }
      if (text[index] === '}') {
        index++;
        return result;
      }
      fail(`Expected ',' or '}' after a property value but found ${describe(index)}.`);
    }
  };

  const parseArray = (path: string): unknown[] => {
    index++;
    const result: unknown[] = [];
    skipSpace();
    if (text[index] === ']') {
      index++;
      return result;
    }
    for (;;) {
      skipSpace();
      if (text[index] === ']') fail("Trailing comma: remove the ',' before ']'.");
      result.push(parseValue(childPath(path, result.length)));
      skipSpace();
      if (text[index] === ',') {
        index++;
        continue;
      }
      if (text[index] === ']') {
        index++;
        return result;
      }
      fail(`Expected ',' or ']' after an array item but found ${describe(index)}.`);
    }
  };

  try {
    const value = parseValue('');
    skipSpace();
    if (index < text.length) fail(`Unexpected ${describe(index)} after the end of the JSON value.`);
    return { ok: true, value, positions };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { ok: false, error: { message: error.message, ...lineColumn(text, error.offset) } };
  }
}

/** The config as the editor's text: two-space JSON with a final newline, as people write it. */
export function formatConfigText(config: Record<string, unknown>): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
