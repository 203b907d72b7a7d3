import { forEachRecordPage, RecordExportWriter, type ExportFormat } from '../../proxy/control/record-export';
import type { CallContent, RequestRecord, TimeWindow } from '../../webview/protocol';
import { matchesFilter } from '../../webview/request-list';
import type { ControlClient } from '../control-client';

/** What an export reads from the proxy (a ControlClient, or a fake in tests). */
export type ExportClient = Pick<ControlClient, 'requests' | 'requestContent'>;

/** How many content look-ups run at once when prompts and answers are exported. */
const contentConcurrency = 8;

/**
 * Writes the records of a date range that match the panel's filter box — the table's own
 * matching, so the file holds what the user sees, older pages included — page by page through
 * the control API. Content is read from the audit log only when `withContent` (JSON only).
 * Resolves with how many records were written.
 */
export async function exportRecords(
  client: ExportClient,
  options: { range: TimeWindow; filter: string; format: ExportFormat; withContent: boolean },
  write: (text: string) => void | Promise<void>,
): Promise<number> {
  const writer = new RecordExportWriter(options.format, write);
  await writer.start();
  await forEachRecordPage(
    async (before, limit) => (await client.requests(limit, before, options.range)).records,
    async (page) => {
      const matching = page.filter((record) => matchesFilter(record, options.filter));
      const contents = options.withContent && options.format === 'json' ? await contentsOf(client, matching) : undefined;
      await writer.records(matching, contents);
    },
  );
  await writer.end();
  return writer.written;
}

async function contentsOf(client: ExportClient, records: readonly RequestRecord[]): Promise<Map<string, CallContent>> {
  const contents = new Map<string, CallContent>();
  for (let start = 0; start < records.length; start += contentConcurrency) {
    const batch = records.slice(start, start + contentConcurrency);
    const found = await Promise.all(batch.map((record) => client.requestContent(record.id)));
    batch.forEach((record, index) => {
      const content = found[index];
      if (content !== undefined) contents.set(record.id, content);
    });
  }
  return contents;
}
