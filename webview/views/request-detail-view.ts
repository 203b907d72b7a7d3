/**
 * The detail pane (`#request-detail`): one request's summary, its routing decision (rule,
 * route, strategy, candidates, every attempt, the winner), usage and cost, and its error.
 * Shows whatever the record holds, including decision fields this version does not know.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { AttemptDecision, CandidateDecision, DecisionRecord, RequestRecord } from '../protocol';
import {
  describeUnserved,
  formatClient,
  formatClientFormat,
  formatTool,
  formatCost,
  formatCount,
  formatDuration,
  formatRule,
  formatServed,
  formatTimestamp,
  formatVia,
  isFailure,
  missing,
} from '../format';
import { codicon, element, replaceChildren } from './dom';

const knownDecisionFields = new Set(['rule', 'route', 'via', 'strategy', 'candidates', 'attempts', 'winner']);

const attemptIcons: Readonly<Record<AttemptDecision['outcome'], string>> = { won: 'pass', failed: 'error', cancelled: 'circle-slash' };
const candidateIcons: Readonly<Record<CandidateDecision['outcome'], string>> = { tried: 'check', skipped: 'dash', unused: 'circle-outline' };

export class RequestDetailView {
  readonly root = element('aside', { id: 'request-detail', className: 'request-detail', attrs: { 'aria-label': 'Request detail' } });

  /**
   * @param onClose the close button.
   * @param onOpen opens another request's detail (a shadow or judge call's served request).
   */
  constructor(
    private readonly onClose: () => void,
    private readonly onOpen: (id: string) => void = () => {},
  ) {
    this.root.hidden = true;
  }

  clear(): void {
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  showLoading(id: string): void {
    this.render(id, [element('p', { className: 'muted' }, ['Loading…'])]);
  }

  showMissing(id: string): void {
    this.render(id, [element('p', { className: 'muted' }, ['This request is no longer in the log (older than the retention period).'])]);
  }

  show(record: RequestRecord): void {
    const failed = isFailure(record);
    this.render(record.requestedModel === '' ? 'No model named' : record.requestedModel, [
      element('div', { className: 'detail-subtitle' }, [
        element('span', { className: failed ? 'status-pill error' : 'status-pill ok' }, [codicon(failed ? 'error' : 'pass'), ` ${record.status === 0 ? 'failed' : record.status}`]),
        element('span', {}, [`→ ${formatServed(record)}`]),
      ]),
      record.error ? element('div', { className: 'error-box', attrs: { role: 'alert' } }, [codicon('error'), element('span', {}, [record.error])]) : null,
      section('Summary', summary(record, this.onOpen)),
      record.decision ? section('Routing decision', decisionView(record.decision)) : section('Routing decision', [element('p', { className: 'muted' }, ['No decision recorded (the call failed before routing).'])]),
      section('Usage and cost', usage(record)),
    ]);
  }

  private render(title: string, body: Array<Node | null>): void {
    this.root.hidden = false;
    const close = element('vscode-toolbar-button', { icon: 'close', label: 'Close detail', on: { click: () => this.onClose() } });
    replaceChildren(this.root, [
      element('header', { className: 'detail-header' }, [element('h2', { title }, [title]), close]),
      element('div', { className: 'detail-body' }, body),
    ]);
  }
}

function section(heading: string, content: Array<Node | null>): HTMLElement {
  return element('vscode-collapsible', { heading, open: true, className: 'detail-section' }, [element('div', { className: 'section-content' }, content)]);
}

/** A two-column list of label/value pairs; pairs without a value are left out. */
function facts(pairs: Array<[string, string | Node | undefined]>): HTMLElement {
  const list = element('dl', { className: 'facts' });
  for (const [label, value] of pairs) {
    if (value === undefined) continue;
    list.append(element('dt', {}, [label]), element('dd', {}, [value]));
  }
  return list;
}

function mono(text: string): HTMLElement {
  return element('code', {}, [text]);
}

/** Another request's id that opens its detail when clicked. */
function requestLink(id: string, onOpen: (id: string) => void): HTMLElement {
  const link = element('a', { href: '#', attrs: { title: 'Open the request this call was made for' }, on: { click: (event) => (event.preventDefault(), onOpen(id)) } }, [mono(id)]);
  return link;
}

/** Which local key a call used: its label and id, or an old record's last four characters. */
function clientKey(record: RequestRecord): string {
  if (record.keyId !== undefined) return ` (${record.keyLabel ?? 'key'}, ${record.keyId})`;
  return record.clientKey ? ` (key ${record.clientKey})` : '';
}

