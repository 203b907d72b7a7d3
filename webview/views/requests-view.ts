/**
 * The Requests tab: a filter box, the live table of requests (newest on top) and, beside it,
 * the selected request's detail. Rows are plain table rows so the table stays fast at a
 * thousand rows and UI tests can find `tr[data-request-id]` / `td[data-column]`.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { CallContent, DoorRefusalNotice, PanelCommand, ReplayAnswer, RequestRecord, TimeWindow } from '../protocol';
import { inWindow } from '../date-range';
import {
  describeTool,
  describeUnserved,
  describeUsage,
  formatAttempts,
  formatCache,
  formatClient,
  formatCost,
  formatCostExact,
  formatCount,
  formatDuration,
  formatRequestedModel,
  formatRoute,
  formatServed,
  formatShortError,
  formatTime,
  formatTool,
  formatTimestamp,
  formatTokenPair,
  isFailure,
  formatRedactions,
  spentNothing,
} from '../format';
import { appendOlder, insertNewest, matchesFilter, oldestTime } from '../request-list';
import { codicon, element, replaceChildren } from './dom';
import { RequestDetailView } from './request-detail-view';

/** The table's columns; `field` is the stable `data-column` name UI tests use. */
interface Column {
  field: string;
  label: string;
  numeric?: boolean;
  cell(record: RequestRecord): { text: string; title?: string; className?: string; parts?: Array<Node | string> };
}

/**
 * The tool's name, then its version in a quieter span: when the column is narrow the version is
 * what the "…" cuts, never the name. The cell's text stays "Claude Code 2.1.105".
 */
function toolParts(record: RequestRecord): Array<Node | string> | undefined {
  const text = formatTool(record);
  const version = record.toolVersion;
  if (version === undefined || !text.endsWith(` ${version}`)) return undefined;
  return [text.slice(0, -version.length - 1), ' ', element('span', { className: 'tool-version' }, [version])];
}

const columns: Column[] = [
  { field: 'time', label: 'Time', cell: (record) => ({ text: formatTime(record.time), title: formatTimestamp(record.time) }) },
  { field: 'tool', label: 'Tool', cell: (record) => ({ text: formatTool(record), title: describeTool(record), parts: toolParts(record) }) },
  { field: 'requestedModel', label: 'Model asked', cell: (record) => ({ text: formatRequestedModel(record) }) },
  { field: 'served', label: 'Served by', cell: (record) => ({ text: formatServed(record), title: describeUnserved(record) }) },
  { field: 'attempts', label: 'Attempts', cell: (record) => ({ ...formatAttempts(record), className: 'attempts' }) },
  {
    field: 'status',
    label: 'Status',
    numeric: true,
    cell: (record) => ({
      // Redaction shows here: a shield before the status (panel.css), its counts in the tooltip.
      text: record.status === 0 ? 'failed' : String(record.status),
      title: record.redactions ? `${record.error ? `${record.error}\n` : ''}${record.redactionBlocked ? 'Blocked by redaction. ' : ''}${formatRedactions(record.redactions)}` : record.error,
      className: `${isFailure(record) ? 'status-error' : 'status-ok'}${record.redactions ? ' redacted' : ''}`,
    }),
  },
  { field: 'error', label: 'Error', cell: (record) => ({ text: formatShortError(record), title: record.error ?? '', className: 'error-text' }) },
  { field: 'tokens', label: 'Tokens in/out', numeric: true, cell: (record) => ({ text: formatTokenPair(record), title: describeUsage(record) }) },
  {
    field: 'cost',
    label: 'Cost',
    numeric: true,
    cell: (record) =>
      spentNothing(record)
        ? { text: formatCost(0), title: 'Failed before any tokens were used: nothing to pay' }
        : { text: formatCost(record.costUsd), title: record.costUsd === null ? 'No price known for this model' : formatCostExact(record.costUsd) },
  },
  { field: 'ttft', label: 'First token', numeric: true, cell: (record) => ({ text: formatDuration(record.timeToFirstTokenMs) }) },
  { field: 'latency', label: 'Latency', numeric: true, cell: (record) => ({ text: formatDuration(record.latencyMs) }) },
  {
    field: 'cache',
    label: 'Cache',
    cell: (record) => {
      const cache = formatCache(record);
      return { text: cache.label, title: cache.title, className: cache.kind === 'response' ? 'cache-hit response-cache-hit' : cache.hit ? 'cache-hit' : undefined };
    },
  },
  { field: 'route', label: 'Route', cell: (record) => ({ text: formatRoute(record.decision, record.purpose) }) },
  { field: 'client', label: 'API · key', cell: (record) => ({ text: formatClient(record), title: `${record.endpoint}${record.stream ? ' · stream' : ''}` }) },
];

