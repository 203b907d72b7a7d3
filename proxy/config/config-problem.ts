/**
 * One problem in a config, at a path such as `rules[2].match.model` (empty for the top level);
 * `line` and `column` (1-based) say where in the file, when the problem came from a file's text.
 */
export interface ConfigProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}
