/** One problem in a config, at a path such as `rules[2].match.model` (empty for the top level). */
export interface ConfigProblem {
  path: string;
  message: string;
}
