import assert from 'node:assert/strict';
import type { AggregateRow } from '../../../webview/protocol';
import { formatCostTick, formatDurationTick } from '../../../webview/format';
import { chartFrame, fillDays, layoutBarChart, layoutLineChart, linearScale, niceTicks, percentile } from '../../../webview/chart-scale';

function day(key: string, costUsd: number): AggregateRow {
  return {
    key,
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
    averageLatencyMs: 100,
    cacheHits: 0,
    cacheMisses: 0,
    cacheHitRate: null,
    savedUsd: 0,
    promptCacheSavedUsd: 0,
    averageTimeToFirstTokenMs: null,
  };
}

describe('webview chart scale', () => {
  it('picks round ticks that cover the maximum', () => {
    assert.deepEqual(niceTicks(9.3), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(niceTicks(0.034), [0, 0.01, 0.02, 0.03, 0.04]);
    assert.deepEqual(niceTicks(1200), [0, 200, 400, 600, 800, 1000, 1200]);
    assert.deepEqual(niceTicks(1300), [0, 500, 1000, 1500]);
    assert.deepEqual(niceTicks(0), [0, 1]);
  });

  it('maps values linearly, inverted for the y axis', () => {
    const y = linearScale(0, 10, 100, 0);
    assert.equal(y(0), 100);
    assert.equal(y(5), 50);
    assert.equal(y(10), 0);
  });

  it('takes nearest-rank percentiles', () => {
    assert.equal(percentile([], 0.5), null);
    assert.equal(percentile([5, 1, 3, 2, 4], 0.5), 3);
    assert.equal(percentile([1, 2, 3, 4], 0.9), 4);
  });

  it('fills the days without requests and shows at least a week', () => {
    const days = fillDays([day('2026-11-20', 1), day('2026-11-23', 2), { ...day('x', 3), key: null }], 7);
    assert.deepEqual(
      days.map((entry) => entry.day),
      ['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'],
    );
    assert.equal(days[3].row?.costUsd, 1);
    assert.equal(days[4].row, undefined);
    assert.deepEqual(fillDays([]), []);
  });

  it('crosses a month end and a daylight saving change without skipping a day', () => {
    const days = fillDays([day('2026-03-28', 1), day('2026-04-01', 1)], 1);
    assert.deepEqual(
      days.map((entry) => entry.day),
      ['2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31', '2026-04-01'],
    );
  });

  it('lays bars out on a baseline with the tallest reaching the top tick', () => {
    const frame = chartFrame(400, 200);
    const layout = layoutBarChart(
      [
        { label: 'a', value: 2, tooltip: 'a' },
        { label: 'b', value: 0, tooltip: 'b' },
        { label: 'c', value: 4, tooltip: 'c' },
      ],
      frame,
      String,
    );
    assert.equal(layout.bars.length, 3);
    assert.equal(layout.bars[1].height, 0);
    assert.equal(layout.bars[2].y, frame.marginTop);
    assert.equal(layout.bars[2].y + layout.bars[2].height, layout.baseline);
    assert.ok(Math.abs(layout.bars[0].height * 2 - layout.bars[2].height) < 0.001);
    assert.deepEqual(
      layout.yTicks.map((tick) => tick.label),
      ['0', '1', '2', '3', '4'],
    );
    assert.ok(layout.bars.every((bar) => bar.x >= frame.marginLeft && bar.x + bar.width <= frame.width - frame.marginRight));
  });

  it('thins out x labels that would collide, keeping the last', () => {
    const inputs = Array.from({ length: 60 }, (_, index) => ({ label: `d${index}`, value: index, tooltip: '' }));
    const layout = layoutBarChart(inputs, chartFrame(400, 200), String);
    assert.ok(layout.xLabels.length <= 8);
    assert.equal(layout.xLabels[layout.xLabels.length - 1].label, 'd59');
  });

  it('places reference values on the bar scale', () => {
    const layout = layoutBarChart([{ label: 'a', value: 10, tooltip: '' }], chartFrame(300, 100), String)
    assert.equal(layout.y(0), layout.baseline)
    assert.equal(layout.y(10), layout.frame.marginTop);
  });

  it('breaks a line where values are missing', () => {
    const layout = layoutLineChart(
      ['a', 'b', 'c', 'd'],
      [{ name: 'latency', values: [100, null, 200, 300], tooltips: ['1', '2', '3', '4'] }],
      chartFrame(400, 200),
      String,
    );
    const [series] = layout.series;
    assert.equal(series.points.length, 3);
    assert.equal((series.path.match(/M/g) ?? []).length, 2);
    assert.deepEqual(
      series.points.map((point) => point.tooltip),
      ['1', '3', '4'],
    );
  });
});

describe('webview chart axis labels', () => {
  const frame = chartFrame(600, 200);
  const labelsFor = (max: number, format: (value: number, step: number) => string): string[] =>
    layoutBarChart([{ label: 'a', value: max, tooltip: '' }], frame, format).yTicks.map((tick) => tick.label);

  it('writes tiny spends with the decimals that tell the ticks apart', () => {
    assert.deepEqual(labelsFor(0.00028, formatCostTick), ['$0', '$0.00005', '$0.00010', '$0.00015', '$0.00020', '$0.00025', '$0.00030']);
    assert.deepEqual(labelsFor(0.0003, formatCostTick), ['$0', '$0.0001', '$0.0002', '$0.0003']);
    assert.deepEqual(labelsFor(0.9, formatCostTick), ['$0', '$0.20', '$0.40', '$0.60', '$0.80', '$1.00']);
    assert.deepEqual(labelsFor(3.4, formatCostTick), ['$0', '$1', '$2', '$3', '$4']);
  });

  it('never repeats a label, for spends and durations of any size', () => {
    for (let exponent = -7; exponent <= 5; exponent += 0.25) {
      const max = 10 ** exponent * 1.37;
      for (const format of [formatCostTick, formatDurationTick]) {
        const labels = labelsFor(max, format);
        assert.equal(new Set(labels).size, labels.length, `${format.name}(${max}): ${labels.join(', ')}`);
      }
    }
  });

  it('writes durations in ms, seconds or minutes as the step needs', () => {
    assert.deepEqual(labelsFor(1.4, formatDurationTick), ['0', '0.5 ms', '1.0 ms', '1.5 ms']);
    assert.deepEqual(labelsFor(1400, formatDurationTick), ['0', '500 ms', '1.0 s', '1.5 s']);
    assert.deepEqual(labelsFor(6000, formatDurationTick), ['0', '2 s', '4 s', '6 s']);
    assert.deepEqual(labelsFor(250_000, formatDurationTick), ['0', '50 s', '100 s', '150 s', '200 s', '250 s']);
  });
});

describe('webview chart margins', () => {
  it('widens the left margin for long tick labels and keeps it for short ones', () => {
    const frame = chartFrame(600, 200, 64);
    const tiny = layoutBarChart([{ label: 'a', value: 0.0000028, tooltip: '' }], frame, formatCostTick);
    const widest = Math.max(...tiny.yTicks.map((tick) => tick.label.length));
    assert.ok(widest >= 10, tiny.yTicks.map((tick) => tick.label).join(', '));
    assert.ok(tiny.frame.marginLeft > 64);
    assert.ok(tiny.bars[0].x >= tiny.frame.marginLeft);
    assert.equal(layoutBarChart([{ label: 'a', value: 3, tooltip: '' }], frame, formatCostTick).frame.marginLeft, 64);
  });
});
