/**
 * Calls refused at the front door — no local key, a wrong one, a foreign Host or a browser
 * Origin — leave no record (their body is never read, see server.ts), but they are how a tool
 * set up without the local key fails. So they are counted, logged (the first of each kind at
 * once, the rest summed up once a minute) and announced to the panel, with the caller's user
 * agent: the one thing of theirs worth showing, cleaned of control characters and cut short.
 */

export type DoorRefusalReason = 'no-key' | 'wrong-key' | 'revoked-key' | 'host-or-origin';

/** What the panel shows: "3 calls refused: no local key — from user agent claude-cli/2.1.105". */
export interface DoorRefusalNotice {
  reason: DoorRefusalReason;
  /** `no local key`, `wrong local key`, `foreign host or browser origin`. */
  label: string;
  /** Refusals of this kind since the proxy started. */
  count: number;
  /** The user agent of the latest one, cleaned and cut to 120 characters. */
  userAgent?: string;
  /** What fixes it, in one sentence. */
  fix: string;
  /** When the latest one came, milliseconds since the epoch. */
  time: number;
}

const labels: Record<DoorRefusalReason, string> = {
  'no-key': 'no local key',
  'wrong-key': 'wrong local key',
  'revoked-key': 'revoked access key',
  'host-or-origin': 'foreign host or browser origin',
};

/** After the first refusal of a kind is logged, the next are summed up this often at most. */
const logWindowMs = 60_000;
/** The panel hears of a kind at most this often (a tool retrying in a loop must not flood it). */
const noticeIntervalMs = 1_000;
const userAgentLength = 120;

export interface DoorRefusalsOptions {
  log: (message: string) => void;
  /** Announces a notice (the `refusals` event); throttled per kind. */
  announce: (notice: DoorRefusalNotice) => void;
  now?: () => number;
}

interface Tally {
  notice: DoorRefusalNotice;
  /** Refusals since the last log line about this kind. */
  unlogged: number;
  logTimer?: NodeJS.Timeout;
  lastAnnounced: number;
  announceTimer?: NodeJS.Timeout;
}

export class DoorRefusals {
  private readonly tallies = new Map<DoorRefusalReason, Tally>();
  private readonly now: () => number;

  constructor(private readonly options: DoorRefusalsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Counts one refusal; `fix` is the sentence the client was told, shortened for the panel. */
  count(reason: DoorRefusalReason, userAgent: string | string[] | undefined, fix: string): void {
    const time = this.now();
    const agent = cleanUserAgent(userAgent);
    let tally = this.tallies.get(reason);
    if (tally === undefined) {
      tally = { notice: { reason, label: labels[reason], count: 0, fix, time }, unlogged: 0, lastAnnounced: 0 };
      this.tallies.set(reason, tally);
    }
    const notice = tally.notice;
    notice.count++;
    notice.time = time;
    notice.fix = fix;
    if (agent === undefined) delete notice.userAgent;
    else notice.userAgent = agent;
    this.logSoon(tally);
    this.announceSoon(tally);
  }

  /** Every kind refused so far, for a panel that opens later. */
  notices(): DoorRefusalNotice[] {
    return [...this.tallies.values()].map((tally) => ({ ...tally.notice }));
  }

  /** Refusals of every kind since start. */
  get total(): number {
    let total = 0;
    for (const tally of this.tallies.values()) total += tally.notice.count;
    return total;
  }

  /** Writes what is still unlogged and stops the timers (at shutdown). */
  dispose(): void {
    for (const tally of this.tallies.values()) {
      clearTimeout(tally.logTimer);
      clearTimeout(tally.announceTimer);
      tally.logTimer = undefined;
      tally.announceTimer = undefined;
      if (tally.unlogged > 0) this.writeSummary(tally);
    }
  }

  private logSoon(tally: Tally): void {
    if (tally.logTimer !== undefined) {
      tally.unlogged++;
      return;
    }
    const { notice } = tally;
    this.options.log(`refused at the door: ${notice.label}${from(notice)}. ${notice.fix}`);
    tally.logTimer = setTimeout(() => {
      tally.logTimer = undefined;
      if (tally.unlogged > 0) this.writeSummary(tally);
    }, logWindowMs).unref();
  }

  private writeSummary(tally: Tally): void {
    const { notice } = tally;
    this.options.log(`refused at the door: ${tally.unlogged} more ${tally.unlogged === 1 ? 'call' : 'calls'} with ${notice.label} in the last minute${from(notice)} (${notice.count} since start)`);
    tally.unlogged = 0;
  }

  private announceSoon(tally: Tally): void {
    if (tally.announceTimer !== undefined) return;
    const wait = tally.lastAnnounced + noticeIntervalMs - this.now();
    const announce = (): void => {
      tally.announceTimer = undefined;
      tally.lastAnnounced = this.now();
      this.options.announce({ ...tally.notice });
    };
    if (wait <= 0) announce();
    else tally.announceTimer = setTimeout(announce, wait).unref();
  }
}

function from(notice: DoorRefusalNotice): string {
  return notice.userAgent === undefined ? ' (no user agent)' : ` from user agent ${notice.userAgent}`;
}

/** A header from an unauthenticated caller, safe to show: printable characters only, cut short. */
export function cleanUserAgent(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.replace(/[^\x20-\x7e]+/g, ' ').trim();
  if (text === undefined || text === '') return undefined;
  return text.length > userAgentLength ? `${text.slice(0, userAgentLength - 1)}…` : text;
}
