/**
 * Puts config problems where the user is looking: a problem at `rules[2].match.model` belongs
 * next to the model field of the third rule; one at `rules[2]` next to that rule; one the form
 * has no field for (`providers.groq.baseUrl`) in the list above the form.
 */
import type { ConfigProblem } from './protocol';

/** A path's parts: `rules[2].match.model` → `['rules', 2, 'match', 'model']`. */
export function parseProblemPath(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(match[1]);
  }
  return segments;
}

/** Whether `path` is `field` itself or lies inside it (`rules[2].match` contains `rules[2].match.model`). */
export function pathWithin(path: string, field: string): boolean {
  if (field === '') return true;
  if (path === field) return true;
  return path.startsWith(field) && (path[field.length] === '.' || path[field.length] === '[');
}

/** Problems sorted to the fields that show them, and those no field shows. */
export interface PlacedProblems {
  byField: Map<string, ConfigProblem[]>;
  unplaced: ConfigProblem[];
}

/**
 * Gives each problem to the deepest field whose path contains the problem's path; a problem
 * with no such field stays unplaced. `fields` are the paths the form shows (a field may be a
 * whole row such as `rules[2]`, which catches what its inputs do not).
 */
export function placeProblems(problems: readonly ConfigProblem[], fields: Iterable<string>): PlacedProblems {
  const fieldList = [...fields].filter((field) => field !== '');
  const byField = new Map<string, ConfigProblem[]>();
  const unplaced: ConfigProblem[] = [];
  for (const problem of problems) {
    let best: string | undefined;
    for (const field of fieldList) {
      if (pathWithin(problem.path, field) && (best === undefined || field.length > best.length)) best = field;
    }
    if (best === undefined) unplaced.push(problem);
    else byField.set(best, [...(byField.get(best) ?? []), problem]);
  }
  return { byField, unplaced };
}

/**
 * The problem's message without a repeated path: the proxy's messages often begin with the
 * path itself (`rules[0].route: 'x' is not a route…`), which the form already shows by placement.
 */
export function problemText(problem: ConfigProblem): string {
  const { path, message } = problem;
  if (path === '' || !message.startsWith(path)) return message;
  const rest = message.slice(path.length);
  // `path: message` or `path must be …`; anything else (`path.more …`) is kept whole.
  const trimmed = rest.startsWith(': ') ? rest.slice(2) : rest.startsWith(' ') ? rest.slice(1) : undefined;
  if (trimmed === undefined || trimmed === '') return message;
  return trimmed[0].toUpperCase() + trimmed.slice(1);
}

/** Where a listed problem is: the path to show (unless the text names it already) and its line. */
export interface ProblemLocation {
  path?: string;
  line?: number;
}

/**
 * The location to write before a problem in a list: its path once — left out when the text
 * still begins with it (`rules[2].match has an unknown field` at `rules[2]`) — and the line in
 * the JSON text when known. `config` stands for the empty path when there is no line to show.
 */
export function problemLocation(problem: ConfigProblem, line?: number): ProblemLocation {
  const text = problemText(problem);
  const named = problem.path !== '' && text.startsWith(problem.path);
  const path = named ? undefined : problem.path !== '' ? problem.path : line === undefined ? 'config' : undefined;
  return { ...(path === undefined ? {} : { path }), ...(line === undefined ? {} : { line }) };
}
