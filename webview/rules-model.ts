/**
 * The rules editor's form over the config JSON. The draft is always the config object itself
 * (what JSON mode shows); the form reads fields out of it and writes single fields back, so
 * switching modes loses nothing and fields the form does not know survive untouched.
 * Every change returns a new config object; the old one is left as it was.
 */

/** A config as JSON: an object with any fields (the proxy checks them). */
export type ConfigDraft = Record<string, unknown>;

/** `any` leaves the match field out; `yes`/`no` require tools or images present or absent. */
export type TriState = 'any' | 'yes' | 'no';

/** One rule as the form's inputs show it: text for every field. */
export interface RuleForm {
  name: string;
  model: string;
  endpoint: string;
  clientKey: string;
  /** `name: value; name: value`. */
  headers: string;
  tools: TriState;
  images: TriState;
  minInputTokens: string;
  maxInputTokens: string;
  route: string;
}

export type RuleField = keyof RuleForm;

/** The match fields in the order the form shows them. */
export const matchFields = ['model', 'endpoint', 'clientKey', 'headers', 'tools', 'images', 'minInputTokens', 'maxInputTokens'] as const;

/** The strategies a route can have (see RouteStrategy in proxy/config/config.ts). */
export const routeStrategies = ['fallback', 'cheapest', 'fastest', 'race', 'split'] as const;

/** One route as the form shows it. */
export interface RouteForm {
  name: string;
  strategy: string;
  targets: string[];
  /** race only: milliseconds before the next target starts. */
  hedgeMs: string;
  /** split only: one weight per target. */
  weights: string[];
  /** The response cache for this route: as the top-level `cache` says, or turned on or off here. */
  cache: RouteCacheChoice;
}

/** A route's response-cache toggle: `inherit` leaves `cache.enabled` out of the route. */
export type RouteCacheChoice = 'inherit' | 'on' | 'off';