export interface RequestsViewOptions {
  filter: string;
  onFilterChange(filter: string): void;
  /** A row was chosen (or the detail closed: undefined). */
  onSelect(id: string | undefined): void;
  onLoadMore(before: number): void;
  /** "Replay with…" on the selected request's detail. */
  onReplay(id: string): void;
  /** A button asked for one of the extension's commands (Set Provider Key, Copy Connection Settings…). */
  onCommand(command: PanelCommand): void;
  /** The date range picker, shared with the Charts tab. */
  rangePicker: HTMLElement;
  /** "Export…": the host asks for the format and the file. */
  onExport(filter: string): void;
}

/** What the first screen shows a new user: where to point tools, and whether a key is set. */
export interface RequestsSetup {
  port: number | undefined;
  /** The team proxy's base URL while the window uses one: tools point there, with the user's access key. */
  teamUrl?: string;
  providersWithKeys: string[] | undefined;
  /** Whether the log holds any request at all (an empty range is then no first screen). */
  hasRequests?: boolean;
}

export class RequestsView {
  readonly root: HTMLElement;
  private records: RequestRecord[] = [];
  private hasMore = false;
  private loadingOlder = false;
  private filter: string;
  private selectedId: string | undefined;
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private readonly body = element('tbody');
  private readonly countLabel = element('span', { className: 'toolbar-text' });
  private readonly emptyState = element('div', { className: 'empty-state' });
  private readonly loadOlderButton = element('vscode-button', { secondary: true, on: { click: () => this.loadOlder() } }, ['Load older']);
  private readonly tableScroller: HTMLDivElement;
  private readonly notices = element('div', { className: 'refusal-notices', attrs: { role: 'status', 'aria-live': 'polite' } });
  private refusals: DoorRefusalNotice[] = [];
  /** Per kind, the count the user dismissed: the notice comes back only when more arrive. */
  private readonly dismissed = new Map<string, number>();
  private setup: RequestsSetup = { port: undefined, providersWithKeys: undefined };
  private readonly detail: RequestDetailView;
  /** The date range listed; live records outside it are not added. */
  private window: TimeWindow = {};
  private rangeDescription = '';
  private readonly exportButton: HTMLElement;
  private readonly exportStatus = element('span', { className: 'toolbar-text export-status', attrs: { role: 'status', 'aria-live': 'polite' } });

