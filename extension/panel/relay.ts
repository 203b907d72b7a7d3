import type { ConfigProblem, ControlEvent } from '../../proxy/control/protocol';
import { isWebviewMessage, type CallContent, type ChartData, type ConfigSnapshot, type DoorRefusalNotice, type HostMessage, type PanelCommand, type ProxyStatus, type ReplayAnswer, type SetupState, type TimeWindow, type WebviewMessage } from '../../webview/protocol';
import { ConfigConflict, type ControlClient } from '../control-client';

/** The control API calls the panel needs (a ControlClient, or a fake in tests). */
export type PanelClient = Pick<ControlClient, 'requests' | 'request' | 'requestContent' | 'config' | 'validateConfig' | 'saveConfig' | 'stats'> & Partial<Pick<ControlClient, 'refusals' | 'providers' | 'budgets' | 'keys'>>;

export interface PanelRelayOptions {
  /** The proxy's client while it runs, else undefined. */
  client: () => PanelClient | undefined;
  status: () => ProxyStatus;
  post: (message: HostMessage) => void;
  log: (line: string) => void;
  /** "Replay with…": asks for a model and sends the request's kept content to it; undefined when dismissed. */
  replay?: (content: CallContent) => Promise<ReplayAnswer | undefined>;
  /** Runs a command a panel button asked for (already checked against the allow-list). */
  runCommand?: (command: PanelCommand) => void;
  /** Shows VS Code's model picker; resolves with the `provider/model` chosen. */
  pickModel?: (current: string | undefined) => Promise<string | undefined>;
  /**
   * "Export…": asks for the format and the file and writes the range's records that match the
   * filter; resolves with how many and where, or undefined when the user cancelled.
   */
  exportRecords?: (range: TimeWindow, filter: string, auditOn: boolean) => Promise<{ written: number; file: string } | undefined>;
}

/** Records per page of the request table. */
export const pageSize = 200;
/** Days of history the charts and the list get until the panel says which range it shows. */
const defaultDays = 30;
const dayMs = 24 * 60 * 60 * 1000;
/** Live records arrive in bursts; the charts are re-read at most this often. */
const chartRefreshMs = 5_000;

/**
 * The host side of the panel: answers the webview's messages from the proxy's control API and
 * relays the proxy's live events. Every incoming message is checked with the protocol's guard
 * first; the webview is untrusted. Nothing is sent before the webview says `ready` (it would
 * be lost), and a "show this request" asked for before then waits for the snapshot.
 */
export class PanelRelay {
  private ready = false;
  private pendingShow: string | undefined;
  private chartTimer: NodeJS.Timeout | undefined;
  private readonly refusalNotices = new Map<string, DoorRefusalNotice>();
  /** The date range the panel shows: the list, its pages and the charts are read for it. */
  private range: TimeWindow = { since: Date.now() - defaultDays * dayMs };

  constructor(private readonly options: PanelRelayOptions) {}

  /** A message from the webview; anything that fails the guard is logged and dropped. */
  async receive(message: unknown): Promise<void> {
    if (!isWebviewMessage(message)) {
      this.options.log(`ignored a malformed message from the panel: ${describe(message)}`);
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.options.log(`the panel's ${message.type} failed: ${(error as Error).message}`);
    }
  }

  /** The proxy (re)connected: the panel's data may be stale, send it all again. */
  async connected(): Promise<void> {
    if (this.ready) await this.sendSnapshot();
  }

  status(status: ProxyStatus): void {
    if (this.ready) this.options.post({ type: 'status', status });
  }

  /** An event of the proxy's stream. */
  async event(event: ControlEvent): Promise<void> {
    if (!this.ready) return;
    if (event.type === 'request') {
      this.options.post({ type: 'request', record: event.record });
      this.scheduleCharts();
    } else if (event.type === 'config') {
      const config = await this.configSnapshot();
      this.options.post({ type: 'config', config });
    } else if (event.type === 'refusals') {
      this.refusalNotices.set(event.refusals.reason, event.refusals);
      this.options.post({ type: 'refusals', refusals: [...this.refusalNotices.values()] });
    }
  }

  /** Provider keys changed: the first screen's guidance follows. */
  async keysChanged(): Promise<void> {
    if (this.ready) this.options.post({ type: 'setup', setup: await this.setup() });
  }

  /** Opens a request's detail (from the sidebar or a command). */
  showRequest(id: string): void {
    if (this.ready) this.options.post({ type: 'show-request', id });
    else this.pendingShow = id;
  }

  /** The webview was reloaded or disposed: wait for its next `ready`. */
  reset(): void {
    this.ready = false;
    clearTimeout(this.chartTimer);
  }

