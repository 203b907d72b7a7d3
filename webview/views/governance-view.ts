/**
 * The Budgets & Keys tab: each budget as a bar of spend (and reservations in flight) against its
 * limit, with its period and reset; each named key with what it may call, its limits, its spend
 * this month and when it was last used. Read-only: keys are created and changed with the
 * "Create Access Key" and "Manage Access Keys" commands (or `switchyard keys`).
 */
import type { AccessKeyInfo, AggregateRow, BudgetInfo, GovernanceData } from '../protocol';
import { formatCost, formatPeriodBoundary, formatTimestamp } from '../format';
import { codicon, element, replaceChildren } from './dom';

/** From this share of a budget used, its bar and the status bar warn. */
const warningShare = 0.8;

export class GovernanceView {
  readonly root = element('div', { className: 'governance-view' });

  constructor() {
    this.render({ budgets: [], keys: [], keySpend: [] });
  }

  setData(data: GovernanceData): void {
    this.render({
      budgets: data.budgets.filter((budget) => typeof budget?.name === 'string' && typeof budget.limitUsd === 'number'),
      keys: data.keys.filter((key) => typeof key?.name === 'string'),
      keySpend: data.keySpend.filter((row) => typeof row === 'object' && row !== null),
      ...(typeof data.team?.url === 'string' ? { team: { url: data.team.url } } : {}),
    });
  }

  private render(data: GovernanceData): void {
    const spendByKey = new Map<string, AggregateRow>(data.keySpend.filter((row) => row.key !== null).map((row) => [row.key!, row]));
    if (data.team !== undefined) {
      this.renderTeam(data, data.team.url);
      return;
    }
    replaceChildren(this.root, [
      element('h2', {}, ['Budgets']),
      data.budgets.length === 0
        ? element('p', { className: 'muted' }, ['No budgets. Add them under "budgets" in the config, or give a key its own with "Switchyard: Manage Access Keys".'])
        : element('div', { className: 'budget-list' }, data.budgets.map(budgetRow)),
      element('h2', {}, ['Access keys']),
      data.keys.length === 0
        ? element('p', { className: 'muted' }, ['No named keys. Create one per tool with "Switchyard: Create Access Key" (or switchyard keys create NAME).'])
        : keyTable(data.keys, spendByKey),
    ]);
  }

  /**
   * On a team proxy: the budgets that name the user's access key and what the key spent this
   * month. Keys themselves are the admin's: listing, creating and revoking them needs the team
   * proxy's control token, so the tab says where that is done instead of offering it.
   */
  private renderTeam(data: GovernanceData, url: string): void {
    const own = data.keySpend.find((row) => row.key !== null);
    replaceChildren(this.root, [
      element('p', { className: 'team-note' }, [codicon('organization'), ` Team proxy ${url}: the budgets and spend of your access key.`]),
      element('h2', {}, ['Your budgets']),
      data.budgets.length === 0
        ? element('p', { className: 'muted' }, ['No budget names your key on the team proxy.'])
        : element('div', { className: 'budget-list' }, data.budgets.map(budgetRow)),
      element('h2', {}, ['Your access key']),
      element('p', { className: 'team-key-spend' }, [own === undefined ? 'No calls with your key this month.' : `${formatCost(own.costUsd)} spent this month (${own.requests} requests).`]),
      element('p', { className: 'muted' }, [
        'Keys are listed, created and revoked by the team proxy’s admin (with its control token, or switchyard keys --postgres-url), not from this window; to use another key, run "Switchyard: Connect to Team Proxy".',
      ]),
    ]);
  }
}

function budgetName(name: string): string {
  return name.startsWith('key:') ? `key ${name.slice(4)}` : name;
}

