/**
 * Helpers that make config errors read like an editor's: where in the file (line and column),
 * what was probably meant ("did you mean 'model'?"), and plain words for files that are
 * missing or are folders. Pure functions over the file's text.
 */

/** A place in a text file, both 1-based as editors count them. */
export interface TextLocation {
  line: number;
  column: number;
}

/** The line and column of a character offset. */
export function locationOf(text: string, offset: number): TextLocation {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let index = text.indexOf('\n'); index !== -1 && index < end; index = text.indexOf('\n', index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Where JSON.parse stopped, from its message: V8 says `at position 55` (Node 20) or
 * `(line 3 column 5)` (newer); an unexpected end is at the end of the text.
 */
export function syntaxErrorLocation(text: string, message: string): TextLocation | undefined {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /at position (\d+)/.exec(message);
  if (position) return locationOf(text, Number(position[1]));
  if (/Unexpected end of JSON input/.test(message)) return locationOf(text, text.length);
  return undefined;
}

/** A JSON syntax error for people: `line 3, column 5: Unexpected token '}'…`. */
export function describeSyntaxError(text: string, error: Error): string {
  const where = syntaxErrorLocation(text, error.message);
  // The position is said as line and column instead.
  const what = error.message.replace(/,? ?(in JSON )?at position \d+( \(line \d+ column \d+\))?/, '').replace(/ \(line \d+ column \d+\)/, '');
  return where === undefined ? what : `line ${where.line}, column ${where.column}: ${what}`;
}

/** A file that could not be read, in words: missing, a folder, not allowed. */
export function describeReadError(file: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `The config file ${file} does not exist. Create it ({} is a valid config), or point --config (in VS Code: the setting "switchyard.configPath") at the right file.`;
    case 'EISDIR':
      return `The config file ${file} is a folder, not a file. Point --config (in VS Code: "switchyard.configPath") at a JSON file, e.g. ${file.replace(/[\\/]+$/, '')}/config.json.`;
    case 'EACCES':
    case 'EPERM':
      return `The config file ${file} cannot be read: permission denied. Make it readable by the user Switchyard runs as.`;
    default:
      return `Cannot read the config file ${file}: ${error.code ?? error.message}.`;
  }
}

/**
 * Where each value of a JSON text sits, by the paths config problems use: `rules[2].match.model`,
 * `routes.fast.targets[1]`, `prices.openai/gpt-5.input`. An object member is located at its key,
 * an array element at its first character. Returns an empty map for text that is not JSON.
 */
export function locatePaths(text: string): Map<string, number> {
  const places = new Map<string, number>();
  let index = 0;
  const skipSpace = (): void => {
    while (index < text.length && /\s/.test(text[index]!)) index++;
  };
  const readString = (): string => {
    const start = index;
    index++;
    while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
    index++;
    return JSON.parse(text.slice(start, index)) as string;
  };
  const value = (path: string): void => {
    skipSpace();
    const character = text[index];
    if (character === '{') {
      index++;
      skipSpace();
      if (text[index] === '}') {
        index++;
        return;
      }
      for (;;) {
        skipSpace();
        const keyAt = index;
        const key = readString();
        const memberPath = path === '' ? key : `${path}.${key}`;
        places.set(memberPath, keyAt);
        skipSpace();
        index++; // :
        value(memberPath);
        skipSpace();
        if (text[index++] !== ',') return;
      }
    } else if (character === '[') {
      index++;
      skipSpace();
      if (text[index] === ']') {
        index++;
        return;
      }
      for (let element = 0; ; element++) {
        skipSpace();
        const elementPath = `${path}[${element}]`;
        places.set(elementPath, index);
        value(elementPath);
        skipSpace();
        if (text[index++] !== ',') return;
      }
    } else if (character === '"') {
      readString();
    } else {
      while (index < text.length && !/[\s,\]}]/.test(text[index]!)) index++;
    }
  };
  try {
    JSON.parse(text);
    value('');
  } catch {
    return new Map();
  }
  return places;
}

/**
 * The location of a problem's path in the text: the path itself, or the nearest enclosing one
 * that is written (a missing field is reported where its object is).
 */
export function locateProblem(places: Map<string, number>, text: string, path: string): TextLocation | undefined {
  for (let current = path; current !== ''; current = parentPath(current)) {
    const offset = places.get(current);
    if (offset !== undefined) return locationOf(text, offset);
  }
  return undefined;
}

