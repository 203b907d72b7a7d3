/**
 * Messages between the extension host and the Switchyard panel (a webview). Declared once,
 * imported with `import type` by both sides, and checked on receipt with the guards below:
 * a webview is untrusted input to the host, and the host's messages cross a process boundary.
 * The webview never talks to the network (its CSP forbids it); the host relays the proxy's
 * control API.
 */
import type {
  AccessKeyInfo,
  AggregateRow,
  BudgetInfo,
  CallContent,
  ConfigProblem,
  DoorRefusalNotice,
  RequestRecord,
} from '../proxy/control/protocol';

export type { AccessKeyInfo, AggregateRow, BudgetInfo, CallContent, ConfigProblem, DoorRefusalNotice, RequestRecord } from '../proxy/control/protocol';
export type { CanonicalResponse } from '../proxy/core/response';

/** A recorded request sent again to another model ("Replay with…"), and how it went. */
export interface ReplayAnswer {
  /** The model or route it was sent to. */
  model: string;
  status: number;
  /** The answer's text (tool calls as `name(arguments)`), when it succeeded. */
  text?: string;
  error?: string;
  costUsd: number | null;
  latencyMs: number;
  /** The replay's own record. */
  requestId?: string;
}
/** The decision record inside a RequestRecord, which the panel's detail pane shows field by field. */
export type { AttemptDecision, CandidateDecision, DecisionRecord } from '../proxy/routing/decision';

/** What the panel shows about the proxy process. */
export interface ProxyStatus {
  state: 'starting' | 'running' | 'stopped' | 'crashed' | 'unreachable';
  port: number;
  /** Why it stopped or crashed, or what the user can do, in one sentence. */
  detail?: string;
  /** True when this window started the proxy, false when it attached to a running one. */
  owned?: boolean;
  /** A running proxy's health problems (`degraded`): e.g. its request log cannot be written. */
  problems?: string[];
  /**
   * Set while the window uses a team proxy (setting `switchyard.teamProxyUrl`) instead of its own:
   * its base URL, and whether it refused the access key (revoked, or not its key).
   */
  team?: { url: string; keyRejected?: boolean };
}

/** The routing part of the config the rules editor edits, and where it is saved. */
export interface ConfigSnapshot {
  /** The config file; absent when the proxy runs without one (the editor is read-only then). */
  file?: string;
  /** The file's JSON as written (routes, rules, aliases, … — defaults not filled in). */
  config: Record<string, unknown>;
  /** Problems of the file on disk, when it failed to load and the last good config is in force. */
  problems: ConfigProblem[];
  /** Why the rules cannot be edited from this window (a team proxy's config), shown instead of the editor's actions. */
  readOnlyReason?: string;
  /**
   * The config's revision (the proxy's ETag): a save names the revision its draft started from,
   * and the proxy refuses it when someone saved since. Absent from proxies before ETags.
   */
  revision?: string;
}

/** What the first screen needs to guide a new user: which providers have keys. */
export interface SetupState {
  /** Providers whose key is in force (keychain or environment), e.g. `['anthropic']`. */
  providersWithKeys: string[];
  /** Whether the request log holds any request, whatever the date range. */
  hasRequests?: boolean;
}

/**
 * The commands the panel's buttons may run, and nothing else: the host runs only these.
 * (Set Provider Key, Copy Connection Settings, Configure a Tool, Send Test Request, Open
 * Config File.)
 */
export const panelCommands = [
  'switchyard.setProviderKey',
  'switchyard.copyConnectionSettings',
  'switchyard.configureTool',
  'switchyard.sendTestRequest',
  'switchyard.openConfigFile',
] as const;

export type PanelCommand = (typeof panelCommands)[number];

/** A time range of the log, both ends inclusive, in ms since the epoch; an end left out is open. */
export interface TimeWindow {
  since?: number;
  until?: number;
}