  dispose(): void {
    this.reset();
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        if (message.range !== undefined) this.range = message.range;
        await this.sendSnapshot();
        if (this.pendingShow !== undefined) {
          this.options.post({ type: 'show-request', id: this.pendingShow });
          this.pendingShow = undefined;
        }
        return;
      }
      case 'set-range': {
        this.range = message.range;
        const client = this.options.client();
        if (client === undefined) return;
        const range = this.range;
        const [page, charts] = await Promise.all([client.requests(pageSize, undefined, range), this.charts()]);
        // A newer choice arrived meanwhile: its own answer follows.
        if (range !== this.range) return;
        this.options.post({ type: 'records', records: page.records, hasMore: page.nextBefore !== undefined, range });
        this.options.post({ type: 'charts', charts });
        return;
      }
      case 'export': {
        if (this.options.exportRecords === undefined) return;
        try {
          // Prompts and answers are offered only when the audit log keeps them.
          const audit = (await this.configSnapshot()).config.audit;
          const auditOn = typeof audit === 'object' && audit !== null && (audit as { enabled?: unknown }).enabled === true;
          const result = await this.options.exportRecords(message.range, message.filter, auditOn);
          this.options.post({ type: 'export-result', ...(result ?? {}) });
        } catch (error) {
          this.options.post({ type: 'export-result', error: (error as Error).message });
        }
        return;
      }
      case 'load-more': {
        const client = this.options.client();
        if (client === undefined) {
          this.options.post({ type: 'older-records', records: [], hasMore: false });
          return;
        }
        const page = await client.requests(pageSize, message.before, this.range);
        this.options.post({ type: 'older-records', records: page.records, hasMore: page.nextBefore !== undefined });
        return;
      }
      case 'open-request': {
        const client = this.options.client();
        const record = await client?.request(message.id);
        this.options.post({ type: 'request-detail', id: message.id, record });
        if (client !== undefined && record !== undefined) {
          const content = await client.requestContent(message.id);
          this.options.post({ type: 'request-content', id: message.id, content });
        }
        return;
      }
      case 'replay': {
        const content = await this.options.client()?.requestContent(message.id);
        if (content === undefined || this.options.replay === undefined) {
          this.options.post({ type: 'replay-result', id: message.id, error: 'This request has no kept content to replay: turn on the audit log ("audit": { "enabled": true }).' });
          return;
        }
        try {
          const replay = await this.options.replay(content);
          if (replay !== undefined) this.options.post({ type: 'replay-result', id: message.id, replay });
        } catch (error) {
          this.options.post({ type: 'replay-result', id: message.id, error: (error as Error).message });
        }
        return;
      }
      case 'run-command':
        this.options.runCommand?.(message.command);
        return;
      case 'pick-model': {
        const model = await this.options.pickModel?.(message.current);
        this.options.post({ type: 'model-picked', requestId: message.requestId, model });
        return;
      }
      case 'validate-config':
      case 'save-config': {
        const save = message.type === 'save-config';
        const team = this.options.status().team;
        if (team !== undefined) {
          this.options.post({ type: 'config-result', requestId: message.requestId, saved: false, problems: [{ path: '', message: teamRulesReason(team.url) }] });
          return;
        }
        const client = this.options.client();
        if (client === undefined) {
          this.options.post({ type: 'config-result', requestId: message.requestId, saved: false, problems: [notRunning(this.options.status())] });
          return;
        }
        try {
          if (save) {
            const result = await client.saveConfig(message.config, message.type === 'save-config' ? message.ifRevision : undefined);
            this.options.post({ type: 'config-result', requestId: message.requestId, saved: result.ok, problems: result.problems, ...(result.revision === undefined ? {} : { revision: result.revision }) });
          } else {
            const result = await client.validateConfig(message.config);
            this.options.post({ type: 'config-result', requestId: message.requestId, saved: false, problems: result.problems });
          }
        } catch (error) {
          if (error instanceof ConfigConflict) {
            // Someone saved since the draft was loaded: the editor gets their config first, then
            // the conflict, and offers to load it or to overwrite it knowingly.
            this.options.post({ type: 'config', config: await this.configSnapshot() });
            this.options.post({ type: 'config-result', requestId: message.requestId, saved: false, problems: [], conflict: true, ...(error.currentRevision === undefined ? {} : { revision: error.currentRevision }) });
            return;
          }
          this.options.post({ type: 'config-result', requestId: message.requestId, saved: false, problems: [{ path: '', message: (error as Error).message }] });
        }
        return;
      }
    }
  }

  private async sendSnapshot(): Promise<void> {
    const client = this.options.client();
    if (client === undefined) {
      this.options.post({
        type: 'snapshot',
        status: this.options.status(),
        records: [],
        hasMore: false,
        config: { config: {}, problems: [notRunning(this.options.status())] },
        charts: { days: [] },
      });
      return;
    }
    // A team proxy answers an access key only its own requests, totals and budgets: the rest is not asked.
    const team = this.options.status().team !== undefined;
    const [page, config, charts, setup, refusals] = await Promise.all([
      client.requests(pageSize, undefined, this.range),
      this.configSnapshot(),
      this.charts(),
      this.setup(),
      team ? Promise.resolve([]) : this.refusals(),
    ]);
    this.options.post({ type: 'snapshot', status: this.options.status(), records: page.records, hasMore: page.nextBefore !== undefined, config, charts, setup, refusals });
    void this.sendGovernance();
  }

  /** Budgets, named keys and this month's spend per key, for the Budgets & Keys tab. */
  private async sendGovernance(): Promise<void> {
    const client = this.options.client();
    if (client?.budgets === undefined || client.keys === undefined) return;
    const team = this.options.status().team;
    try {
      const now = new Date();
      if (team !== undefined) {
        // The budgets that name the user's key and its own month: the key list is the admin's.
        const [budgets, keySpend] = await Promise.all([client.budgets(), client.stats('clientKey', new Date(now.getFullYear(), now.getMonth(), 1).getTime())]);
        if (this.ready) this.options.post({ type: 'governance', governance: { budgets, keys: [], keySpend: keySpend.rows, team: { url: team.url } } });
        return;
      }
      const [budgets, keys, keySpend] = await Promise.all([client.budgets(), client.keys(), client.stats('clientKey', new Date(now.getFullYear(), now.getMonth(), 1).getTime())]);
      if (this.ready) this.options.post({ type: 'governance', governance: { budgets, keys, keySpend: keySpend.rows } });
    } catch (error) {
      // An older proxy has no budgets or keys: the tab says there are none.
      this.options.log(`could not read budgets and keys: ${(error as Error).message}`);
    }
  }

  private async setup(): Promise<SetupState> {
    try {
      const client = this.options.client();
      // A team proxy's provider keys are its admin's: not asked (an access key may not read them).
      const team = this.options.status().team !== undefined;
      const [answer, anyRecord] = await Promise.all([team ? undefined : client?.providers?.(), client?.requests(1)]);
      return {
        providersWithKeys: (answer?.providers ?? []).filter((provider) => provider.keySource !== 'none').map((provider) => provider.id),
        hasRequests: (anyRecord?.records.length ?? 0) > 0,
      };
    } catch {
      return { providersWithKeys: [] };
    }
  }

  private async refusals(): Promise<DoorRefusalNotice[]> {
    try {
      const answer = await this.options.client()?.refusals?.();
      for (const notice of answer?.refusals ?? []) this.refusalNotices.set(notice.reason, notice);
    } catch {
      // An older proxy without the route: no notices.
    }
    return [...this.refusalNotices.values()];
  }

  private async configSnapshot(): Promise<ConfigSnapshot> {
    const team = this.options.status().team;
    if (team !== undefined) return { config: {}, problems: [], readOnlyReason: teamRulesReason(team.url) };
    const client = this.options.client();
    if (client === undefined) return { config: {}, problems: [notRunning(this.options.status())] };
    try {
      const answer = await client.config();
      return { file: answer.file, config: answer.config, problems: answer.problems, ...(answer.revision === undefined ? {} : { revision: answer.revision }) };
    } catch (error) {
      return { config: {}, problems: [{ path: '', message: (error as Error).message }] };
    }
  }

  /** The range's totals per day, and per day per provider and per model for the stacked spend chart. */
  private async charts(): Promise<ChartData> {
    const client = this.options.client();
    const range = this.range;
    if (client === undefined) return { days: [], range };
    try {
      const [days, byProvider, byModel] = await Promise.all([client.stats('day', range), client.stats('day', range, 'provider'), client.stats('day', range, 'model')]);
      return { days: days.rows, byProvider: byProvider.rows, byModel: byModel.rows, range };
    } catch (error) {
      this.options.log(`could not read the spend per day: ${(error as Error).message}`);
      return { days: [], range };
    }
  }

  private scheduleCharts(): void {
    if (this.chartTimer !== undefined) return;
    this.chartTimer = setTimeout(() => {
      this.chartTimer = undefined;
      if (!this.ready) return;
      void this.charts().then((charts) => {
        if (this.ready) this.options.post({ type: 'charts', charts });
      });
      void this.sendGovernance();
    }, chartRefreshMs);
  }
}

/** Why a window on a team proxy shows no rules to edit. */
function teamRulesReason(url: string): string {
  return `The rules are in the config of the team proxy ${url}, which only its admin can read and change: with "switchyard config pull" and "switchyard config push" on the team's PostgreSQL, or with the proxy's control token (docs/team.md). Your access key reads your own requests, spend and budgets, so there is no Form or JSON of the rules to show here.`;
}

function notRunning(status: ProxyStatus): ConfigProblem {
  return { path: '', message: `The Switchyard proxy is not running${status.detail ? `: ${status.detail}` : '.'}` };
}

function describe(message: unknown): string {
  if (typeof message === 'object' && message !== null && 'type' in message) return `type ${JSON.stringify((message as { type: unknown }).type)}`;
  return typeof message;
}
