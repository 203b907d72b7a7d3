import type { AggregateRow, BudgetInfo, RequestRecord } from '../../proxy/control/protocol';
import { formatDuration, formatUsd } from '../format';

/** What the sidebar shows, fetched from the proxy's control API. */
export interface SpendData {
  today: { byProvider: AggregateRow[]; byModel: AggregateRow[] };
  month: { byProvider: AggregateRow[]; byModel: AggregateRow[] };
  recent: RequestRecord[];
  /** Every budget with its spend; empty when none is configured. */
  budgets?: BudgetInfo[];
}

/**
 * A node of the spend tree, free of `vscode` types so the grouping is tested alone. `id`s are
 * stable across refreshes so VS Code keeps what the user expanded.
 */
export interface SpendNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: string;
  /** Set on request rows: clicking opens the panel on this request. */
  requestId?: string;
  /** A command a click runs (the first-run steps). */
  command?: { id: string; arguments?: unknown[] };
  children?: SpendNode[];
  /** Sections start expanded, groups collapsed. */
  expanded?: boolean;
}

/**
 * The tree: "Today" and "This month", each with its total and its spend by provider and by
 * model (most expensive first), then the last requests.
 */
export function spendNodes(data: SpendData): SpendNode[] {
  const budgets = data.budgets ?? [];
  return [
    ...(budgets.length === 0 ? [] : [budgetNodes(budgets)]),
    period('today', 'Today', data.today.byProvider, data.today.byModel),
    period('month', 'This month', data.month.byProvider, data.month.byModel),
    {
      id: 'recent',
      label: 'Recent requests',
      description: data.recent.length === 0 ? 'none yet' : undefined,
      icon: 'history',
      expanded: true,
      children: data.recent.map(requestNode),
    },
  ];
}

/**
 * The node shown when the spend could not be read. A tree row has room for a few words, so the
 * description names the kind of failure and the tooltip carries the proxy's whole message (a
 * held database names its file, holders and how long; an unreachable proxy its address).
 */
export function spendErrorNode(error: { message: string; status?: number }): SpendNode {
  return {
    id: 'error',
    label: 'Could not read the spend',
    description: spendErrorReason(error),
    tooltip: `${error.message}\n\nSwitchyard reads it again in a few seconds.`,
    icon: 'warning',
  };
}

function spendErrorReason(error: { message: string; status?: number }): string {
  if (error.status === undefined && error.message.includes('did not answer')) return 'proxy not reachable';
  if (error.status === 503) return 'storage busy, retrying';
  if (error.status === 401 || error.status === 403) return 'not authorized';
  if (error.status !== undefined) return `proxy answered ${error.status}`;
  const firstSentence = error.message.split(/(?<=\.)\s/)[0] ?? error.message;
  return firstSentence.length <= 40 ? firstSentence : `${firstSentence.slice(0, 39)}…`;
}

function period(id: string, label: string, byProvider: AggregateRow[], byModel: AggregateRow[]): SpendNode {
  const total = sum(byProvider);
  const saved = total.savedUsd + total.promptCacheSavedUsd;
  const tooltip = [
    total.unpricedRequests > 0 ? `${plural(total.unpricedRequests, 'request')} with no known price not counted` : undefined,
    total.refusedRequests > 0 ? `${plural(total.refusedRequests, 'request')} refused by Switchyard (allow-list, disabled model, rate limit, budget, redaction, or a request it could not serve): nothing spent` : undefined,
    saved > 0 ? `saved by caching: ${formatUsd(total.savedUsd)} from ${plural(total.cacheHits, 'response-cache hit')}, ${formatUsd(total.promptCacheSavedUsd)} from provider prompt caches` : undefined,
  ].filter((line) => line !== undefined);
  return {
    id,
    label,
    // "saved today": what caching saved, beside what was spent.
    description: `${aggregateCost(total)} · ${plural(total.requests, 'request')}${total.refusedRequests > 0 ? ` (${total.refusedRequests} refused)` : ''}${saved > 0 ? ` · ${formatUsd(saved)} saved` : ''}`,
    tooltip: tooltip.length > 0 ? tooltip.join('\n') : undefined,
    icon: 'calendar',
    expanded: true,
    children: [
      { id: `${id}/provider`, label: 'By provider', icon: 'server', children: rows(`${id}/provider`, byProvider, 'no provider') },
      { id: `${id}/model`, label: 'By model', icon: 'sparkle', children: rows(`${id}/model`, byModel, 'no model') },
      ...redactionNode(id, byProvider),
    ],
  };
}

/** What redaction did in the period, when it did anything: values replaced and calls refused. */
function redactionNode(id: string, byProvider: AggregateRow[]): SpendNode[] {
  let redactions = 0;
  let blocked = 0;
  for (const row of byProvider) {
    redactions += row.redactions ?? 0;
    blocked += row.blockedRequests ?? 0;
  }
  if (redactions === 0 && blocked === 0) return [];
  return [
    {
      id: `${id}/redaction`,
      label: 'Redaction',
      description: `${plural(redactions, 'value')} redacted · ${plural(blocked, 'call')} blocked`,
      tooltip: 'Secrets and personal data kept from providers (docs/privacy.md)',
      icon: 'shield',
    },
  ];
}