/**
 * Spend and latency over the panel's date range for the charts: one row per day (`key` is
 * `YYYY-MM-DD`), and each day's rows per provider and per model (`subKey`) for the stacked
 * spend chart.
 */
export interface ChartData {
  days: AggregateRow[];
  byProvider?: AggregateRow[];
  byModel?: AggregateRow[];
  /** The range these totals cover. */
  range?: TimeWindow;
}

/** The Budgets & Keys tab: every budget with its spend, every named key, and this month's spend per key id. */
export interface GovernanceData {
  budgets: BudgetInfo[];
  keys: AccessKeyInfo[];
  /** This month's totals by key id (`key` is the `key_…` id). */
  keySpend: AggregateRow[];
  /**
   * On a team proxy: the keys are its admin's to list and change (they need the control token),
   * so instead of the table the tab says so; the budgets are those that name the user's key.
   */
  team?: { url: string };
}

/** Host → webview. */
export type HostMessage =
  /** Everything the panel needs after it says `ready` (and again after the proxy restarts). */
  | { type: 'snapshot'; status: ProxyStatus; records: RequestRecord[]; hasMore: boolean; config: ConfigSnapshot; charts: ChartData; setup?: SetupState; refusals?: DoorRefusalNotice[] }
  /** Calls refused at the front door (no or wrong local key…), every kind so far. */
  | { type: 'refusals'; refusals: DoorRefusalNotice[] }
  /** A provider key was set or removed. */
  | { type: 'setup'; setup: SetupState }
  /** The answer to `pick-model`: the `provider/model` chosen, or none when dismissed. */
  | { type: 'model-picked'; requestId: number; model?: string }
  /** Older records, answering `load-more`. */
  | { type: 'older-records'; records: RequestRecord[]; hasMore: boolean }
  /** The records of a new date range, answering `set-range` (the charts follow in `charts`). */
  | { type: 'records'; records: RequestRecord[]; hasMore: boolean; range: TimeWindow }
  /** How an export went: written (to `file`), cancelled, or failed (`error`). */
  | { type: 'export-result'; written?: number; file?: string; error?: string }
  /** A request finished (relayed live from the proxy's event stream). */
  | { type: 'request'; record: RequestRecord }
  | { type: 'status'; status: ProxyStatus }
  | { type: 'charts'; charts: ChartData }
  /** Budgets and keys, after the snapshot and as calls finish. */
  | { type: 'governance'; governance: GovernanceData }
  /** The config changed on disk or was saved from any window. */
  | { type: 'config'; config: ConfigSnapshot }
  /**
   * The answer to `validate-config` or `save-config`; `requestId` echoes the request's. A save
   * refused because the config changed since `ifRevision` has `conflict` (nothing was written,
   * and a `config` message with the current config came first); `revision` is the config's
   * revision now: after a save, the saved one's.
   */
  | { type: 'config-result'; requestId: number; saved: boolean; problems: ConfigProblem[]; conflict?: boolean; revision?: string }
  /** Show this request's detail (the sidebar or a command asked for it). */
  | { type: 'show-request'; id: string }
  /** A full record, answering `open-request` (or undefined when the log no longer has it). */
  | { type: 'request-detail'; id: string; record?: RequestRecord }
  /** What the audit log kept of the request, after `request-detail` (undefined: nothing was kept). */
  | { type: 'request-content'; id: string; content?: CallContent }
  /** A replay of request `id` finished (or could not be made: `error`). */
  | { type: 'replay-result'; id: string; replay?: ReplayAnswer; error?: string };

