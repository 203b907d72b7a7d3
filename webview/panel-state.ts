import { defaultRange, parseRangeChoice, type DateRangeChoice } from './date-range';
import type { ProxyStatus } from './protocol';

/**
 * What the panel keeps in `vscode.setState` so it comes back as it was after being hidden or
 * reloaded: the tab, the selected request, the filter, the date range, how the spend chart is
 * stacked and the rules draft. Records are not kept
 * here; the host sends them again when the panel says `ready`.
 */

export const panelTabs = ['requests', 'charts', 'rules', 'governance'] as const;
export type PanelTab = (typeof panelTabs)[number];
export type RulesMode = 'form' | 'json';
/** What the spend chart's bars are stacked by. */
export type SpendStack = 'provider' | 'model';

/** The rules editor's unsaved work. */
export interface RulesDraftState {
  /** The JSON text as last edited (may not parse, in JSON mode). */
  text: string;
  /** The config text the draft started from, to tell whether the file changed underneath. */
  baseText: string;
  /** The revision of that config, which a save names so it cannot overwrite a newer one unseen. */
  baseRevision?: string;
}

export interface PanelState {
  tab: PanelTab;
  selectedRequestId?: string;
  /**
   * The proxy the panel last showed (see {@link proxyIdentity}): a selection belongs to that
   * proxy's log, so it is dropped when the window moves to another.
   */
  proxy?: string;
  filter: string;
  /** The date range of the request list and the charts. */
  range: DateRangeChoice;
  spendBy: SpendStack;
  rulesMode: RulesMode;
  /** Present only while there are unsaved edits. */
  draft?: RulesDraftState;
}

export function defaultPanelState(): PanelState {
  return { tab: 'requests', filter: '', range: defaultRange, spendBy: 'provider', rulesMode: 'form' };
}

/** Reads saved state defensively: it may come from an older version of the panel. */
export function parsePanelState(value: unknown): PanelState {
  const state = defaultPanelState();
  if (typeof value !== 'object' || value === null) return state;
  const saved = value as Record<string, unknown>;
  if (typeof saved.tab === 'string' && (panelTabs as readonly string[]).includes(saved.tab)) state.tab = saved.tab as PanelTab;
  if (typeof saved.selectedRequestId === 'string' && saved.selectedRequestId !== '') state.selectedRequestId = saved.selectedRequestId;
  if (typeof saved.proxy === 'string' && saved.proxy !== '') state.proxy = saved.proxy;
  if (typeof saved.filter === 'string') state.filter = saved.filter;
  if (saved.rulesMode === 'form' || saved.rulesMode === 'json') state.rulesMode = saved.rulesMode;
  state.range = parseRangeChoice(saved.range);
  if (saved.spendBy === 'provider' || saved.spendBy === 'model') state.spendBy = saved.spendBy;
  const draft = saved.draft as Record<string, unknown> | undefined;
  if (typeof draft === 'object' && draft !== null && typeof draft.text === 'string' && typeof draft.baseText === 'string') {
    state.draft = { text: draft.text, baseText: draft.baseText };
    if (typeof draft.baseRevision === 'string' && draft.baseRevision !== '') state.draft.baseRevision = draft.baseRevision;
  }
  return state;
}

/**
 * Which proxy's log the panel shows: `team <url>` while the window uses a team proxy, else
 * `local <port>` once the local proxy runs; undefined while that is not known yet (starting,
 * stopped), which changes nothing.
 */
export function proxyIdentity(status: Pick<ProxyStatus, 'state' | 'port' | 'team'>): string | undefined {
  if (typeof status.team?.url === 'string') return `team ${status.team.url}`;
  return status.state === 'running' ? `local ${status.port}` : undefined;
}

/**
 * The proxy the window now shows, from its status: records it in the state, and drops the selected
 * request when it was chosen on another proxy (connect, disconnect, a restart on another port) —
 * its id means nothing in this log. Returns whether the selection was dropped.
 */
export function followProxy(state: PanelState, status: Pick<ProxyStatus, 'state' | 'port' | 'team'>): boolean {
  const proxy = proxyIdentity(status);
  if (proxy === undefined || proxy === state.proxy) return false;
  const moved = state.proxy !== undefined && state.selectedRequestId !== undefined;
  state.proxy = proxy;
  if (moved) delete state.selectedRequestId;
  return moved;
}
