/**
 * The Switchyard panel's entry point: builds the four tabs, restores the saved UI state,
 * says `ready` to the extension host and routes the host's (checked) messages to the views.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import type { VscodeBadge } from '@vscode-elements/elements/dist/vscode-badge/vscode-badge.js';
import type { VscodeTabs } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import './panel.css';
import { isHostMessage, type ChartData, type ConfigProblem, type ConfigSnapshot, type DoorRefusalNotice, type HostMessage, type ProxyStatus, type WebviewMessage } from './protocol';
import { isRequestRecord } from './request-list';
import { followProxy, panelTabs, parsePanelState, type PanelTab } from './panel-state';
import { loadState, postToHost, saveState } from './host';
import { formatCount } from './format';
import { codicon, element, replaceChildren } from './views/dom';
import { ChartsView } from './views/charts-view';
import { RequestsView } from './views/requests-view';
import { RulesView } from './views/rules-view';
import { GovernanceView } from './views/governance-view';
import { RangePicker } from './views/range-picker';
import { describeRange, rangeWindow, type DateRangeChoice } from './date-range';

// vscode-elements' icons copy the codicon stylesheet into their shadow roots and find it by
// this id; the host links it, so give the link the id whatever the host called it.
const codiconLink = document.querySelector<HTMLLinkElement>('link[href*="codicon"]');
if (codiconLink && !document.getElementById('vscode-codicon-stylesheet')) codiconLink.id = 'vscode-codicon-stylesheet';

const state = parsePanelState(loadState());
const persist = (): void => saveState(state);
let nextRequestId = 1;
/** Model pickers the host has open, by request id. */
const pendingPicks = new Map<number, (model: string | undefined) => void>();

function send(message: WebviewMessage): void {
  postToHost(message);
}

/** The one date range both tabs show; each tab has its own picker on it. */
function chooseRange(choice: DateRangeChoice): void {
  state.range = choice;
  persist();
  for (const picker of rangePickers) picker.set(choice);
  const window = rangeWindow(choice, Date.now());
  requests.setRange(window, describeRange(choice));
  send({ type: 'set-range', range: window });
}
const rangePickers = [new RangePicker(state.range, chooseRange), new RangePicker(state.range, chooseRange)];

const requests = new RequestsView({
  filter: state.filter,
  rangePicker: rangePickers[0]!.root,
  onExport(filter) {
    send({ type: 'export', range: rangeWindow(state.range, Date.now()), filter });
  },
  onFilterChange(filter) {
    state.filter = filter;
    persist();
  },
  onReplay(id) {
    send({ type: 'replay', id });
  },
  onSelect(id) {
    state.selectedRequestId = id;
    persist();
    if (id !== undefined) send({ type: 'open-request', id });
  },
  onLoadMore(before) {
    send({ type: 'load-more', before });
  },
  onCommand(command) {
    send({ type: 'run-command', command });
  },
});
const charts = new ChartsView({
  rangePicker: rangePickers[1]!.root,
  spendBy: state.spendBy,
  onSpendByChange(spendBy) {
    state.spendBy = spendBy;
    persist();
  },
});
requests.setRange(rangeWindow(state.range, Date.now()), describeRange(state.range));
const governance = new GovernanceView();
const rules = new RulesView({
  mode: state.rulesMode,
  draft: state.draft,
  onStateChange(mode, draft) {
    state.rulesMode = mode;
    state.draft = draft;
    persist();
  },
  validate(config) {
    const requestId = nextRequestId++;
    send({ type: 'validate-config', requestId, config });
    return requestId;
  },
  save(config, ifRevision) {
    const requestId = nextRequestId++;
    send({ type: 'save-config', requestId, config, ...(ifRevision === undefined ? {} : { ifRevision }) });
    return requestId;
  },
  openConfigFile() {
    send({ type: 'run-command', command: 'switchyard.openConfigFile' });
  },
  pickModel(current) {
    const requestId = nextRequestId++;
    send({ type: 'pick-model', requestId, current });
    return new Promise((resolve) => pendingPicks.set(requestId, resolve));
  },
});

