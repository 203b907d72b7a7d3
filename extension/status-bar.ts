import * as vscode from 'vscode';
import type { ProxyStatus } from '../webview/protocol';
import { formatUsd, startOfDay } from './format';
import type { ProxyManager } from './proxy-process';
import type { BudgetInfo } from '../proxy/control/protocol';
import { budgetShare, budgetWarningShare } from './sidebar/spend-nodes';
import type { SetupContext } from './setup-context';
import { missingKeysLine } from './sidebar/setup-nodes';

const icons: Readonly<Record<ProxyStatus['state'], string>> = {
  starting: '$(loading~spin)',
  running: '$(radio-tower)',
  stopped: '$(circle-slash)',
  crashed: '$(error)',
  unreachable: '$(warning)',
};

/** Finished requests come in bursts; today's spend is re-read at most this often. */
const spendRefreshMs = 2_000;

/**
 * The status bar item: proxy state, port and today's spend; a click opens the panel. The spend
 * is read from the proxy (`GET /stats?by=day`) when it connects and shortly after requests finish.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('switchyard.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];
  private spendToday: number | undefined;
  /** The budget most used, when one is at 80 % or more. */
  private nearLimit: BudgetInfo | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly proxy: ProxyManager,
    private readonly setup?: SetupContext,
  ) {
    this.item.name = 'Switchyard';
    this.item.command = 'switchyard.openPanel';
    this.subscriptions.push(
      proxy.onDidChangeStatus.on(() => this.render()),
      proxy.onDidConnect.on(() => void this.refreshSpend()),
      proxy.onEvent.on((event) => {
        if (event.type === 'request') this.scheduleRefresh();
      }),
    );
    if (setup !== undefined) this.subscriptions.push(setup.onDidChange.on(() => this.render()));
    this.render();
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshSpend();
    }, spendRefreshMs);
  }

  private async refreshSpend(): Promise<void> {
    const client = this.proxy.client;
    if (client === undefined) return;
    try {
      const answer = await client.stats('day', startOfDay(new Date()));
      this.spendToday = answer.rows.reduce((total, row) => total + row.costUsd, 0);
    } catch {
      this.spendToday = undefined;
    }
    try {
      const budgets = await client.budgets();
      const fullest = budgets.reduce<BudgetInfo | undefined>((most, budget) => (most === undefined || budgetShare(budget) > budgetShare(most) ? budget : most), undefined);
      this.nearLimit = fullest !== undefined && budgetShare(fullest) >= budgetWarningShare ? fullest : undefined;
    } catch {
      this.nearLimit = undefined;
    }
    this.render();
  }

  private render(): void {
    const status = this.proxy.status;
    const spend = status.state === 'running' && this.spendToday !== undefined ? ` ${formatUsd(this.spendToday)}` : '';
    const degraded = status.state === 'running' && status.problems !== undefined && status.problems.length > 0;
    const near = status.state === 'running' ? this.nearLimit : undefined;
    const warning = near === undefined ? '' : ` $(warning) ${near.name.startsWith('key:') ? `key ${near.name.slice(4)}` : near.name} ${shareText(budgetShare(near))}`;
    const team = status.team;
    const where = team === undefined ? ` :${status.port}` : ` team ${hostOf(team.url)}`;
    this.item.text = `${degraded ? '$(warning)' : team !== undefined && status.state === 'running' ? '$(organization)' : icons[status.state]} Switchyard${where}${spend}${warning}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = { enabledCommands: ['switchyard.setProviderKey', 'switchyard.connectTeamProxy'] };
    if (team !== undefined) {
      tooltip.appendMarkdown(`**Switchyard team proxy**: ${status.state === 'unreachable' ? 'unreachable' : status.state}\n\n`);
      tooltip.appendText(`${team.url}\nShowing the calls of your access key.\n`);
      if (team.keyRejected === true) tooltip.appendMarkdown('\n\n[Enter Access Key](command:switchyard.connectTeamProxy)');
    } else {
      tooltip.appendMarkdown(`**Switchyard proxy**: ${status.state}${status.owned === false ? ' (started by another window)' : ''}\n\n`);
      tooltip.appendText(`http://127.0.0.1:${status.port}\n`);
    }
    if (this.spendToday !== undefined && status.state === 'running') tooltip.appendMarkdown(`\n\nSpent today: ${formatUsd(this.spendToday)}`);
    if (degraded) {
      tooltip.appendMarkdown('\n\n**Degraded**: ');
      tooltip.appendText(status.problems!.join(' '));
    }
    if (near !== undefined) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(`Budget ${near.name}: ${formatUsd(near.spentUsd + near.reservedUsd)} of ${formatUsd(near.limitUsd)} per ${near.period} used (${shareText(budgetShare(near))}).`);
    }
    // A team proxy's provider keys are its admin's: nothing to nag about.
    const keys = status.state === 'running' && team === undefined ? missingKeysLine(this.setup?.providersWithKeys) : undefined;
    if (keys !== undefined) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(keys);
      if (this.setup?.providersWithKeys?.length === 0) tooltip.appendMarkdown(' [Set Provider Key](command:switchyard.setProviderKey)');
    }
    if (status.detail) {
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(status.detail);
    }
    tooltip.appendMarkdown('\n\nClick to open the panel.');
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      status.state === 'crashed' || status.state === 'unreachable'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : degraded || near !== undefined
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }
}

/** A team proxy's host (and port, when it names one) for the status bar, which has little room. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A budget's share in the status bar: a percentage, capped where a warn budget ran far past its limit. */
function shareText(share: number): string {
  return share < 10 ? `${Math.round(share * 100)}%` : '>999%';
}