function rows(parentId: string, aggregate: AggregateRow[], unnamed: string): SpendNode[] {
  return [...aggregate]
    .sort((left, right) => right.costUsd - left.costUsd || right.requests - left.requests)
    .map((row) => ({
      id: `${parentId}/${row.key ?? ''}`,
      label: row.key ?? unnamed,
      description: `${aggregateCost(row)} · ${plural(row.requests, 'request')}`,
      tooltip: [
        `${row.inputTokens.toLocaleString('en-US')} input, ${row.outputTokens.toLocaleString('en-US')} output tokens`,
        row.errors > 0 ? `${plural(row.errors, 'error')}${(row.refusedRequests ?? 0) > 0 ? `, ${row.refusedRequests} refused by Switchyard` : ''}` : undefined,
        `average latency ${formatDuration(row.averageLatencyMs)}`,
      ]
        .filter((line) => line !== undefined)
        .join('\n'),
    }));
}

/** A total's cost; `no price` when none of its requests had one, since `$0` would claim they were free. */
function aggregateCost(row: Pick<AggregateRow, 'costUsd' | 'requests' | 'unpricedRequests' | 'refusedRequests'>): string {
  // Refused calls cost nothing, truly: they neither make a total priced nor unpriced.
  return row.unpricedRequests > 0 && row.unpricedRequests + (row.refusedRequests ?? 0) === row.requests ? 'no price' : formatUsd(row.costUsd);
}

function requestNode(record: RequestRecord): SpendNode {
  // A call refused for its body may name no model at all.
  const asked = record.requestedModel === '' ? 'no model' : record.requestedModel;
  const served = record.provider !== undefined && record.model !== undefined ? `${record.provider}/${record.model}` : asked;
  const failed = record.status >= 400 || record.error !== undefined;
  // A call that failed before any tokens were used has nothing to price (as /stats counts it).
  const spentNothing = record.costUsd === null && failed && record.inputTokens + record.outputTokens === 0;
  const cost = record.cache === 'hit' ? 'cache hit' : spentNothing ? formatUsd(0) : record.costUsd === null ? 'no price' : formatUsd(record.costUsd);
  const time = new Date(record.time);
  return {
    id: `request/${record.id}`,
    label: served,
    // The sidebar is narrow: cost first, the rest in the tooltip.
    description: `${cost} · ${formatDuration(record.latencyMs)}`,
    tooltip: [
      `${time.toLocaleString()} · ${record.id}`,
      `asked for ${asked}${record.provider !== undefined ? `, ${failed ? 'meant for' : 'served by'} ${served}` : ''}`,
      failed ? `status ${record.status}: ${record.error ?? 'failed'}` : `status ${record.status}`,
      `${record.inputTokens.toLocaleString('en-US')} input, ${record.outputTokens.toLocaleString('en-US')} output tokens · ${cost}`,
      `${record.timeToFirstTokenMs === null ? 'no first token' : `first token ${formatDuration(record.timeToFirstTokenMs)}`} · total ${formatDuration(record.latencyMs)}`,
    ].join('\n'),
    icon: failed ? 'error' : 'pass',
    requestId: record.id,
  };
}

interface Total {
  costUsd: number;
  requests: number;
  unpricedRequests: number;
  refusedRequests: number;
  cacheHits: number;
  savedUsd: number;
  promptCacheSavedUsd: number;
}

function sum(rows: AggregateRow[]): Total {
  return rows.reduce<Total>(
    (total, row) => ({
      costUsd: total.costUsd + row.costUsd,
      requests: total.requests + row.requests,
      unpricedRequests: total.unpricedRequests + row.unpricedRequests,
      // Rows from an older proxy lack the cache totals and the refused count.
      refusedRequests: total.refusedRequests + (row.refusedRequests ?? 0),
      cacheHits: total.cacheHits + (row.cacheHits ?? 0),
      savedUsd: total.savedUsd + (row.savedUsd ?? 0),
      promptCacheSavedUsd: total.promptCacheSavedUsd + (row.promptCacheSavedUsd ?? 0),
    }),
    { costUsd: 0, requests: 0, unpricedRequests: 0, refusedRequests: 0, cacheHits: 0, savedUsd: 0, promptCacheSavedUsd: 0 },
  );
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}

/** Share of a budget used (spent and reserved) at which the sidebar and status bar warn. */
export const budgetWarningShare = 0.8;

/** How much of a budget is used: spent plus reserved, over the limit (1 and more: full). */
export function budgetShare(budget: BudgetInfo): number {
  return budget.limitUsd === 0 ? 1 : (budget.spentUsd + budget.reservedUsd) / budget.limitUsd;
}

/** "Budgets": each as spend / limit with its period, a warning icon from 80 % used. */
export function budgetNodes(budgets: readonly BudgetInfo[]): SpendNode {
  return {
    id: 'budgets',
    label: 'Budgets',
    icon: 'law',
    expanded: true,
    children: budgets.map((budget) => {
      const share = budgetShare(budget);
      const resets = budget.resetsAt === undefined ? 'never resets' : `resets ${new Date(budget.resetsAt).toLocaleString()}`;
      return {
        id: `budget:${budget.name}`,
        label: budget.name.startsWith('key:') ? `key ${budget.name.slice(4)}` : budget.name,
        description: `${formatUsd(budget.spentUsd)} / ${formatUsd(budget.limitUsd)} per ${budget.period}${budget.action === 'warn' ? ' (warn)' : ''}`,
        tooltip: `${Math.round(share * 100)} % used (${formatUsd(budget.reservedUsd)} reserved by calls in flight); ${resets}`,
        icon: share >= 1 ? 'error' : share >= budgetWarningShare ? 'warning' : 'pass',
      };
    }),
  };
}
