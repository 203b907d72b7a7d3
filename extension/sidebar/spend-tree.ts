import * as vscode from 'vscode';
import { startOfDay, startOfMonth } from '../format';
import type { ProxyManager } from '../proxy-process';
import { setupNodes } from './setup-nodes';
import type { ControlError } from '../control-client';
import { spendErrorNode, spendNodes, type SpendData, type SpendNode } from './spend-nodes';

/** Recent requests listed in the sidebar. */
const recentCount = 20;
/** Finished requests come in bursts; a visible tree is refreshed at most this often. */
const refreshMs = 2_000;
/** After a failed read the tree reads again this much later (a held database lets go in ms). */
const retryAfterErrorMs = 5_000;

/**
 * The activity-bar view `switchyard.spend`, a native TreeView: spend today and this month by
 * provider and by model, and the last requests (a click opens the panel on one). Nothing is
 * fetched until the view is first shown; while hidden, new requests only mark it stale.
 */
export class SpendTreeProvider implements vscode.TreeDataProvider<SpendNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SpendNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private roots: SpendNode[] | undefined;
  private stale = true;
  private visible = false;
  private refreshTimer: NodeJS.Timeout | undefined;

  /**
   * @param setMessage shows a line above the tree (the TreeView's `message`) while the proxy
   * starts; in the other states the welcome views of package.json explain and offer the fix.
   */
  constructor(
    private readonly proxy: ProxyManager,
    private readonly setMessage: (message: string | undefined) => void,
  ) {
    this.subscriptions.push(
      this.changed,
      proxy.onDidConnect.on(() => this.invalidate(true)),
      proxy.onDidChangeStatus.on((status) => {
        if (status.state !== 'running') this.invalidate();
      }),
      proxy.onEvent.on((event) => {
        if (event.type === 'request') this.invalidate();
      }),
    );
  }

  /** Provider keys changed: the first-run steps show whether one is set. */
  keysChanged(): void {
    this.invalidate(true);
  }

  /** The view's visibility, from its TreeView: refreshes when it comes into sight stale. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.stale) this.changed.fire(undefined);
  }

  getTreeItem(node: SpendNode): vscode.TreeItem {
    const state =
      node.children === undefined
        ? vscode.TreeItemCollapsibleState.None
        : node.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
    if (node.requestId !== undefined) {
      item.command = { command: 'switchyard.openPanel', title: 'Show in the Switchyard panel', arguments: [node.requestId] };
      item.contextValue = 'request';
    } else if (node.command !== undefined) {
      item.command = { command: node.command.id, title: node.label, arguments: node.command.arguments };
    }
    return item;
  }

  async getChildren(node?: SpendNode): Promise<SpendNode[]> {
    if (node !== undefined) return node.children ?? [];
    if (this.stale || this.roots === undefined) {
      this.stale = false;
      this.roots = await this.load();
    }
    return this.roots;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  /** Marks the data stale; a visible tree reloads at once or, for bursts of requests, shortly. */
  private invalidate(now = false): void {
    this.stale = true;
    if (!this.visible) return;
    if (now) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
      return;
    }
    if (this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
    }, refreshMs);
  }

  private async load(): Promise<SpendNode[]> {
    const client = this.proxy.client;
    if (client === undefined) {
      const status = this.proxy.status;
      // A message would hide the welcome view, which carries the buttons for the other states.
      this.setMessage(status.state === 'starting' ? 'Starting the proxy…' : undefined);
      return [];
    }
    this.setMessage(undefined);
    const now = new Date();
    const today = startOfDay(now);
    const month = startOfMonth(now);
    try {
      const [todayByProvider, todayByModel, monthByProvider, monthByModel, recent, budgets] = await Promise.all([
        client.stats('provider', today),
        client.stats('model', today),
        client.stats('provider', month),
        client.stats('model', month),
        client.requests(recentCount),
        // An older proxy has no budgets: the tree shows the rest.
        client.budgets().catch(() => []),
      ]);
      // Nothing yet: the first steps and the base URLs instead of a tree of zeros.
      if (recent.records.length === 0 && monthByProvider.rows.length === 0) {
        const team = this.proxy.status.team;
        // A team proxy's provider keys are its admin's (and need its control token to list).
        if (team !== undefined) return setupNodes(team.url, undefined);
        const { providers } = await client.providers();
        return setupNodes(`http://127.0.0.1:${client.port}`, providers.filter((provider) => provider.keySource !== 'none').map((provider) => provider.id));
      }
      const data: SpendData = {
        today: { byProvider: todayByProvider.rows, byModel: todayByModel.rows },
        month: { byProvider: monthByProvider.rows, byModel: monthByModel.rows },
        recent: recent.records,
        budgets,
      };
      return spendNodes(data);
    } catch (error) {
      this.stale = true;
      clearTimeout(this.refreshTimer);
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = undefined;
        this.invalidate(true);
      }, retryAfterErrorMs);
      return [spendErrorNode(error as ControlError)];
    }
  }
}
