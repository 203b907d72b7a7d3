import assert from 'node:assert/strict';
import { describeRange, inWindow, parseRangeChoice, rangeWindow, windowDays } from '../../../webview/date-range';
import { layoutStackedBarChart, chartFrame } from '../../../webview/chart-scale';
import { spendSeries } from '../../../webview/spend-series';
import type { AggregateRow } from '../../../webview/protocol';

const noon = new Date(2026, 11, 4, 12, 30).getTime();
const midnight = (year: number, month: number, day: number): number => new Date(year, month - 1, day).getTime();

describe('the panel date range', () => {
  it('turns presets into windows from local midnight, open at the end', () => {
    assert.deepEqual(rangeWindow({ preset: 'today' }, noon), { since: midnight(2026, 12, 4) });
    assert.deepEqual(rangeWindow({ preset: '7d' }, noon), { since: midnight(2026, 11, 28) });
    assert.deepEqual(rangeWindow({ preset: '30d' }, noon), { since: midnight(2026, 11, 5) });
  });

  it('covers whole days of a custom range, in either order, open where no date is given', () => {
    assert.deepEqual(rangeWindow({ preset: 'custom', from: '2026-12-01', to: '2026-12-03' }, noon), { since: midnight(2026, 12, 1), until: midnight(2026, 12, 4) - 1 });
    assert.deepEqual(rangeWindow({ preset: 'custom', from: '2026-12-03', to: '2026-12-01' }, noon), { since: midnight(2026, 12, 1), until: midnight(2026, 12, 4) - 1 });
    assert.deepEqual(rangeWindow({ preset: 'custom', from: '2026-12-01' }, noon), { since: midnight(2026, 12, 1) });
    assert.deepEqual(rangeWindow({ preset: 'custom' }, noon), {});
    assert.equal(inWindow(midnight(2026, 12, 3) + 1, rangeWindow({ preset: 'custom', to: '2026-12-03' }, noon)), true);
    assert.equal(inWindow(midnight(2026, 12, 4), rangeWindow({ preset: 'custom', to: '2026-12-03' }, noon)), false);
  });

  it('lists the days a window spans for the charts, and says it in words', () => {
    assert.deepEqual(windowDays(rangeWindow({ preset: '7d' }, noon), noon), ['2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
    assert.deepEqual(windowDays({}, noon, '2026-12-02'), ['2026-12-02', '2026-12-03', '2026-12-04']);
    assert.equal(windowDays({ since: 0 }, noon).length, 366, 'at most a year of bars');
    assert.equal(describeRange({ preset: '7d' }), 'the last 7 days');
    assert.equal(describeRange({ preset: 'custom', from: '2026-12-01', to: '2026-12-03' }), '2026-12-01 – 2026-12-03');
  });

  it('reads a saved choice defensively', () => {
    assert.deepEqual(parseRangeChoice({ preset: 'custom', from: '2026-02-30', to: '2026-12-03' }), { preset: 'custom', to: '2026-12-03' });
    assert.deepEqual(parseRangeChoice('7d'), { preset: '30d' });
  });
});

function row(key: string, subKey: string | null, costUsd: number): AggregateRow {
  return {
    key,
    subKey,
    requests: 1,
    errors: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costUsd,
    unpricedRequests: 0,
    refusedRequests: 0,
    averageLatencyMs: 1,
    cacheHits: 0,
    cacheMisses: 0,
    cacheHitRate: null,
    savedUsd: 0,
    promptCacheSavedUsd: 0,
    averageTimeToFirstTokenMs: null,
  };
}

describe('the stacked spend chart', () => {
  it('gives the biggest spenders their own colour, sums the rest as Other, biggest at the bottom', () => {
    const rows = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((model, index) => row('2026-12-04', model, 8 - index));
    rows.push(row('2026-12-03', 'h', 0.5), row('2026-12-03', 'a', 2));
    const series = spendSeries(rows, 'model');
    assert.deepEqual(series.order, ['a', 'b', 'c', 'd', 'e', '\u0000other']);
    assert.equal(series.names.get('\u0000other'), 'Other (3 models)');
    assert.equal(series.totals.get('\u0000other'), 3 + 2 + 1 + 0.5);
    assert.deepEqual(series.perDay.get('2026-12-03'), [{ series: 'a', value: 2 }, { series: '\u0000other', value: 0.5 }]);
    assert.equal(series.classes.get('a'), 'series-0');
  });

  it('stacks segments on one scale, the axis reaching the tallest stack', () => {
    const layout = layoutStackedBarChart(
      [
        { label: 'one', segments: [{ series: 'a', value: 1 }, { series: 'b', value: 3 }], tooltip: '' },
        { label: 'two', segments: [{ series: 'a', value: 2 }], tooltip: '' },
      ],
      chartFrame(400, 200),
      (value) => String(value),
    );
    const [first, second] = layout.bars;
    assert.equal(first!.segments.length, 2);
    // The second segment sits on the first, and three times as tall.
    assert.ok(Math.abs(first!.segments[1]!.y + first!.segments[1]!.height - first!.segments[0]!.y) < 1e-9);
    assert.ok(Math.abs(first!.segments[1]!.height - 3 * first!.segments[0]!.height) < 1e-9);
    assert.ok(Math.abs(second!.segments[0]!.height - 2 * first!.segments[0]!.height) < 1e-9);
    assert.ok(layout.yTicks.at(-1)!.label === '4' || Number(layout.yTicks.at(-1)!.label) >= 4);
  });
});