const requestCount = element('vscode-badge', { variant: 'counter', className: 'tab-badge' }) as VscodeBadge;
const statusLine = element('div', { slot: 'addons', className: 'proxy-status', attrs: { role: 'status', 'aria-live': 'polite' } });
const tabLabels: Readonly<Record<PanelTab, string>> = { requests: 'Requests', charts: 'Charts', rules: 'Rules', governance: 'Budgets & Keys' };
const views: Readonly<Record<PanelTab, HTMLElement>> = { requests: requests.root, charts: charts.root, rules: rules.root, governance: governance.root };
const headers = panelTabs.map((tab) => element('vscode-tab-header', { slot: 'header', id: `tab-${tab}` }, [tabLabels[tab], tab === 'requests' ? requestCount : null]));
const panels = panelTabs.map((tab) => element('vscode-tab-panel', { panel: true }, [views[tab]]));
const tabs = element('vscode-tabs', { panel: true, selectedIndex: panelTabs.indexOf(state.tab) }, [
  ...panelTabs.flatMap((_, index) => [headers[index], panels[index]]),
  statusLine,
]) as VscodeTabs;
// vscode-tabs renames its headers (`t1-h0`) for ARIA; the stable ids `tab-requests`, … that
// UI tests and users' keybinding scripts rely on are put back, and the panels point at them.
function keepTabIds(): void {
  headers.forEach((header, index) => {
    const id = `tab-${panelTabs[index]}`;
    if (header.id !== id) header.id = id;
    if (panels[index].ariaLabelledby !== id) panels[index].ariaLabelledby = id;
  });
}
new MutationObserver(keepTabIds).observe(tabs, { subtree: true, attributes: true, attributeFilter: ['id', 'aria-labelledby'] });
tabs.addEventListener('vsc-tabs-select', (event) => {
  state.tab = panelTabs[event.detail.selectedIndex] ?? 'requests';
  persist();
});
document.getElementById('app')?.replaceChildren(tabs);

function showTab(tab: PanelTab): void {
  state.tab = tab;
  tabs.selectedIndex = panelTabs.indexOf(tab);
  persist();
}

function showStatus(status: ProxyStatus): void {
  const team = typeof status.team?.url === 'string' ? status.team.url : undefined;
  const before = state.proxy;
  // Another proxy's log: the request selected on the one before is not in it.
  if (followProxy(state, status)) requests.select(undefined);
  if (state.proxy !== before) persist();
  requests.setSetup({ port: status.port, teamUrl: team });
  const icons: Record<ProxyStatus['state'], string> = {
    starting: 'loading',
    running: 'circle-filled',
    stopped: 'circle-outline',
    crashed: 'error',
    unreachable: 'warning',
  };
  const words: Record<ProxyStatus['state'], string> = {
    starting: 'Starting',
    running: 'Running',
    stopped: 'Stopped',
    crashed: 'Crashed',
    unreachable: 'Unreachable',
  };
  const where = team !== undefined ? ` — team proxy ${team}` : status.state === 'running' ? ` on 127.0.0.1:${status.port}${status.owned === false ? ' (attached)' : ''}` : '';
  // A running proxy can still be unwell: its request log unable to record, say.
  const problems = status.state === 'running' && Array.isArray(status.problems) ? status.problems.filter((problem) => typeof problem === 'string') : [];
  const degraded = problems.length > 0;
  statusLine.className = `proxy-status state-${degraded ? 'degraded' : status.state}`;
  statusLine.title = degraded ? problems.join(' ') : (status.detail ?? '');
  replaceChildren(statusLine, [
    codicon(degraded ? 'warning' : (icons[status.state] ?? 'circle-outline')),
    element('span', {}, [`Proxy ${degraded ? 'Degraded' : (words[status.state] ?? status.state)}${where}`]),
    degraded ? element('span', { className: 'status-detail' }, [` — ${problems.join(' ')}`]) : status.detail && status.state !== 'running' ? element('span', { className: 'status-detail' }, [` — ${status.detail}`]) : null,
  ]);
}

function updateCount(): void {
  requestCount.textContent = formatCount(requests.count);
  requestCount.hidden = requests.count === 0;
  charts.setRecords(requests.all);
}

/** The host's config snapshot with the shapes the editor relies on. */
function configOf(snapshot: ConfigSnapshot): ConfigSnapshot {
  const config = typeof snapshot.config === 'object' && snapshot.config !== null && !Array.isArray(snapshot.config) ? snapshot.config : {};
  return {
    file: typeof snapshot.file === 'string' ? snapshot.file : undefined,
    config,
    problems: problemsOf(snapshot.problems),
    ...(typeof snapshot.readOnlyReason === 'string' ? { readOnlyReason: snapshot.readOnlyReason } : {}),
    ...(typeof snapshot.revision === 'string' && snapshot.revision !== '' ? { revision: snapshot.revision } : {}),
  };
}

