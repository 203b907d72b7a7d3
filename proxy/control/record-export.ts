/**
 * Request records as CSV or JSON for export (`switchyard requests export`, the panel's Export
 * button). What leaves is what the panel shows — never a secret: not the last characters of a
 * key (old records' `clientKey`), only the key's id and label. Content (prompts and answers) is
 * added only when the caller passes it, which it does only when the user asked and the audit
 * log kept it.
 */
import type { CallContent } from '../audit/audit-observer';
import type { RequestRecord } from '../store/request-record';

export type ExportFormat = 'csv' | 'json';

export const exportFormats: readonly ExportFormat[] = ['csv', 'json'];

/** One CSV column: its header and how a record fills it. */
interface ExportColumn {
  name: string;
  value(record: RequestRecord): string | number | boolean | null | undefined;
}

/** The CSV's columns, in the panel's order, then what the panel keeps for the tooltip or detail. */
const columns: readonly ExportColumn[] = [
  { name: 'id', value: (record) => record.id },
  { name: 'time', value: (record) => new Date(record.time).toISOString() },
  { name: 'tool', value: (record) => record.tool },
  { name: 'toolVersion', value: (record) => record.toolVersion },
  { name: 'requestedModel', value: (record) => record.requestedModel },
  { name: 'provider', value: (record) => servedBy(record)?.provider },
  { name: 'model', value: (record) => servedBy(record)?.model },
  { name: 'attempts', value: (record) => record.decision?.attempts.length ?? 0 },
  { name: 'status', value: (record) => record.status },
  { name: 'error', value: (record) => record.error },
  { name: 'inputTokens', value: (record) => record.inputTokens },
  { name: 'outputTokens', value: (record) => record.outputTokens },
  { name: 'cacheReadTokens', value: (record) => record.cacheReadTokens },
  { name: 'cacheWriteTokens', value: (record) => record.cacheWriteTokens },
  { name: 'reasoningTokens', value: (record) => record.reasoningTokens },
  { name: 'costUsd', value: (record) => record.costUsd },
  { name: 'timeToFirstTokenMs', value: (record) => record.timeToFirstTokenMs },
  { name: 'latencyMs', value: (record) => record.latencyMs },
  { name: 'cache', value: (record) => record.cache },
  { name: 'savedUsd', value: (record) => record.savedUsd },
  { name: 'route', value: (record) => record.decision?.route },
  { name: 'rule', value: (record) => (record.decision?.rule === undefined ? undefined : (record.decision.rule.name ?? `rule ${record.decision.rule.index + 1}`)) },
  { name: 'clientFormat', value: (record) => record.clientFormat },
  { name: 'endpoint', value: (record) => record.endpoint },
  { name: 'stream', value: (record) => record.stream },
  { name: 'keyId', value: (record) => record.keyId },
  { name: 'keyLabel', value: (record) => record.keyLabel },
  { name: 'purpose', value: (record) => record.purpose },
  { name: 'parentId', value: (record) => record.parentId },
  { name: 'userAgent', value: (record) => record.userAgent },
];

/**
 * The provider and model that served the call: none when nothing did (refused, or every
 * attempt failed) — a record keeps the target it meant to use in `provider`/`model` then.
 */
function servedBy(record: RequestRecord): { provider?: string; model?: string } | undefined {
  // The same test as the panel's "Served by" (webview/format.ts wasServed).
  const served = record.decision?.winner !== undefined || ((record.provider !== undefined || record.model !== undefined) && record.status > 0 && record.status < 400);
  return served ? { provider: record.provider, model: record.model } : undefined;
}

/** The CSV's header line, with its line end. */
export function csvHeader(): string {
  return `${columns.map((column) => column.name).join(',')}\r\n`;
}

/** One record as a CSV line (RFC 4180: quoted where needed, CRLF). */
export function csvRow(record: RequestRecord): string {
  return `${columns.map((column) => csvCell(column.value(record))).join(',')}\r\n`;
}

/**
 * A cell: empty for nothing, quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@` first — a model name is the client's
 * to choose) gets a leading apostrophe, as OWASP advises for CSV exports.
 */
function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A record as exported in JSON: the record without key fragments, its time also as ISO text, and its content when given. */
export function exportedRecord(record: RequestRecord, content?: CallContent): Record<string, unknown> {
  const { clientKey: _keyFragment, ...rest } = record;
  const exported: Record<string, unknown> = { ...rest, time: new Date(record.time).toISOString(), timeMs: record.time };
  if (content !== undefined) exported.content = content;
  return exported;
}

/**
 * Writes records in a format piece by piece, so an export of the whole log never sits in memory:
 * `start()`, then `records()` for each page, then `end()`.
 */
export class RecordExportWriter {
  private count = 0;

  constructor(
    readonly format: ExportFormat,
    private readonly write: (text: string) => void | Promise<void>,
  ) {}

  async start(): Promise<void> {
    await this.write(this.format === 'csv' ? csvHeader() : '[');
  }

  /** A page of records, with the content of those that have it when content was asked for (JSON only). */
  async records(records: readonly RequestRecord[], contents?: ReadonlyMap<string, CallContent>): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const record of records) {
      if (this.format === 'csv') text += csvRow(record);
      else text += `${this.count === 0 ? '\n' : ',\n'}${JSON.stringify(exportedRecord(record, contents?.get(record.id)))}`;
      this.count += 1;
    }
    await this.write(text);
  }

  async end(): Promise<void> {
    if (this.format === 'json') await this.write(this.count === 0 ? ']\n' : '\n]\n');
  }

  /** How many records were written. */
  get written(): number {
    return this.count;
  }
}

/**
 * Pages through a log newest first with a strict `before` cursor without losing records that
 * share a millisecond at a page boundary: the next page starts at the boundary's millisecond
 * again (`before` = that time + 1) and skips the ids already seen there.
 */
export async function forEachRecordPage(
  fetchPage: (before: number | undefined, limit: number) => Promise<RequestRecord[]>,
  onPage: (records: RequestRecord[]) => Promise<void>,
  pageSize = 1000,
): Promise<void> {
  let before: number | undefined;
  let seenAtBoundary = new Set<string>();
  for (;;) {
    const page = await fetchPage(before, pageSize);
    const fresh = page.filter((record) => !seenAtBoundary.has(record.id));
    if (fresh.length > 0) await onPage(fresh);
    if (page.length < pageSize) return;
    const oldest = page[page.length - 1]!.time;
    const atOldest = page.filter((record) => record.time === oldest).map((record) => record.id);
    // A whole page in one millisecond (a page is 1,000 records; a proxy records far fewer in a
    // millisecond): move past it rather than loop, leaving the rest of that millisecond out.
    if (fresh.length === 0 || atOldest.length === page.length) {
      before = oldest;
      seenAtBoundary = new Set();
    } else {
      before = oldest + 1;
      seenAtBoundary = new Set(atOldest);
    }
  }
}
