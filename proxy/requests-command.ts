import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { parseCommandLine } from './command-line';
import { callContentKind, type CallContent } from './audit/audit-observer';
import { decodeRecordFilterQuery, InvalidQueryError } from './control/decode-query';
import { exportFormats, forEachRecordPage, RecordExportWriter, type ExportFormat } from './control/record-export';
import type { RecordFilter } from './store/record-filter';
import { openDatabase } from './store/sqlite/open-database';
import { auditDatabaseFileName, openAuditDatabase, SqliteAuditSink } from './store/sqlite/sqlite-audit-sink';
import { SqliteRequestLog } from './store/sqlite/sqlite-request-log';

export const requestsUsage = `Usage: switchyard requests export [options] [> file]

Writes the request log — every call's time, tool, model asked and served, attempts, status,
error, tokens, cost and latency — as CSV or JSON, newest first. Never a key: callers are named
by key id and label only.

Options:
  --format csv|json  (default csv)
  --out FILE         write to FILE instead of stdout
  --since WHEN, --until WHEN
                     the time range, as an ISO date or time (2026-12-01, 2026-12-01T09:00Z) or an
                     age (7d, 12h, 30m); all of the log by default. A date alone as --until
                     means the end of that day.
  --provider ID, --model NAME, --status ok|error|CODE
                     only the calls served by that provider or model, or with that outcome
  --content          (JSON only) add each call's prompt and answer as the content audit log kept
                     them ("audit": { "enabled": true }); calls it kept nothing of have none
  --data-dir DIR     the proxy's data folder (default $SWITCHYARD_DATA_DIR, else the config's
                     dataDir, else the user's data folder)`;

/** Runs `switchyard requests …`; resolves with the exit code. */
export async function requestsCommand(argv: string[], dataDirFor: (explicit: string | undefined) => Promise<string>): Promise<number> {
  const parsed = parseCommandLine('requests', requestsUsage, argv, {
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    since: { type: 'string' },
    until: { type: 'string' },
    provider: { type: 'string' },
    model: { type: 'string' },
    status: { type: 'string' },
    content: { type: 'boolean' },
    'data-dir': { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.help || positionals[0] !== 'export') {
    process.stdout.write(`${requestsUsage}\n`);
    return values.help ? 0 : 2;
  }
  const format = (values.format ?? 'csv') as ExportFormat;
  if (!exportFormats.includes(format)) return fail(`--format must be csv or json, not '${values.format}'.`);
  if (values.content && format !== 'json') return fail('--content needs --format json: prompts and answers do not fit in CSV cells.');
  const now = Date.now();
  const since = values.since === undefined ? undefined : parseWhen(values.since, now, 'start');
  const until = values.until === undefined ? undefined : parseWhen(values.until, now, 'end');
  for (const [flag, text, time] of [['--since', values.since, since], ['--until', values.until, until]] as const) {
    if (time !== undefined && Number.isNaN(time)) return fail(`${flag} must be an ISO date or time (2026-12-01, 2026-12-01T09:00Z) or an age (7d, 12h, 30m), not '${text}'.`);
  }
  let filter: RecordFilter;
  try {
    // The control API's own decoder: the CLI and GET /requests agree on what a filter means.
    filter = decodeRecordFilterQuery({
      ...(since === undefined ? {} : { since: String(Math.max(0, since)) }),
      ...(until === undefined ? {} : { until: String(Math.max(0, until)) }),
      ...(values.provider === undefined ? {} : { provider: values.provider }),
      ...(values.model === undefined ? {} : { model: values.model }),
      ...(values.status === undefined ? {} : { status: values.status }),
    });
  } catch (error) {
    if (error instanceof InvalidQueryError) return fail(error.message.replace(/^(since|until|provider|model|status)\b/, '--$1'));
    throw error;
  }
  const dataDir = await dataDirFor(values['data-dir']);
  if (!existsSync(path.join(dataDir, 'switchyard.db'))) return fail(`there is no request log in ${dataDir}: no call has been recorded there (or pass --data-dir).`);
  const auditFile = path.join(dataDir, auditDatabaseFileName);
  if (values.content && !existsSync(auditFile)) {
    return fail(`there is no content audit log in ${dataDir}; set "audit": { "enabled": true } in the config to keep prompts and answers, or leave out --content.`);
  }

  const out: WriteStream | undefined = values.out === undefined ? undefined : createWriteStream(values.out, { mode: 0o600 });
  const write = (text: string): Promise<void> | void => {
    const stream = out ?? process.stdout;
    if (!stream.write(text)) return new Promise((resolve) => stream.once('drain', resolve));
  };
  const { database, lock } = openDatabase(dataDir);
  const log = new SqliteRequestLog(database);
  const audit = values.content ? new SqliteAuditSink(() => openAuditDatabase(dataDir)) : undefined;
  const writer = new RecordExportWriter(format, write);
  try {
    await writer.start();
    await forEachRecordPage(
      (before, limit) => log.recent({ ...filter, limit, ...(before === undefined ? {} : { before }) }),
      async (records) => writer.records(records, audit === undefined ? undefined : await contentsOf(audit, records.map((record) => record.id))),
    );
    await writer.end();
  } finally {
    await log.close();
    database.close();
    lock.release();
    await audit?.close();
    if (out !== undefined) await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  process.stderr.write(`Exported ${writer.written} ${writer.written === 1 ? 'request' : 'requests'}${values.out === undefined ? '' : ` to ${values.out}`}.\n`);
  return 0;
}

/** The kept content of each request, by id. */
async function contentsOf(audit: SqliteAuditSink, ids: readonly string[]): Promise<Map<string, CallContent>> {
  const contents = new Map<string, CallContent>();
  for (const id of ids) {
    const [entry] = await audit.recent({ requestId: id, kind: callContentKind, limit: 1 });
    if (entry !== undefined) contents.set(id, entry.data as unknown as CallContent);
  }
  return contents;
}

/**
 * An ISO date or time, or an age before `now` (`7d`, `12h`, `30m`); NaN when neither. A bare
 * date is local midnight, and as the range's end the last millisecond of that day.
 */
export function parseWhen(text: string, now: number, end: 'start' | 'end'): number {
  const age = /^(\d+)([dhm])$/.exec(text);
  if (age !== null) return now - Number(age[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[age[2] as 'd' | 'h' | 'm'];
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date !== null) {
    const [year, month, day] = [Number(date[1]), Number(date[2]) - 1, Number(date[3])];
    return end === 'start' ? new Date(year, month, day).getTime() : new Date(year, month, day + 1).getTime() - 1;
  }
  return Date.parse(text);
}

function fail(message: string): number {
  process.stderr.write(`switchyard requests export: ${message}\n`);
  return 2;
}
