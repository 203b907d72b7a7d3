/**
 * Stands in for the extension host in the preview page: defines `acquireVsCodeApi`, answers
 * the panel's messages from the fixtures, checks configs roughly as the proxy does, and sends
 * a live request every second (unless the page URL has `live=0`). Runs before dist/webview.js.
 * Written against a minimal window type so the repository's Node-only type check covers it.
 */
import type { AggregateRow, ChartData, ConfigProblem, HostMessage, TimeWindow, WebviewMessage } from '../../../webview/protocol';
import { previewCharts, previewConfig, previewContent, previewLiveRecord, previewRecords, previewReplay } from './fixtures';

interface PreviewWindow {
  acquireVsCodeApi?: () => { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };
  postMessage(message: unknown, targetOrigin: string): void;
  location: { search: string };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  document: { documentElement: { dataset: Record<string, string | undefined>; className: string } };
  /** What the panel sent, and a way to send it a host message, for the screenshot script. */
  switchyardPreview?: { sent: WebviewMessage[]; send(message: HostMessage): void; saveElsewhere(change: Record<string, unknown>): void; release(): void };
}

const page = globalThis as unknown as PreviewWindow;
const parameters = new URLSearchParams(page.location.search);
const theme = parameters.get('theme') === 'light' ? 'light' : 'dark';
page.document.documentElement.dataset.theme = theme;
// VS Code marks the webview's body with the theme kind; the preview marks the root.
page.document.documentElement.className = theme === 'light' ? 'vscode-light' : 'vscode-dark';

const now = Date.now();
let records = previewRecords(now);
// `file=none` previews the read-only editor of a proxy started without a config file.
let config = parameters.get('file') === 'none' ? { ...previewConfig(), file: undefined } : previewConfig();
// `team=1` previews a window on a team proxy: its rules are the admin's, not shown here.
const teamUrl = parameters.get('team') === '1' ? 'https://switchyard.example.com' : undefined;
if (teamUrl !== undefined) {
  config = { config: {}, problems: [], readOnlyReason: `The rules are in the config of the team proxy ${teamUrl}, which only its admin can read and change: with "switchyard config pull" and "switchyard config push" on the team's PostgreSQL, or with the proxy's control token (docs/team.md). Your access key reads your own requests, spend and budgets, so there is no Form or JSON of the rules to show here.` };
}
// `empty=1` previews a first start: no requests yet, and a proxy that stopped.
// `first=1` previews the very first screen: a running proxy, no key, no request yet.
const first = parameters.get('first') === '1';
const empty = parameters.get('empty') === '1' || first;
// `refused=1` adds calls refused at the front door (a tool set up without the local key).
const refused = parameters.get('refused') === '1';
// `spend=tiny` previews a few cheap test calls a day, where axis labels need many decimals.
const tinySpend = parameters.get('spend') === 'tiny';
const sent: WebviewMessage[] = [];

// `delay=<ms>` answers slowly, like a host still connecting to the proxy; `delay=hold` answers
// nothing until `switchyardPreview.release()`, so a test sees the panel before its data however
// slow the machine is.
const holding = parameters.get('delay') === 'hold';
const delayMs = holding ? 20 : Number(parameters.get('delay') ?? 20);
let held: HostMessage[] | undefined = holding ? [] : undefined;

function scaleSpend(charts: ReturnType<typeof previewCharts>, factor: number): ReturnType<typeof previewCharts> {
  const scale = (rows: AggregateRow[] | undefined): AggregateRow[] => (rows ?? []).map((row) => ({ ...row, costUsd: row.costUsd * factor }));
  return { days: scale(charts.days), byProvider: scale(charts.byProvider), byModel: scale(charts.byModel) };
}

/** The window the panel asked for (like the host, which reads the control API with it). */
let window: TimeWindow = {};

function inRange(time: number): boolean {
  return (window.since === undefined || time >= window.since) && (window.until === undefined || time <= window.until);
}

/** The fixture's charts cut to the range: whole days whose noon falls inside it. */
function chartsInRange(): ChartData {
  const all = empty ? { days: [] } : tinySpend ? scaleSpend(previewCharts(now), 0.00006) : previewCharts(now);
  const keep = (rows: AggregateRow[] | undefined): AggregateRow[] =>
    (rows ?? []).filter((row) => {
      const [year, month, day] = (row.key ?? '').split('-').map(Number);
      return inRange(new Date(year ?? 0, (month ?? 1) - 1, day ?? 1, 12).getTime()) || (window.since !== undefined && sameDay(window.since, row.key));
    });
  return { days: keep(all.days), byProvider: keep(all.byProvider), byModel: keep(all.byModel), range: window };
}