/** Webview → host. */
export type WebviewMessage =
  /** The panel is listening; `range` is the date range it shows (restored from its state). */
  | { type: 'ready'; range?: TimeWindow }
  /** The user chose another date range: the request list and the charts follow. */
  | { type: 'set-range'; range: TimeWindow }
  /**
   * "Export…": the host asks for the format and the file, then writes the records of the
   * range that match the filter box (the same matching as the table's).
   */
  | { type: 'export'; range: TimeWindow; filter: string }
  | { type: 'load-more'; before: number }
  | { type: 'open-request'; id: string }
  /** "Replay with…" on a request's detail: the host asks for the model and sends it. */
  | { type: 'replay'; id: string }
  | { type: 'validate-config'; requestId: number; config: Record<string, unknown> }
  /** Saves the config; with `ifRevision` only if the config is still that revision (else a conflict). */
  | { type: 'save-config'; requestId: number; config: Record<string, unknown>; ifRevision?: string }
  /** A button of the panel: runs one of {@link panelCommands}. */
  | { type: 'run-command'; command: PanelCommand }
  /** Asks the host for VS Code's curated model picker (grouped by provider, keyed first). */
  | { type: 'pick-model'; requestId: number; current?: string };

type Tagged = { type: unknown } & Record<string, unknown>;

function isTagged(value: unknown): value is Tagged {
  return typeof value === 'object' && value !== null && typeof (value as Tagged).type === 'string';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTime(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
}

/** A time window with whole, non-negative times, `since` not after `until`. */
export function isTimeWindow(value: unknown): value is TimeWindow {
  if (!isPlainObject(value) || !isTime(value.since) || !isTime(value.until)) return false;
  return value.since === undefined || value.until === undefined || (value.since as number) <= (value.until as number);
}

/** Checks a message from the webview before the host acts on it. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isTagged(value)) return false;
  switch (value.type) {
    case 'ready':
      return value.range === undefined || isTimeWindow(value.range);
    case 'set-range':
      return isTimeWindow(value.range);
    case 'export':
      return isTimeWindow(value.range) && typeof value.filter === 'string' && value.filter.length <= 1000;
    case 'load-more':
      return Number.isFinite(value.before);
    case 'open-request':
    case 'replay':
      return typeof value.id === 'string' && value.id.length > 0 && value.id.length <= 200;
    case 'validate-config':
      return Number.isInteger(value.requestId) && isPlainObject(value.config);
    case 'save-config':
      return Number.isInteger(value.requestId) && isPlainObject(value.config) && (value.ifRevision === undefined || (typeof value.ifRevision === 'string' && value.ifRevision.length > 0 && value.ifRevision.length <= 200));
    case 'run-command':
      return (panelCommands as readonly unknown[]).includes(value.command);
    case 'pick-model':
      return Number.isInteger(value.requestId) && (value.current === undefined || (typeof value.current === 'string' && value.current.length <= 300));
    default:
      return false;
  }
}

/** Checks a message from the host; the webview ignores anything else. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (!isTagged(value)) return false;
  switch (value.type) {
    case 'snapshot':
      return isPlainObject(value.status) && Array.isArray(value.records) && isPlainObject(value.config) && isPlainObject(value.charts);
    case 'older-records':
      return Array.isArray(value.records);
    case 'records':
      return Array.isArray(value.records) && isTimeWindow(value.range);
    case 'export-result':
      return true;
    case 'request':
      return isPlainObject(value.record);
    case 'status':
      return isPlainObject(value.status);
    case 'charts':
      return isPlainObject(value.charts);
    case 'governance':
      return isPlainObject(value.governance) && Array.isArray(value.governance.budgets) && Array.isArray(value.governance.keys) && Array.isArray(value.governance.keySpend);
    case 'refusals':
      return Array.isArray(value.refusals);
    case 'setup':
      return isPlainObject(value.setup);
    case 'model-picked':
      return Number.isInteger(value.requestId) && (value.model === undefined || typeof value.model === 'string');
    case 'config':
      return isPlainObject(value.config);
    case 'config-result':
      return Number.isInteger(value.requestId) && Array.isArray(value.problems);
    case 'show-request':
    case 'request-detail':
    case 'request-content':
    case 'replay-result':
      return typeof value.id === 'string';
    default:
      return false;
  }
}