function summary(record: RequestRecord, onOpen: (id: string) => void): Array<Node | null> {
  return [
    facts([
      ['Request', mono(record.id)],
      ['Time', formatTimestamp(record.time)],
      ['Tool', formatTool(record)],
      ['User agent', record.userAgent === undefined ? undefined : mono(record.userAgent)],
      ['Client', record.purpose === undefined ? `${formatClientFormat(record.clientFormat)}${clientKey(record)}` : formatClient(record)],
      ['Made for', record.parentId === undefined ? undefined : requestLink(record.parentId, onOpen)],
      ['Endpoint', mono(record.endpoint)],
      ['Model asked', record.requestedModel === '' ? missing : mono(record.requestedModel)],
      ['Served by', describeUnserved(record) ?? formatServed(record)],
      ['Mode', `${record.stream ? 'streaming' : 'not streaming'}${record.passthrough ? ', passthrough' : ', translated'}`],
      ['First token', formatDuration(record.timeToFirstTokenMs)],
      ['Latency', formatDuration(record.latencyMs)],
    ]),
  ];
}

function decisionView(decision: DecisionRecord): Array<Node | null> {
  const extra = Object.entries(decision as unknown as Record<string, unknown>).filter(([key]) => !knownDecisionFields.has(key));
  return [
    facts([
      ['Chosen by', formatVia(decision.via)],
      ['Rule', decision.rule ? `${formatRule(decision.rule)} (#${decision.rule.index + 1})` : undefined],
      ['Route', decision.route],
      ['Strategy', decision.strategy],
      ['Winner', decision.winner ? mono(decision.winner) : missing],
      ...extra.map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
    ]),
    decision.candidates.length > 0 ? element('h3', {}, ['Candidates']) : null,
    decision.candidates.length > 0
      ? element('table', { className: 'mini-table' }, [
          element('thead', {}, [element('tr', {}, [element('th', {}, ['Target']), element('th', {}, ['Outcome']), element('th', {}, ['Why'])])]),
          element(
            'tbody',
            {},
            decision.candidates.map((candidate) =>
              element('tr', { className: `candidate-${candidate.outcome}` }, [
                element('td', {}, [mono(candidate.target)]),
                element('td', {}, [codicon(candidateIcons[candidate.outcome] ?? 'circle-outline'), ` ${candidate.outcome}`]),
                element('td', {}, [candidate.reason]),
              ]),
            ),
          ),
        ])
      : null,
    element('h3', {}, [`Attempts (${decision.attempts.length})`]),
    decision.attempts.length === 0
      ? element('p', { className: 'muted' }, ['No upstream attempt was made.'])
      : element(
          'ol',
          { className: 'attempts' },
          decision.attempts.map((attempt, index) => attemptView(attempt, index, decision.winner)),
        ),
  ];
}

function attemptView(attempt: AttemptDecision, index: number, winner: string | undefined): HTMLElement {
  const isWinner = attempt.outcome === 'won' && attempt.target === winner;
  return element('li', { className: `attempt attempt-${attempt.outcome}`, dataset: { attempt: index, outcome: attempt.outcome } }, [
    element('div', { className: 'attempt-head' }, [
      codicon(attemptIcons[attempt.outcome] ?? 'circle-outline', attempt.outcome),
      element('span', { className: 'attempt-target' }, [mono(attempt.target)]),
      isWinner ? element('vscode-badge', {}, ['winner']) : null,
    ]),
    element('div', { className: 'attempt-facts' }, [
      `${attempt.outcome} · ${attempt.status === null ? 'no response' : `status ${attempt.status}`} · ${formatDuration(attempt.latencyMs)}`,
      attempt.retryDelayMs !== undefined ? ` · retried after ${formatDuration(attempt.retryDelayMs)}` : '',
    ]),
    attempt.error ? element('div', { className: 'attempt-error' }, [attempt.error]) : null,
  ]);
}

function usage(record: RequestRecord): Array<Node | null> {
  const rows: Array<[string, number]> = [
    ['Input', record.inputTokens],
    ['Output', record.outputTokens],
    ['Cache read', record.cacheReadTokens],
    ['Cache write', record.cacheWriteTokens],
    ['Reasoning', record.reasoningTokens],
  ];
  return [
    element('table', { className: 'mini-table usage-table' }, [
      element(
        'tbody',
        {},
        rows.map(([label, count]) => element('tr', {}, [element('th', { scope: 'row' }, [label]), element('td', { className: 'numeric' }, [formatCount(count)])])),
      ),
      element('tfoot', {}, [
        element('tr', {}, [
          element('th', { scope: 'row' }, ['Cost']),
          element('td', { className: 'numeric', title: record.costUsd === null ? 'No price is known for this model' : '' }, [formatCost(record.costUsd)]),
        ]),
      ]),
    ]),
    record.cacheReadTokens > 0 ? element('p', { className: 'muted' }, [codicon('database'), ` Cache hit: ${formatCount(record.cacheReadTokens)} input tokens came from the provider's prompt cache.`]) : null,
  ];
}
