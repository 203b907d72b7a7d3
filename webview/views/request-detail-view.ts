/**
 * The detail pane (`#request-detail`): one request's summary, its routing decision (rule,
 * route, strategy, candidates, every attempt, the winner), usage and cost, and its error.
 * Shows whatever the record holds, including decision fields this version does not know.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { AttemptDecision, CallContent, CandidateDecision, DecisionRecord, ReplayAnswer, RequestRecord } from '../protocol';
import { answerText, requestMessages, splitPlaceholders } from '../content-text';
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
  spentNothing,
} from '../format';
import { codicon, element, replaceChildren } from './dom';

const knownDecisionFields = new Set(['rule', 'route', 'via', 'strategy', 'candidates', 'attempts', 'winner']);

const attemptIcons: Readonly<Record<AttemptDecision['outcome'], string>> = { won: 'pass', failed: 'error', cancelled: 'circle-slash' };
const candidateIcons: Readonly<Record<CandidateDecision['outcome'], string>> = { tried: 'check', skipped: 'dash', unused: 'circle-outline' };

export class RequestDetailView {
  readonly root = element('aside', { id: 'request-detail', className: 'request-detail', attrs: { 'aria-label': 'Request detail' } });
  private record: RequestRecord | undefined;
  /** What the audit log kept, by request id; `null` while it is being asked for. */
  private content: { id: string; content: CallContent | undefined | null } | undefined;
  private replay: { id: string; pending: boolean; answer?: ReplayAnswer; error?: string } | undefined;
  /** The team proxy's URL while the window uses one: what is missing there is its admin's to turn on. */
  private teamUrl: string | undefined;

  /**
   * @param onClose the close button.
   * @param onOpen opens another request's detail (a shadow or judge call's served request).
   * @param onReplay "Replay with…": the host asks for the model and replays.
   */
  constructor(
    private readonly onClose: () => void,
    private readonly onOpen: (id: string) => void = () => {},
    private readonly onReplay: (id: string) => void = () => {},
  ) {
    this.root.hidden = true;
  }

  /** The audit log's content of a request arrived (undefined: none was kept). */
  setContent(id: string, content: CallContent | undefined): void {
    this.content = { id, content };
    if (this.record?.id === id) this.show(this.record);
  }

  /** A replay of the shown request finished. */
  setReplay(id: string, answer: ReplayAnswer | undefined, error: string | undefined): void {
    this.replay = { id, pending: false, answer, error };
    if (this.record?.id === id) this.show(this.record);
  }

  /** The window moved to (or off) a team proxy. */
  setTeam(teamUrl: string | undefined): void {
    this.teamUrl = teamUrl;
  }

  clear(): void {
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  showLoading(id: string): void {
    this.render(id, [element('p', { className: 'muted' }, ['Loading…'])]);
  }

  /**
   * The proxy answered that it has no such request. Why is not known here — an id from another
   * proxy, another key's call on a team proxy, or a record past the retention period — so the
   * message says where it looked and what could explain it, without claiming one.
   */
  showMissing(id: string, where: { teamUrl?: string; port?: number }): void {
    const text =
      where.teamUrl !== undefined
        ? `${id} is not among your requests on the team proxy ${where.teamUrl}: it was made with another key or on another proxy, or is older than the team's retention period.`
        : `${id} is not in the log of the proxy${where.port === undefined ? '' : ` on 127.0.0.1:${where.port}`}: it was made on another proxy (a team proxy, or one with another data folder), or is older than the retention period ("retentionDays").`;
    this.render(id, [element('p', { className: 'muted request-missing' }, [text])]);
  }

  show(record: RequestRecord): void {
    this.record = record;
    if (this.content?.id !== record.id) this.content = { id: record.id, content: null };
    if (this.replay?.id !== record.id) this.replay = undefined;
    const failed = isFailure(record);
    this.render(record.requestedModel === '' ? 'No model named' : record.requestedModel, [
      element('div', { className: 'detail-subtitle' }, [
        element('span', { className: failed ? 'status-pill error' : 'status-pill ok' }, [codicon(failed ? 'error' : 'pass'), ` ${record.status === 0 ? 'failed' : record.status}`]),
        element('span', {}, [`→ ${formatServed(record)}`]),
      ]),
      record.error ? element('div', { className: 'error-box', attrs: { role: 'alert' } }, [codicon('error'), element('span', {}, [record.error])]) : null,
      section('Summary', summary(record, this.onOpen)),
      record.decision ? section('Routing decision', decisionView(record.decision)) : section('Routing decision', [element('p', { className: 'muted' }, ['No decision recorded (the call failed before routing).'])]),
      record.budget ? section('Budget check', budgetCheck(record.budget)) : null,
      section('Usage and cost', usage(record)),
      record.redactions ? section('Redaction', redaction(record)) : null,
      section('Content', this.contentView(record)),
      this.replay === undefined ? null : section('Replay', this.replayView(record)),
    ]);
  }

  private contentView(record: RequestRecord): Array<Node | null> {
    const content = this.content?.content;
    if (content === null) return [element('p', { className: 'muted' }, ['Loading…'])];
    if (content === undefined) {
      // On a team proxy the audit log is its admin's: say who can turn it on, not "turn it on".
      const why =
        this.teamUrl === undefined
          ? 'No content kept for this request. Turn on the audit log ("audit": { "enabled": true }) to keep what is sent and answered, and to replay it.'
          : `No content kept for this request on the team proxy ${this.teamUrl}, so there is nothing to show or replay: its admin keeps content by turning on its audit log ("audit": { "enabled": true }), and a proxy older than this window lets an access key read none.`;
      return [element('p', { className: 'muted content-missing' }, [why])];
    }
    const replay = element('vscode-button', { secondary: true, dataset: { action: 'replay' }, on: { click: () => this.startReplay(record.id) } }, ['Replay with…']);
    return [
      element('div', { className: 'content-toolbar' }, [element('span', { className: 'muted' }, [record.redactions ? 'As sent to the provider, after redaction; placeholders are highlighted.' : 'As sent to the provider.']), replay]),
      element(
        'ol',
        { className: 'content-messages' },
        requestMessages(content).map((message) => element('li', { className: `content-message role-${message.role}` }, [element('div', { className: 'content-role' }, [message.role]), withPlaceholders(message.text)])),
      ),
      element('h3', {}, ['Answer, as received']),
      content.answer === undefined ? element('p', { className: 'muted' }, [content.error ?? 'No answer.']) : element('div', { className: 'content-answer' }, [withPlaceholders(answerText(content.answer))]),
    ];
  }

  private startReplay(id: string): void {
    this.replay = { id, pending: true };
    if (this.record !== undefined) this.show(this.record);
    this.onReplay(id);
  }

  private replayView(record: RequestRecord): Array<Node | null> {
    const replay = this.replay!;
    if (replay.pending) return [element('p', { className: 'muted' }, ['Choose a model; the request is sent again through the proxy…'])];
    if (replay.answer === undefined) return [element('div', { className: 'error-box' }, [codicon('error'), element('span', {}, [replay.error ?? 'The replay failed.'])])];
    const original = this.content?.content ?? undefined;
    const column = (heading: string, text: string | undefined, error: string | undefined, cost: number | null, latencyMs: number): HTMLElement =>
      element('div', { className: 'replay-column' }, [
        element('h3', {}, [heading]),
        element('div', { className: 'replay-facts' }, [`${formatCost(cost)} · ${formatDuration(latencyMs)}`]),
        error === undefined ? element('div', { className: 'content-answer' }, [withPlaceholders(text ?? '')]) : element('div', { className: 'error-box' }, [codicon('error'), element('span', {}, [error])]),
      ]);
    return [
      element('div', { className: 'replay-compare', dataset: { replay: replay.answer.requestId ?? '' } }, [
        column(formatServed(record), answerText(original?.answer), undefined, record.costUsd, record.latencyMs),
        column(replay.answer.model, replay.answer.text, replay.answer.error, replay.answer.costUsd, replay.answer.latencyMs),
      ]),
    ];
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

/** Text with each placeholder (`<EMAIL_1>`) marked, so the reader sees what redaction replaced. */
function withPlaceholders(text: string): HTMLElement {
  return element(
    'div',
    { className: 'content-text' },
    splitPlaceholders(text).map((piece) => (piece.placeholder ? element('mark', { className: 'placeholder', title: 'Replaced by redaction' }, [piece.text]) : piece.text)),
  );
}

function redaction(record: RequestRecord): Array<Node | null> {
  return [
    element('p', {}, [record.redactionBlocked ? 'Blocked: the request held sensitive values and was not sent.' : 'Sensitive values were replaced by placeholders before the provider saw the request.']),
    facts(Object.entries(record.redactions ?? {}).map(([detector, count]): [string, string] => [detector, formatCount(count)])),
  ];
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

/** What the budgets reserved and settled over the call's attempts, and which applied. */
function budgetCheck(check: NonNullable<RequestRecord['budget']>): Array<Node | null> {
  const name = (budget: string): string => (budget.startsWith('key:') ? `key ${budget.slice(4)}` : budget);
  return [
    facts([
      ['Budgets', check.budgets.length === 0 ? 'none' : check.budgets.map(name).join(', ')],
      ['Reserved', `$${check.reservedUsd.toFixed(6)}${check.reservedUsd > 0 ? ' (worst case, every attempt)' : ''}`],
      ['Settled', `$${check.settledUsd.toFixed(6)}${check.settledToReservation ? ' (usage unknown: settled to the reservation)' : ''}`],
      ['Price', check.assumedPrice ? 'assumed (the model has no known price)' : undefined],
      ['Warned', check.warned === undefined ? undefined : check.warned.map(name).join(', ')],
      ['Refused by', check.refusedBy === undefined ? undefined : name(check.refusedBy)],
    ]),
  ];
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
          spentNothing(record)
            ? element('td', { className: 'numeric', title: 'Failed before any tokens were used: nothing to pay' }, [formatCost(0)])
            : element('td', { className: 'numeric', title: record.costUsd === null ? 'No price is known for this model' : '' }, [formatCost(record.costUsd)]),
        ]),
      ]),
    ]),
    record.cacheReadTokens > 0 ? element('p', { className: 'muted' }, [codicon('database'), ` Cache hit: ${formatCount(record.cacheReadTokens)} input tokens came from the provider's prompt cache.`]) : null,
  ];
}