function problemsOf(problems: unknown): ConfigProblem[] {
  if (!Array.isArray(problems)) return [];
  return problems.filter((problem): problem is ConfigProblem => typeof problem?.path === 'string' && typeof problem.message === 'string');
}

function refusalsOf(refusals: unknown): DoorRefusalNotice[] {
  if (!Array.isArray(refusals)) return [];
  return refusals.filter((notice): notice is DoorRefusalNotice => typeof notice?.reason === 'string' && typeof notice.count === 'number' && typeof notice.label === 'string' && typeof notice.fix === 'string');
}

function chartsOf(data: ChartData): ChartData {
  const rows = (value: unknown) => (Array.isArray(value) ? value.filter((row) => typeof row === 'object' && row !== null) : []);
  const range = typeof data.range === 'object' && data.range !== null ? data.range : rangeWindow(state.range, Date.now());
  return { days: rows(data.days), byProvider: rows(data.byProvider), byModel: rows(data.byModel), range };
}

function setupOf(setup: unknown): { providersWithKeys?: string[]; hasRequests?: boolean } {
  if (typeof setup !== 'object' || setup === null) return {};
  const { providersWithKeys, hasRequests } = setup as Record<string, unknown>;
  return {
    ...(Array.isArray(providersWithKeys) ? { providersWithKeys: providersWithKeys.filter((id): id is string => typeof id === 'string') } : {}),
    ...(typeof hasRequests === 'boolean' ? { hasRequests } : {}),
  };
}

function handle(message: HostMessage): void {
  switch (message.type) {
    case 'snapshot':
      showStatus(message.status);
      requests.setRecords(message.records.filter(isRequestRecord), message.hasMore === true);
      charts.setCharts(chartsOf(message.charts));
      rules.setSnapshot(configOf(message.config));
      requests.setSetup(setupOf(message.setup));
      requests.setRefusals(refusalsOf(message.refusals));
      updateCount();
      if (state.selectedRequestId !== undefined) {
        requests.select(state.selectedRequestId);
        send({ type: 'open-request', id: state.selectedRequestId });
      }
      return;
    case 'records':
      requests.setRecords(message.records.filter(isRequestRecord), message.hasMore === true);
      updateCount();
      return;
    case 'export-result':
      requests.showExport({
        written: typeof message.written === 'number' ? message.written : undefined,
        file: typeof message.file === 'string' ? message.file : undefined,
        error: typeof message.error === 'string' ? message.error : undefined,
      });
      return;
    case 'older-records':
      requests.addOlder(message.records.filter(isRequestRecord), message.hasMore === true);
      updateCount();
      return;
    case 'request':
      if (!isRequestRecord(message.record)) return;
      requests.addLive(message.record);
      updateCount();
      return;
    case 'status':
      showStatus(message.status);
      return;
    case 'refusals':
      requests.setRefusals(refusalsOf(message.refusals));
      return;
    case 'setup':
      requests.setSetup(setupOf(message.setup));
      return;
    case 'charts':
      charts.setCharts(chartsOf(message.charts));
      return;
    case 'governance':
      governance.setData(message.governance);
      return;
    case 'config':
      rules.setSnapshot(configOf(message.config));
      return;
    case 'config-result':
      rules.onResult(message.requestId, message.saved === true, problemsOf(message.problems), {
        conflict: message.conflict === true,
        revision: typeof message.revision === 'string' && message.revision !== '' ? message.revision : undefined,
      });
      return;
    case 'show-request':
      showTab('requests');
      state.selectedRequestId = message.id;
      persist();
      requests.select(message.id);
      send({ type: 'open-request', id: message.id });
      return;
    case 'model-picked':
      pendingPicks.get(message.requestId)?.(typeof message.model === 'string' ? message.model : undefined);
      pendingPicks.delete(message.requestId);
      return;
    case 'request-detail':
      requests.showDetail(message.id, isRequestRecord(message.record) ? message.record : undefined);
      return;
    case 'request-content':
      requests.showContent(message.id, typeof message.content === 'object' && message.content !== null ? message.content : undefined);
      return;
    case 'replay-result':
      requests.showReplay(message.id, typeof message.replay === 'object' && message.replay !== null ? message.replay : undefined, typeof message.error === 'string' ? message.error : undefined);
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isHostMessage(event.data)) handle(event.data);
});
send({ type: 'ready', range: rangeWindow(state.range, Date.now()) });