/** A choice for a rule's route: a route or an alias of the config. */
export interface RouteChoice {
  value: string;
  kind: 'route' | 'alias';
  /** What it leads to: the route's strategy and targets, or the alias's target. */
  description: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function copy(config: ConfigDraft): ConfigDraft {
  return JSON.parse(JSON.stringify(config)) as ConfigDraft;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function triState(value: unknown): TriState {
  return value === true ? 'yes' : value === false ? 'no' : 'any';
}

/**
 * A number field's value: digits become a number, anything else stays text so the proxy's
 * validation names the problem next to the field instead of the form silently dropping it.
 */
function numberOrText(value: string): number | string {
  const trimmed = value.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** `x-team: search; x-env: prod` → `{ "x-team": "search", "x-env": "prod" }`. */
export function parseHeaders(value: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of value.split(';')) {
    if (entry.trim() === '') continue;
    const colon = entry.indexOf(':');
    const name = (colon < 0 ? entry : entry.slice(0, colon)).trim();
    headers[name] = colon < 0 ? '' : entry.slice(colon + 1).trim();
  }
  return headers;
}

/** The inverse of {@link parseHeaders}. */
export function formatHeaders(headers: unknown): string {
  if (!isObject(headers)) return text(headers);
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${text(value)}`)
    .join('; ');
}

/** The rules of a config; a `rules` that is not an array reads as none (JSON mode shows why). */
export function rulesOf(config: ConfigDraft): unknown[] {
  return Array.isArray(config.rules) ? config.rules : [];
}

/** A rule's fields as the form shows them. */
export function ruleForm(rule: unknown): RuleForm {
  const entry = isObject(rule) ? rule : {};
  const match = isObject(entry.match) ? entry.match : {};
  return {
    name: text(entry.name),
    model: text(match.model),
    endpoint: text(match.endpoint),
    clientKey: text(match.clientKey),
    headers: formatHeaders(match.headers),
    tools: triState(match.tools),
    images: triState(match.images),
    minInputTokens: text(match.minInputTokens),
    maxInputTokens: text(match.maxInputTokens),
    route: text(entry.route),
  };
}

/** Where a rule field lives in the config, as ConfigProblem paths name it. */
export function ruleFieldPath(index: number, field: RuleField): string {
  if (field === 'name' || field === 'route') return `rules[${index}].${field}`;
  return `rules[${index}].match.${field}`;
}

/** Sets one field of one rule; an empty value (or `any`) removes the field. */
export function setRuleField(config: ConfigDraft, index: number, field: RuleField, value: string): ConfigDraft {
  const next = copy(config);
  const rules = rulesOf(next);
  if (!Array.isArray(next.rules) || index < 0 || index >= rules.length) return config;
  const rule: Record<string, unknown> = isObject(rules[index]) ? (rules[index] as Record<string, unknown>) : {};
  rules[index] = rule;
  if (field === 'name' || field === 'route') {
    if (value.trim() === '' && field === 'name') delete rule.name;
    else rule[field] = value.trim();
    return next;
  }
  const match: Record<string, unknown> = isObject(rule.match) ? rule.match : {};
  rule.match = match;
  if (value.trim() === '' || value === 'any') {
    delete match[field];
  } else if (field === 'tools' || field === 'images') {
    match[field] = value === 'yes';
  } else if (field === 'minInputTokens' || field === 'maxInputTokens') {
    match[field] = numberOrText(value);
  } else if (field === 'headers') {
    match.headers = parseHeaders(value);
  } else {
    match[field] = value.trim();
  }
  return next;
}

/** Appends a rule that matches every model and takes `route` (the first route when not given). */
export function addRule(config: ConfigDraft, route?: string): ConfigDraft {
  const next = copy(config);
  const rules = Array.isArray(next.rules) ? next.rules : [];
  next.rules = rules;
  rules.push({ name: `rule ${rules.length + 1}`, match: { model: '*' }, route: route ?? routeChoices(config)[0]?.value ?? '' });
  return next;
}

/** Removes a rule. */
export function removeRule(config: ConfigDraft, index: number): ConfigDraft {
  if (!Array.isArray(config.rules) || index < 0 || index >= config.rules.length) return config;
  const next = copy(config);
  (next.rules as unknown[]).splice(index, 1);
  return next;
}

/** Moves a rule up (`offset` -1) or down (+1); rule order is match order. */
export function moveRule(config: ConfigDraft, index: number, offset: number): ConfigDraft {
  return moveItem(config, 'rules', index, offset);
}

function moveItem(config: ConfigDraft, field: string, index: number, offset: number): ConfigDraft {
  const list = config[field];
  const target = index + offset;
  if (!Array.isArray(list) || index < 0 || index >= list.length || target < 0 || target >= list.length) return config;
  const next = copy(config);
  const items = next[field] as unknown[];
  const [item] = items.splice(index, 1);
  items.splice(target, 0, item);
  return next;
}

function routesObject(config: ConfigDraft): Record<string, unknown> {
  return isObject(config.routes) ? config.routes : {};
}

/** The routes of a config, in the order they are written. */
export function routesOf(config: ConfigDraft): RouteForm[] {
  return Object.entries(routesObject(config)).map(([name, route]) => {
    const entry = isObject(route) ? route : {};
    return {
      name,
      strategy: text(entry.strategy),
      targets: Array.isArray(entry.targets) ? entry.targets.map(text) : [],
      hedgeMs: text(entry.hedgeMs),
      weights: Array.isArray(entry.weights) ? entry.weights.map(text) : [],
      cache: isObject(entry.cache) && typeof entry.cache.enabled === 'boolean' ? (entry.cache.enabled ? 'on' : 'off') : 'inherit',
    };
  });
}

/** Where a route field lives, as ConfigProblem paths name it (`routes.fast.targets[1]`). */
export function routeFieldPath(name: string, field?: 'strategy' | 'targets' | 'hedgeMs' | 'weights', index?: number): string {
  const base = `routes.${name}`;
  if (field === undefined) return base;
  return index === undefined ? `${base}.${field}` : `${base}.${field}[${index}]`;
}

function updateRoute(config: ConfigDraft, name: string, change: (route: Record<string, unknown>) => void): ConfigDraft {
  if (!Object.hasOwn(routesObject(config), name)) return config;
  const next = copy(config);
  const routes = next.routes as Record<string, unknown>;
  const route: Record<string, unknown> = isObject(routes[name]) ? (routes[name] as Record<string, unknown>) : {};
  routes[name] = route;
  change(route);
  return next;
}

/** Sets a route's strategy; `race`/`split` specific fields stay (the proxy ignores them otherwise). */
export function setRouteStrategy(config: ConfigDraft, name: string, strategy: string): ConfigDraft {
  return updateRoute(config, name, (route) => {
    route.strategy = strategy;
  });
}

/** Turns the response cache on or off for a route, or back to the top-level setting; other cache settings stay. */
export function setRouteCache(config: ConfigDraft, name: string, choice: RouteCacheChoice): ConfigDraft {
  return updateRoute(config, name, (route) => {
    const cache: Record<string, unknown> = isObject(route.cache) ? { ...route.cache } : {};
    if (choice === 'inherit') delete cache.enabled;
    else cache.enabled = choice === 'on';
    if (Object.keys(cache).length === 0) delete route.cache;
    else route.cache = cache;
  });
}

/** Sets a race route's hedge delay; empty removes it. */
export function setRouteHedge(config: ConfigDraft, name: string, value: string): ConfigDraft {
  return updateRoute(config, name, (route) => {
    if (value.trim() === '') delete route.hedgeMs;
    else route.hedgeMs = numberOrText(value);
  });
}

/** Sets one target; an empty value is kept so the list keeps its shape while typing. */
export function setRouteTarget(config: ConfigDraft, name: string, index: number, value: string): ConfigDraft {
  return updateRoute(config, name, (route) => {
    const targets = Array.isArray(route.targets) ? route.targets : [];
    route.targets = targets;
    if (index >= 0 && index <= targets.length) targets[index] = value.trim();
  });
}

/** Appends a target (and a weight of 1 when the route has weights, which must pair up). */
export function addRouteTarget(config: ConfigDraft, name: string, value = ''): ConfigDraft {
  return updateRoute(config, name, (route) => {
    const targets = Array.isArray(route.targets) ? route.targets : [];
    route.targets = [...targets, value];
    if (Array.isArray(route.weights)) route.weights = [...route.weights, 1];
  });
}

/** Removes a target and its weight. */
export function removeRouteTarget(config: ConfigDraft, name: string, index: number): ConfigDraft {
  return updateRoute(config, name, (route) => {
    if (Array.isArray(route.targets)) route.targets.splice(index, 1);
    if (Array.isArray(route.weights)) route.weights.splice(index, 1);
  });
}

/** Moves a target (and its weight) up or down; order matters for fallback and race. */
export function moveRouteTarget(config: ConfigDraft, name: string, index: number, offset: number): ConfigDraft {
  return updateRoute(config, name, (route) => {
    for (const field of ['targets', 'weights']) {
      const list = route[field];
      const target = index + offset;
      if (!Array.isArray(list) || index >= list.length || target < 0 || target >= list.length) continue;
      const [item] = list.splice(index, 1);
      list.splice(target, 0, item);
    }
  });
}

/** Sets a split route's weight for one target, creating weights of 1 for the others if missing. */
export function setRouteWeight(config: ConfigDraft, name: string, index: number, value: string): ConfigDraft {
  return updateRoute(config, name, (route) => {
    const count = Array.isArray(route.targets) ? route.targets.length : 0;
    const weights: unknown[] = Array.isArray(route.weights) ? route.weights : Array.from({ length: count }, () => 1);
    route.weights = weights;
    if (index >= 0 && index < Math.max(count, weights.length)) weights[index] = numberOrText(value);
  });
}

/** Adds an empty fallback route with an unused name. */
export function addRoute(config: ConfigDraft): { config: ConfigDraft; name: string } {
  const routes = routesObject(config);
  let number = Object.keys(routes).length + 1;
  while (Object.hasOwn(routes, `route-${number}`)) number++;
  const name = `route-${number}`;
  const next = copy(config);
  next.routes = { ...routesObject(next), [name]: { strategy: 'fallback', targets: [] } };
  return { config: next, name };
}

/** Removes a route (rules that name it are left for the proxy's validation to point out). */
export function removeRoute(config: ConfigDraft, name: string): ConfigDraft {
  if (!Object.hasOwn(routesObject(config), name)) return config;
  const next = copy(config);
  delete (next.routes as Record<string, unknown>)[name];
  return next;
}

/**
 * Renames a route, keeping its place among the routes, and updates the rules that named it
 * (they mean the route, not the old string). A name already taken or empty changes nothing.
 */
export function renameRoute(config: ConfigDraft, from: string, to: string): ConfigDraft {
  const routes = routesObject(config);
  const name = to.trim();
  if (name === '' || name === from || !Object.hasOwn(routes, from) || Object.hasOwn(routes, name)) return config;
  const next = copy(config);
  next.routes = Object.fromEntries(Object.entries(routesObject(next)).map(([key, value]) => [key === from ? name : key, value]));
  for (const rule of rulesOf(next)) if (isObject(rule) && rule.route === from) rule.route = name;
  return next;
}

/** What a rule's route can name besides a free `provider/model`: the routes, then the aliases. */
export function routeChoices(config: ConfigDraft): RouteChoice[] {
  const choices: RouteChoice[] = routesOf(config).map((route) => ({
    value: route.name,
    kind: 'route',
    description: `${route.strategy || '?'}: ${route.targets.join(', ')}`,
  }));
  const aliases = isObject(config.aliases) ? config.aliases : {};
  for (const [name, target] of Object.entries(aliases)) {
    if (!choices.some((choice) => choice.value === name)) choices.push({ value: name, kind: 'alias', description: text(target) });
  }
  return choices;
}