function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

/** Edits (insert, delete, replace, swap of neighbours) from one word to another. */
export function editDistance(from: string, to: string): number {
  const rows = from.length + 1;
  const columns = to.length + 1;
  const distance: number[][] = Array.from({ length: rows }, (_, row) => Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)));
  for (let row = 1; row < rows; row++) {
    for (let column = 1; column < columns; column++) {
      const cost = from[row - 1] === to[column - 1] ? 0 : 1;
      let best = Math.min(distance[row - 1]![column]! + 1, distance[row]![column - 1]! + 1, distance[row - 1]![column - 1]! + cost);
      if (row > 1 && column > 1 && from[row - 1] === to[column - 2] && from[row - 2] === to[column - 1]) best = Math.min(best, distance[row - 2]![column - 2]! + 1);
      distance[row]![column] = best;
    }
  }
  return distance[from.length]![to.length]!;
}

/**
 * The known word a mistyped one most likely meant (`modle` → `model`, `fats` → `fast`), or
 * undefined when none is close: at most one edit for short words, two for longer, a third of
 * the word at most, or the beginning of a known word; case is ignored.
 */
export function nearestWord(word: string, known: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = Math.min(lower.length <= 4 ? 1 : 2, Math.max(1, Math.floor(lower.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    if (candidate === word) continue;
    // A word cut short (`rout`, `retent`) means the field it begins.
    const distance = lower.length >= 3 && candidate.toLowerCase().startsWith(lower) ? 1 : editDistance(lower, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` Did you mean 'model'?` or nothing. */
export function didYouMean(word: string, known: Iterable<string>): string {
  const nearest = nearestWord(word, known);
  return nearest === undefined ? '' : ` Did you mean '${nearest}'?`;
}

/**
 * What of a config file that failed to load is not in force, for the loud line a proxy started
 * on a broken file writes: its own providers, routes, aliases and rules, by name (not its access
 * keys: those stay required, see `salvageAccessKeys`; nor its budgets and disabled models: those
 * stay in force or refuse every call, see `salvagePolicy`). Undefined when
 * the text is not a JSON object or names none of them.
 */
export function describeNotInForce(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'nothing of the file is in force (it is not valid JSON): no custom providers, routes, aliases or rules; presets only';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const root = json as Record<string, unknown>;
  const names = (value: unknown): string[] => (typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : []);
  const parts: string[] = [];
  const providers = names(root.providers);
  if (providers.length > 0) parts.push(`providers ${providers.join(', ')}`);
  const routes = names(root.routes);
  if (routes.length > 0) parts.push(`routes ${routes.join(', ')}`);
  const aliases = names(root.aliases);
  if (aliases.length > 0) parts.push(`aliases ${aliases.join(', ')}`);
  if (Array.isArray(root.rules) && root.rules.length > 0) parts.push(`${root.rules.length} ${root.rules.length === 1 ? 'rule' : 'rules'}`);
  if (typeof root.defaultRoute === 'string') parts.push(`the default route ${root.defaultRoute}`);
  return parts.length === 0 ? undefined : parts.join('; ');
}

/**
 * The access keys of a config file that failed to load, so that a proxy started on it keeps
 * requiring them (fail closed: a broken file must not open the door). `keys` are the entries
 * that are non-empty strings; `unreadable` says why the file names access keys that cannot be
 * read (not valid JSON, or `accessKeys` not a list of keys), and then every caller without
 * another accepted key is refused until the file is fixed.
 */
export function salvageAccessKeys(text: string): { keys: string[]; unreadable?: string } {
  const mentioned = text.includes('accessKeys');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return mentioned ? { keys: [], unreadable: 'the file is not valid JSON, so its "accessKeys" cannot be read' } : { keys: [] };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return mentioned ? { keys: [], unreadable: 'the file is not a JSON object' } : { keys: [] };
  const listed = (json as Record<string, unknown>).accessKeys;
  if (listed === undefined) return { keys: [] };
  if (!Array.isArray(listed)) return { keys: [], unreadable: '"accessKeys" is not a list of keys' };
  const keys = listed.filter((key): key is string => typeof key === 'string' && key !== '');
  if (keys.length === 0 && listed.length > 0) return { keys, unreadable: '"accessKeys" holds no key that is a non-empty string' };
  return { keys };
}