function budgetRow(budget: BudgetInfo): HTMLElement {
  const used = budget.spentUsd + budget.reservedUsd;
  const share = budget.limitUsd === 0 ? 1 : used / budget.limitUsd;
  const level = share >= 1 ? 'full' : share >= warningShare ? 'warning' : 'ok';
  const spent = element('div', { className: `budget-bar-spent ${level}` });
  spent.style.width = `${Math.min(100, (budget.limitUsd === 0 ? 1 : budget.spentUsd / budget.limitUsd) * 100).toFixed(1)}%`;
  const reserved = element('div', { className: 'budget-bar-reserved' });
  reserved.style.width = `${Math.min(100, (budget.limitUsd === 0 ? 0 : budget.reservedUsd / budget.limitUsd) * 100).toFixed(1)}%`;
  const resets = budget.resetsAt === undefined ? 'never resets' : `resets ${formatPeriodBoundary(Date.parse(budget.resetsAt))}`;
  // A key's own budget matches that key: its name says so already.
  const match = budget.name.startsWith('key:') || budget.match === undefined ? [] : Object.entries(budget.match).filter(([, value]) => value !== undefined).map(([field, value]) => `${field} ${String(value)}`);
  const scope = budget.name.startsWith('key:') ? "the key's own budget" : match.length === 0 ? 'every call' : match.join(', ');
  // A warn-only budget past its limit blocks nothing: a warning, not an error.
  const icon = level === 'ok' ? 'pass' : level === 'warning' || budget.action === 'warn' ? 'warning' : 'error';
  return element('div', { className: 'budget-row', attrs: { 'data-budget': budget.name } }, [
    element('div', { className: 'budget-head' }, [
      codicon(icon),
      element('strong', {}, [budgetName(budget.name)]),
      element('span', { className: 'muted' }, [` ${scope} · per ${budget.period}${budget.action === 'warn' ? ' · warn only' : ''} · ${resets}`]),
    ]),
    element('div', { className: 'budget-bar', attrs: { role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': budget.limitUsd, 'aria-valuenow': used, 'aria-label': `${budgetName(budget.name)} used` } }, [spent, reserved]),
    element('div', { className: 'budget-figures' }, [
      `${formatCost(budget.spentUsd)} spent`,
      budget.reservedUsd > 0 ? ` + ${formatCost(budget.reservedUsd)} reserved` : '',
      ` of ${formatCost(budget.limitUsd)} (${formatShare(share)})`,
    ]),
  ]);
}

/** A key's own redaction in a few words; the config's when it has none. */
function keyRedaction(key: AccessKeyInfo): string {
  if (key.redaction === undefined) return "config's";
  const detectors = key.redaction.detectors === undefined ? '' : ` (${key.redaction.detectors.join(', ')})`;
  return `${key.redaction.mode ?? "config's mode"}${detectors}`;
}

function keyTable(keys: readonly AccessKeyInfo[], spendByKey: ReadonlyMap<string, AggregateRow>): HTMLElement {
  const header = element('tr', {}, ['Key', 'Models', 'Budget', 'Limits', 'Redaction', 'Spent this month', 'Last used'].map((label) => element('th', {}, [label])));
  const rows = keys.map((key) => {
    const spend = spendByKey.get(key.keyId);
    const limits = [key.rpm === undefined ? undefined : `${key.rpm} rpm`, key.tpm === undefined ? undefined : `${key.tpm} tpm`].filter(Boolean).join(', ');
    return element('tr', { className: key.revoked === undefined ? '' : 'revoked', attrs: { 'data-key': key.name } }, [
      element('td', {}, [codicon(key.revoked === undefined ? 'key' : 'circle-slash'), ` ${key.name}`, element('div', { className: 'muted' }, [key.revoked === undefined ? key.keyId : `revoked ${formatTimestamp(key.revoked)}`])]),
      element('td', {}, [key.models?.join(', ') ?? 'all models']),
      element('td', {}, [key.budget === undefined ? '—' : `${formatCost(key.budget.limitUsd)} per ${key.budget.period}`]),
      element('td', {}, [limits === '' ? '—' : limits]),
      element('td', {}, [keyRedaction(key)]),
      element('td', {}, [spend === undefined ? '$0' : `${formatCost(spend.costUsd)} (${spend.requests} requests)`]),
      element('td', {}, [key.lastUsed === undefined ? 'never' : formatTimestamp(key.lastUsed)]),
    ]);
  });
  return element('table', { className: 'key-table' }, [element('thead', {}, [header]), element('tbody', {}, rows)]);
}

/** A budget's share used: a percentage, or how many times the limit once far past it (a warn budget). */
export function formatShare(share: number): string {
  return share < 10 ? `${Math.round(share * 100)} %` : `${Math.floor(share).toLocaleString('en-US')}× the limit`;
}