  constructor(private readonly options: RequestsViewOptions) {
    this.filter = options.filter;
    const filterField = element('vscode-textfield', {
      className: 'filter',
      placeholder: 'Filter by model, provider, status, error…',
      value: this.filter,
      attrs: { 'aria-label': 'Filter requests' },
      on: {
        input: (event) => {
          this.filter = (event.target as VscodeTextfield).value;
          this.options.onFilterChange(this.filter);
          this.renderRows();
        },
      },
    });
    filterField.appendChild(element('span', { slot: 'content-before', className: 'codicon codicon-filter filter-icon' }));
    const head = element('thead', {}, [
      element(
        'tr',
        {},
        columns.map((column) => element('th', { scope: 'col', className: column.numeric ? 'numeric' : '', dataset: { column: column.field } }, [column.label])),
      ),
    ]);
    const widths = element(
      'colgroup',
      {},
      // Widths live in panel.css, which changes them with the table's width.
      columns.map((column) => element('col', { dataset: { column: column.field } })),
    );
    const table = element('table', { className: 'requests-table', attrs: { 'aria-label': 'Requests' } }, [widths, head, this.body]);
    this.tableScroller = element('div', { className: 'table-scroller' }, [
      table,
      this.emptyState,
      element('div', { className: 'table-footer' }, [this.loadOlderButton]),
    ]);
    this.body.addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr[data-request-id]');
      if (row instanceof HTMLTableRowElement) this.choose(row.dataset.requestId);
    });
    this.body.addEventListener('keydown', (event) => this.onKey(event));
    this.detail = new RequestDetailView(
      () => this.choose(undefined),
      (id) => this.choose(id),
      (id) => this.options.onReplay(id),
    );
    this.exportButton = element(
      'vscode-button',
      { secondary: true, id: 'export-requests', title: 'Export the requests of this date range that match the filter, as CSV or JSON', on: { click: () => this.startExport() } },
      [element('span', { slot: 'content-before', className: 'codicon codicon-desktop-download' }), 'Export…'],
    );
    this.root = element('div', { className: 'requests-view' }, [
      element('div', { className: 'toolbar' }, [filterField, options.rangePicker, this.countLabel, element('span', { className: 'spacer' }), this.exportStatus, this.exportButton]),
      this.notices,
      element('div', { className: 'requests-body' }, [this.tableScroller, this.detail.root]),
    ]);
    this.renderRows();
    this.renderNotices();
  }

  /** The date range listed, and in words for the count line. */
  setRange(window: TimeWindow, description: string): void {
    this.window = window;
    this.rangeDescription = description;
    this.renderRows();
  }

  /** How an export went. */
  showExport(result: { written?: number; file?: string; error?: string }): void {
    this.exportButton.toggleAttribute('disabled', false);
    if (result.error !== undefined) {
      this.exportStatus.textContent = `Export failed: ${result.error}`;
      this.exportStatus.classList.add('error');
    } else {
      this.exportStatus.classList.remove('error');
      this.exportStatus.textContent = result.written === undefined ? '' : `Exported ${formatCount(result.written)} ${result.written === 1 ? 'request' : 'requests'}`;
      this.exportStatus.title = result.file ?? '';
    }
  }

  private startExport(): void {
    this.exportStatus.textContent = '';
    this.options.onExport(this.filter);
  }

  /** Replaces everything (the host's snapshot, or a new date range). */
  setRecords(records: RequestRecord[], hasMore: boolean): void {
    this.records = insertNewest([], records).records;
    this.hasMore = hasMore;
    this.rows.clear();
    this.renderRows();
    this.refreshDetail();
  }

  /** The proxy's port and the providers with keys, for the first screen. */
  setSetup(setup: Partial<RequestsSetup>): void {
    this.setup = { ...this.setup, ...setup };
    this.detail.setTeam(this.setup.teamUrl);
    if (this.records.length === 0) this.renderRows();
  }

  /** Calls refused at the front door, every kind so far. */
  setRefusals(refusals: DoorRefusalNotice[]): void {
    this.refusals = refusals;
    this.renderNotices();
  }

  private renderNotices(): void {
    const shown = this.refusals.filter((notice) => notice.count > (this.dismissed.get(notice.reason) ?? 0));
    this.notices.hidden = shown.length === 0;
    replaceChildren(
      this.notices,
      shown.map((notice) => {
        const keyProblem = notice.reason !== 'host-or-origin';
        const text = `${notice.count} ${notice.count === 1 ? 'call' : 'calls'} refused: ${notice.label}${notice.userAgent === undefined ? '' : ` — from user agent ${notice.userAgent}`}`;
        return element('div', { className: 'refusal-notice', dataset: { reason: notice.reason }, title: notice.fix }, [
          codicon('warning'),
          element('span', { className: 'notice-text' }, [text]),
          keyProblem
            ? element('vscode-button', { secondary: true, on: { click: () => this.options.onCommand('switchyard.copyConnectionSettings') } }, ['Copy Connection Settings'])
            : element('span', { className: 'hint' }, [notice.fix]),
          element('vscode-button', {
            secondary: true,
            attrs: { 'aria-label': 'Dismiss', title: 'Dismiss until more calls are refused' },
            className: 'notice-dismiss',
            on: {
              click: () => {
                this.dismissed.set(notice.reason, notice.count);
                this.renderNotices();
              },
            },
          }, [codicon('close')]),
        ]);
      }),
    );
  }

  /** The first screen: no request yet. Where to point tools, and the buttons that set it up. */
  private firstScreen(): Array<Node | string> {
    const port = this.setup.port;
    const keys = this.setup.providersWithKeys;
    const team = this.setup.teamUrl;
    const base = team ?? (port === undefined ? undefined : `http://127.0.0.1:${port}`);
    const command = (label: string, id: PanelCommand, primary: boolean): HTMLElement =>
      element('vscode-button', { secondary: !primary, dataset: { command: id }, on: { click: () => this.options.onCommand(id) } }, [label]);
    const needsKey = team === undefined && keys !== undefined && keys.length === 0;
    if (team !== undefined) return this.teamFirstScreen(team, command);
    return [
      codicon('pulse'),
      element('p', {}, ['No requests yet.']),
      element('p', { className: 'hint' }, [
        needsKey
          ? 'First set a provider key (OpenAI, Anthropic, Gemini…), then point a tool at Switchyard: its calls appear here as they finish.'
          : `Point a tool at Switchyard and its calls appear here as they finish${keys !== undefined && keys.length > 0 ? ` (keys set: ${keys.join(', ')})` : ''}.`,
      ]),
      base === undefined
        ? null
        : element('dl', { className: 'base-urls' }, [
            element('dt', {}, ['Anthropic-style tools (Claude Code, Cline)']),
            element('dd', {}, [element('code', {}, [base])]),
            element('dt', {}, ['OpenAI-style tools (Codex CLI, Continue, SDKs)']),
            element('dd', {}, [element('code', {}, [`${base}/v1`])]),
          ]),
      element('div', { className: 'first-actions' }, [
        command('Set Provider Key', 'switchyard.setProviderKey', needsKey),
        command('Configure a Tool…', 'switchyard.configureTool', !needsKey),
        command('Copy Connection Settings', 'switchyard.copyConnectionSettings', false),
        command('Send Test Request', 'switchyard.sendTestRequest', false),
      ]),
    ].filter((child): child is HTMLElement => child !== null);
  }

  /**
   * The first screen on a team proxy: the team's admin holds the provider keys, so the user only
   * points tools at the team proxy with their access key; the list shows that key's calls only.
   */
  private teamFirstScreen(team: string, command: (label: string, id: PanelCommand, primary: boolean) => HTMLElement): Array<Node | string> {
    return [
      codicon('organization'),
      element('p', {}, ['No requests with your access key yet.']),
      element('p', { className: 'hint' }, [
        'This window uses the team proxy: the list shows the calls made with your access key, not the team’s. Point a tool at it with your key (Copy Connection Settings has both); provider keys are the team proxy’s.',
      ]),
      element('dl', { className: 'base-urls' }, [
        element('dt', {}, ['Anthropic-style tools (Claude Code, Cline)']),
        element('dd', {}, [element('code', {}, [team])]),
        element('dt', {}, ['OpenAI-style tools (Codex CLI, Continue, SDKs)']),
        element('dd', {}, [element('code', {}, [`${team}/v1`])]),
      ]),
      element('div', { className: 'first-actions' }, [command('Copy Connection Settings', 'switchyard.copyConnectionSettings', true), command('Configure a Tool…', 'switchyard.configureTool', false)]),
    ];
  }

  /** A request finished: it goes on top (when it falls in the date range shown). */
  addLive(record: RequestRecord): void {
    if (!inWindow(record.time, this.window) && !this.records.some((entry) => entry.id === record.id)) return;
    const update = insertNewest(this.records, [record]);
    this.records = update.records;
    if (update.trimmed) this.hasMore = true;
    this.rows.delete(record.id);
    this.renderRows(record.id);
    if (record.id === this.selectedId) this.detail.show(record);
  }

  /** An older page arrived. */
  addOlder(records: RequestRecord[], hasMore: boolean): void {
    this.records = appendOlder(this.records, records);
    this.hasMore = hasMore;
    this.loadingOlder = false;
    this.renderRows();
  }

  /** Selects a request and shows what is known of it until the host sends the full record. */
  select(id: string | undefined): void {
    this.selectedId = id;
    for (const [rowId, row] of this.rows) {
      row.classList.toggle('selected', rowId === id);
      row.setAttribute('aria-selected', String(rowId === id));
    }
    this.root.classList.toggle('with-detail', id !== undefined);
    this.refreshDetail();
    if (id !== undefined) this.rows.get(id)?.scrollIntoView({ block: 'nearest' });
  }

  /** The host answered `open-request`. */
  showDetail(id: string, record: RequestRecord | undefined): void {
    if (id !== this.selectedId) return;
    if (record) this.detail.show(record);
    else if (!this.records.some((entry) => entry.id === id)) this.detail.showMissing(id, { teamUrl: this.setup.teamUrl, port: this.setup.port });
  }

  /** The host sent what the audit log kept of a request. */
  showContent(id: string, content: CallContent | undefined): void {
    this.detail.setContent(id, content);
  }

  /** A replay finished. */
  showReplay(id: string, replay: ReplayAnswer | undefined, error: string | undefined): void {
    this.detail.setReplay(id, replay, error);
  }

  /** The listed requests, newest first (for the charts). */
  get all(): readonly RequestRecord[] {
    return this.records;
  }

  /** The number of listed requests, for the tab's badge. */
  get count(): number {
    return this.records.length;
  }

  private refreshDetail(): void {
    if (this.selectedId === undefined) {
      this.detail.clear();
      return;
    }
    const record = this.records.find((entry) => entry.id === this.selectedId);
    if (record) this.detail.show(record);
    else this.detail.showLoading(this.selectedId);
  }

  private choose(id: string | undefined): void {
    if (id === this.selectedId) return;
    this.select(id);
    this.options.onSelect(id);
  }

  private loadOlder(): void {
    const before = oldestTime(this.records);
    if (before === undefined || this.loadingOlder) return;
    this.loadingOlder = true;
    this.loadOlderButton.disabled = true;
    this.options.onLoadMore(before);
  }

  private onKey(event: KeyboardEvent): void {
    const row = (event.target as Element).closest('tr[data-request-id]');
    if (!(row instanceof HTMLTableRowElement)) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.choose(row.dataset.requestId);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = event.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling;
      if (next instanceof HTMLTableRowElement) {
        next.focus();
        this.choose(next.dataset.requestId);
      }
    } else if (event.key === 'Escape') {
      this.choose(undefined);
    }
  }

  private renderRows(arrivedId?: string): void {
    const visible = this.records.filter((record) => matchesFilter(record, this.filter));
    // Rows are built once per record and reused; rows of records that left the list are dropped.
    const listed = new Set(this.records.map((record) => record.id));
    for (const id of this.rows.keys()) if (!listed.has(id)) this.rows.delete(id);
    const fragment = document.createDocumentFragment();
    for (const record of visible) fragment.appendChild(this.row(record, record.id === arrivedId));
    replaceChildren(this.body, [fragment]);

    const total = this.records.length;
    // The first screen is for a log that is empty, not for a range or filter that shows nothing.
    const rangeNarrowed = this.window.since !== undefined || this.window.until !== undefined;
    const firstScreen = total === 0 && (!rangeNarrowed || this.setup.hasRequests !== true);
    const more = this.hasMore ? '+' : '';
    this.countLabel.textContent =
      (visible.length === total ? `${formatCount(total)}${more} ${total === 1 && !this.hasMore ? 'request' : 'requests'}` : `${formatCount(visible.length)} of ${formatCount(total)}${more} requests`) +
      (this.rangeDescription === '' || firstScreen ? '' : ` · ${this.rangeDescription}`);
    this.emptyState.hidden = visible.length > 0;
    // A new user sees the setup buttons, not a date range and an export of nothing.
    this.options.rangePicker.hidden = firstScreen;
    this.exportButton.hidden = total === 0;
    replaceChildren(
      this.emptyState,
      firstScreen
        ? this.firstScreen()
        : total === 0
          ? [codicon('calendar'), element('p', {}, [`No requests ${this.rangeDescription === '' ? 'in this range' : this.rangeDescription}.`]), element('p', { className: 'hint' }, ['Choose a longer range above to see older calls.'])]
          : [codicon('filter'), element('p', {}, [`No request matches “${this.filter}”.`])],
    );
    this.loadOlderButton.hidden = !this.hasMore;
    this.loadOlderButton.disabled = this.loadingOlder;
  }

  private row(record: RequestRecord, arrived: boolean): HTMLTableRowElement {
    const cached = this.rows.get(record.id);
    if (cached) return cached;
    const row = element(
      'tr',
      {
        tabIndex: 0,
        className: [isFailure(record) ? 'failed' : '', record.id === this.selectedId ? 'selected' : '', arrived ? 'arrived' : ''].filter(Boolean).join(' '),
        dataset: { requestId: record.id },
        attrs: { 'aria-selected': String(record.id === this.selectedId) },
      },
      columns.map((column) => {
        const cell = column.cell(record);
        return element(
          'td',
          { className: [column.numeric ? 'numeric' : '', cell.className ?? ''].filter(Boolean).join(' '), title: cell.title ?? cell.text, dataset: { column: column.field } },
          cell.parts ?? [cell.text],
        );
      }),
    );
    this.rows.set(record.id, row);
    return row;
  }
}