function sameDay(time: number, key: string | null): boolean {
  const date = new Date(time);
  return key === `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

function toPanel(message: HostMessage): void {
  if (held !== undefined) {
    held.push(message);
    return;
  }
  // Delivered asynchronously, as VS Code does.
  setTimeout(() => page.postMessage(message, '*'), delayMs);
}

let revisions = 0;
/** A new revision of the config, as the proxy's ETag changes with every save. */
function nextRevision(): string {
  revisions += 1;
  return `sha256-preview${String(revisions).padStart(8, '0')}`;
}
if (config.file !== undefined) config = { ...config, revision: nextRevision() };

page.switchyardPreview = {
  sent,
  send: toPanel,
  /** Someone else saves (another window, `switchyard config push`): the config event follows, silently for the draft. */
  saveElsewhere(change) {
    config = { ...config, config: { ...config.config, ...change }, revision: nextRevision() };
    toPanel({ type: 'config', config });
  },
  /** With `delay=hold`: delivers what was held back, and answers at once from now on. */
  release() {
    const messages = held ?? [];
    held = undefined;
    for (const message of messages) toPanel(message);
  },
};

const knownProviders = new Set(['openai', 'anthropic', 'gemini', 'groq', 'cerebras', 'deepinfra', 'mistral', 'xai', 'openrouter', 'together', 'fireworks', 'ollama', 'lmstudio']);
const strategies = ['fallback', 'cheapest', 'fastest', 'race', 'split'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A rough copy of the proxy's checks, enough to exercise the editor's problem display. */
function validate(candidate: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const providers = new Set([...knownProviders, ...Object.keys(isObject(candidate.providers) ? candidate.providers : {})]);
  const routes = isObject(candidate.routes) ? candidate.routes : {};
  const aliases = isObject(candidate.aliases) ? candidate.aliases : {};
  const addressable = (name: unknown): boolean =>
    typeof name === 'string' && (Object.hasOwn(aliases, name) || (name.indexOf('/') > 0 && providers.has(name.slice(0, name.indexOf('/')))));
  for (const [name, route] of Object.entries(routes)) {
    const path = `routes.${name}`;
    if (!isObject(route)) {
      problems.push({ path, message: `${path} must be an object.` });
      continue;
    }
    if (!strategies.includes(String(route.strategy))) problems.push({ path: `${path}.strategy`, message: `${path}.strategy must be one of ${strategies.join(', ')}.` });
    const targets = Array.isArray(route.targets) ? route.targets : [];
    if (targets.length === 0) problems.push({ path: `${path}.targets`, message: `${path}.targets must list at least one provider/model.` });
    targets.forEach((target, index) => {
      if (!addressable(target)) problems.push({ path: `${path}.targets[${index}]`, message: `'${String(target)}' is neither provider/model with a known provider nor an alias.` });
    });
    if (route.hedgeMs !== undefined && !(Number.isInteger(route.hedgeMs) && Number(route.hedgeMs) >= 0)) problems.push({ path: `${path}.hedgeMs`, message: 'hedgeMs must be a whole number of milliseconds.' });
    if (Array.isArray(route.weights) && route.weights.length !== targets.length) problems.push({ path: `${path}.weights`, message: 'weights must have one entry per target.' });
  }
  const rules = candidate.rules;
  if (rules !== undefined && !Array.isArray(rules)) problems.push({ path: 'rules', message: 'rules must be an array of { "match": {…}, "route": "…" }.' });
  (Array.isArray(rules) ? rules : []).forEach((rule, index) => {
    const path = `rules[${index}]`;
    if (!isObject(rule)) return problems.push({ path, message: `${path} must be an object.` });
    const match = isObject(rule.match) ? rule.match : {};
    for (const field of ['minInputTokens', 'maxInputTokens']) {
      if (match[field] !== undefined && !(Number.isInteger(match[field]) && Number(match[field]) >= 0)) {
        problems.push({ path: `${path}.match.${field}`, message: `${path}.match.${field} must be a non-negative integer.` });
      }
    }
    if (typeof rule.route !== 'string' || rule.route === '') problems.push({ path: `${path}.route`, message: `${path}.route: name a route, an alias or provider/model.` });
    else if (!Object.hasOwn(routes, rule.route) && !addressable(rule.route)) {
      problems.push({ path: `${path}.route`, message: `${path}.route: '${rule.route}' is not a route under "routes", an alias, or provider/model with a known provider.` });
    }
    return undefined;
  });
  return problems;
}

function receive(message: WebviewMessage): void {
  sent.push(message);
  switch (message.type) {
    case 'ready':
      window = message.range ?? {};
      toPanel({
        type: 'snapshot',
        status:
          teamUrl !== undefined
            ? { state: 'running', port: 443, owned: false, team: { url: teamUrl } }
            : empty && !first
              ? { state: 'stopped', port: 4141, detail: 'Run "Switchyard: Start Proxy" to start it.' }
              : { state: 'running', port: 4141, owned: true },
        records: empty ? [] : records.filter((record) => inRange(record.time)).slice(0, 25),
        hasMore: !empty && records.filter((record) => inRange(record.time)).length > 25,
        config,
        charts: chartsInRange(),
        setup: { providersWithKeys: first ? [] : ['anthropic', 'openai', 'groq'], hasRequests: !empty },
        refusals: refused
          ? [{ reason: 'no-key', label: 'no local key', count: 3, userAgent: 'claude-cli/2.1.105 (external, cli)', time: now, fix: 'In VS Code run "Switchyard: Copy Connection Settings" and use the local key it copies.' }]
          : [],
      });
      return;
    case 'run-command':
      return;
    case 'set-range': {
      window = message.range;
      const listed = empty ? [] : records.filter((record) => inRange(record.time));
      toPanel({ type: 'records', records: listed.slice(0, 25), hasMore: listed.length > 25, range: window });
      toPanel({ type: 'charts', charts: chartsInRange() });
      return;
    }
    case 'export':
      // The host would ask for a format and a file; the preview says how many it would write.
      toPanel({ type: 'export-result', written: records.filter((record) => inRange(record.time)).length, file: '/home/dev/switchyard-requests.csv' });
      return;
    case 'load-more':
      toPanel({ type: 'older-records', records: records.filter((record) => record.time < message.before && inRange(record.time)).slice(0, 25), hasMore: false });
      return;
    case 'open-request': {
      const record = records.find((entry) => entry.id === message.id);
      toPanel({ type: 'request-detail', id: message.id, record });
      // The audit log kept the first request only: the others show how to turn it on.
      if (record !== undefined) toPanel({ type: 'request-content', id: message.id, content: record === records[0] ? previewContent(record) : undefined });
      return;
    }
    case 'replay':
      toPanel({ type: 'replay-result', id: message.id, replay: previewReplay() });
      return;
    case 'validate-config':
      toPanel({ type: 'config-result', requestId: message.requestId, saved: false, problems: validate(message.config) });
      return;
    case 'save-config': {
      if (message.ifRevision !== undefined && message.ifRevision !== config.revision) {
        // Saved elsewhere since the draft was loaded: the proxy answers 412, the host sends the config in force first.
        toPanel({ type: 'config', config });
        toPanel({ type: 'config-result', requestId: message.requestId, saved: false, problems: [], conflict: true, revision: config.revision });
        return;
      }
      const problems = config.file === undefined ? [{ path: '', message: 'The proxy runs without a config file.' }] : validate(message.config);
      const saved = problems.length === 0;
      if (saved) config = { ...config, config: message.config, problems: [], revision: nextRevision() };
      toPanel({ type: 'config-result', requestId: message.requestId, saved, problems, ...(saved ? { revision: config.revision } : {}) });
      if (saved) toPanel({ type: 'config', config });
      return;
    }
  }
}

page.acquireVsCodeApi = () => ({
  postMessage: (message: unknown) => receive(message as WebviewMessage),
  getState: () => JSON.parse(page.sessionStorage.getItem('panel-state') ?? 'null'),
  setState: (state: unknown) => page.sessionStorage.setItem('panel-state', JSON.stringify(state)),
});

if (parameters.get('live') !== '0' && !empty) {
  let sequence = 0;
  setInterval(() => {
    const record = previewLiveRecord(sequence++, Date.now());
    records = [record, ...records];
    toPanel({ type: 'request', record });
  }, 1000);
}
