import assert from 'node:assert/strict';
import { csvHeader, csvRow, exportedRecord, forEachRecordPage, RecordExportWriter } from '../../../proxy/control/record-export';
import type { RequestRecord } from '../../../proxy/store/request-record';
import { sampleRecord } from '../../support/sample-record';

function record(id: string, time: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return sampleRecord({ id, time, requestedModel: 'gpt-4o-mini', model: 'gpt-4o-mini', ...extra });
}

describe('request log export', () => {
  it('quotes cells with commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    const header = csvHeader().trimEnd().split(',');
    const line = csvRow(record('req_1', 0, { error: 'Bad "thing",\nsecond line', requestedModel: '+SUM(A1)', tool: '@tool' }));
    assert.ok(line.endsWith('\r\n'));
    assert.ok(line.includes('"Bad ""thing"",\nsecond line"'), line);
    assert.ok(line.includes(`'+SUM(A1)`) && line.includes(`'@tool`), line);
    assert.equal(header.includes('clientKey'), false);
  });

  it('leaves key fragments out of JSON', () => {
    const exported = exportedRecord(record('req_1', 0, { clientKey: '…abcd', keyId: 'key_0123456789abcdef' }));
    assert.equal('clientKey' in exported, false);
    assert.equal(exported.keyId, 'key_0123456789abcdef');
    assert.equal(exported.time, '1970-01-01T00:00:00.000Z');
  });

  it('writes a JSON array across pages', async () => {
    let text = '';
    const writer = new RecordExportWriter('json', (chunk) => void (text += chunk));
    await writer.start();
    await writer.records([record('a', 2)]);
    await writer.records([record('b', 1)]);
    await writer.end();
    assert.deepEqual((JSON.parse(text) as Array<{ id: string }>).map((entry) => entry.id), ['a', 'b']);
    assert.equal(writer.written, 2);
  });

  it('pages through records sharing a millisecond at a page boundary without losing or repeating one', async () => {
    // Newest first; three records at time 5 straddle the boundary of pages of four, twice.
    const log = [record('r9', 9), record('r8', 8), record('r7', 7), record('c', 5), record('b', 5), record('a', 5), record('z', 3), record('y', 3), record('x', 3), record('r1', 1)];
    const fetchPage = async (before: number | undefined, limit: number): Promise<RequestRecord[]> =>
      log.filter((entry) => before === undefined || entry.time < before).slice(0, limit);
    const seen: string[] = [];
    await forEachRecordPage(fetchPage, async (page) => void seen.push(...page.map((entry) => entry.id)), 4);
    assert.deepEqual(seen, log.map((entry) => entry.id));
  });
});
