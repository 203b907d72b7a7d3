/**
 * The Charts tab: spend per day stacked by provider or by model, saved by caching, latency per
 * day (average total and time to first token), and the latency of the most recent requests with
 * its median — hand-drawn SVG in theme colours, as wide as the panel, over the panel's date range.
 */
import type { AggregateRow, ChartData, RequestRecord } from '../protocol';
import {
  chartFrame,
  layoutBarChart,
  layoutLineChart,
  layoutStackedBarChart,
  percentile,
  shortDay,
  type AxisLabel,
  type AxisTick,
  type ChartDay,
  type ChartFrame,
} from '../chart-scale';
import { windowDays } from '../date-range';
import type { SpendStack } from '../panel-state';
import { spendSeries, type SpendSeries } from '../spend-series';
import { formatCost, formatCostTick, formatCount, formatDuration, formatDurationTick } from '../format';
import { codicon, element, replaceChildren, svg } from './dom';

const recentCount = 100;

export interface ChartsViewOptions {
  /** The date range picker, shared with the Requests tab. */
  rangePicker: HTMLElement;
  spendBy: SpendStack;
  onSpendByChange(spendBy: SpendStack): void;
}

export class ChartsView {
  readonly root: HTMLElement;
  private readonly content = element('div', { className: 'charts-content' });
  private charts: ChartData = { days: [] };
  private records: readonly RequestRecord[] = [];
  private spendBy: SpendStack;
  private width = 0;
  private renderQueued = false;

  constructor(private readonly options: ChartsViewOptions) {
    this.spendBy = options.spendBy;
    this.root = element('div', { className: 'charts-view' }, [element('div', { className: 'toolbar charts-toolbar' }, [options.rangePicker]), this.content]);
    new ResizeObserver(() => {
      const width = this.content.clientWidth;
      if (width > 0 && Math.abs(width - this.width) > 4) this.queueRender();
    }).observe(this.content);
  }

  setCharts(charts: ChartData): void {
    this.charts = charts;
    this.queueRender();
  }

  setRecords(records: readonly RequestRecord[]): void {
    this.records = records;
    this.queueRender();
  }

  /** Coalesces bursts of live records into one redraw per frame. */
  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    // A hidden tab has no width; it is drawn when it is shown and the observer fires.
    if (this.content.clientWidth === 0) return;
    this.width = this.content.clientWidth;
    // The charts take the panel's whole width (less the cards' padding), however wide.
    const chartWidth = this.width - 34;
    const days = this.days();
    const recent = this.records.slice(0, recentCount).reverse();
    const anySpend = days.some(({ row }) => row !== undefined && row.costUsd > 0);
    const anySaved = days.some(({ row }) => row !== undefined && row.savedUsd + row.promptCacheSavedUsd > 0);
    const anyRequests = days.some(({ row }) => row !== undefined);
    replaceChildren(this.content, [
      this.totals(),
      element('div', { className: 'chart-grid' }, [
        card(
          'Spend per day',
          `USD over requests with a known price, stacked by ${this.spendBy}`,
          anySpend ? this.spendChart(days, chartWidth) : emptyChart(anyRequests ? 'No priced requests in this range.' : 'No requests in this range.'),
          this.stackToggle(),
          'spend',
        ),
        card(
          'Saved by caching per day',
          "USD not spent: answers from Switchyard's response cache, and input read from providers' prompt caches",
          anySaved ? this.savedChart(days, chartWidth) : emptyChart('Nothing saved by caching in this range.'),
        ),
        card(
          'Latency per day',
          'Average time to the last byte and to the first token',
          anyRequests ? this.latencyChart(days, chartWidth) : emptyChart('No requests in this range.'),
        ),
        card(
          `Latency of the last ${recent.length || recentCount} requests`,
          'Each bar is one request, oldest on the left; the line is the median',
          recent.length === 0 ? emptyChart('No requests in this range.') : this.recentChart(recent, chartWidth),
        ),
      ]),
    ]);
  }

  /** Every day of the range, with its totals when it had requests. */
  private days(): ChartDay[] {
    const byDay = new Map<string, AggregateRow>();
    for (const row of this.charts.days) if (row.key !== null) byDay.set(row.key, row);
    const first = [...byDay.keys()].sort()[0];
    return windowDays(this.charts.range ?? {}, Date.now(), first).map((day) => ({ day, row: byDay.get(day) }));
  }

  /** "By provider | By model" above the spend chart. */
  private stackToggle(): HTMLElement {
    const button = (value: SpendStack, label: string): HTMLElement =>
      element(
        'button',
        {
          type: 'button',
          className: 'segment',
          dataset: { spendBy: value },
          attrs: { 'aria-pressed': String(this.spendBy === value) },
          on: {
            click: () => {
              if (this.spendBy === value) return;
              this.spendBy = value;
              this.options.onSpendByChange(value);
              this.render();
            },
          },
        },
        [label],
      );
    return element('div', { className: 'segmented', attrs: { role: 'group', 'aria-label': 'Stack spend by' } }, [button('provider', 'By provider'), button('model', 'By model')]);
  }

  private totals(): HTMLElement {
    const rows = this.charts.days;
    const spend = rows.reduce((sum, row) => sum + row.costUsd, 0);
    const requests = rows.reduce((sum, row) => sum + row.requests, 0);
    const errors = rows.reduce((sum, row) => sum + row.errors, 0);
    const unpriced = rows.reduce((sum, row) => sum + row.unpricedRequests, 0);
    // A proxy older than the field sends none: nothing refused is said then.
    const refused = rows.reduce((sum, row) => sum + (row.refusedRequests ?? 0), 0);
    const latencies = this.records.map((record) => record.latencyMs);
    const stat = (label: string, value: string, title?: string): HTMLElement =>
      element('div', { className: 'stat', title: title ?? '' }, [element('div', { className: 'stat-value' }, [value]), element('div', { className: 'stat-label' }, [label])]);
    const saved = rows.reduce((sum, row) => sum + row.savedUsd + row.promptCacheSavedUsd, 0);
    const hits = rows.reduce((sum, row) => sum + row.cacheHits, 0);
    return element('div', { className: 'stats' }, [
      stat('Spend', formatCost(spend), unpriced > 0 ? `${formatCount(unpriced)} requests had no known price and are not counted` : undefined),
      stat('Saved by caching', formatCost(saved), `${formatCount(hits)} answers from the response cache, plus provider prompt-cache reads`),
      stat('Requests', formatCount(requests)),
      stat('Errors', requests === 0 ? '—' : `${((errors / requests) * 100).toFixed(1)}%`, `${formatCount(errors)} failed requests${refused > 0 ? `, ${formatCount(refused)} of them refused by Switchyard` : ''}`),
      stat('Refused', formatCount(refused), 'Calls Switchyard refused before any provider was called (an access key\'s allow-list, a disabled model, a rate limit, a budget, redaction\'s block, or a request it could not serve): nothing was spent on them'),
      stat('Median latency', formatDuration(percentile(latencies, 0.5)), `Over the ${formatCount(latencies.length)} requests listed in the panel`),
      stat('p90 latency', formatDuration(percentile(latencies, 0.9)), `Over the ${formatCount(latencies.length)} requests listed in the panel`),
    ]);
  }

  private spendChart(days: ChartDay[], width: number): HTMLElement {
    const rows = (this.spendBy === 'provider' ? this.charts.byProvider : this.charts.byModel) ?? [];
    const series: SpendSeries = spendSeries(rows, this.spendBy);
    const layout = layoutStackedBarChart(
      days.map(({ day, row }) => {
        const segments = series.perDay.get(day) ?? (row && row.costUsd > 0 ? [{ series: 'total', value: row.costUsd }] : []);
        const lines = segments
          .slice()
          .reverse()
          .map((segment) => `${series.names.get(segment.series) ?? 'All'}: ${formatCost(segment.value)}`);
        return {
          label: shortDay(day),
          segments,
          tooltip: row
            ? `${day}: ${formatCost(row.costUsd)} over ${formatCount(row.requests)} requests` +
              `${row.unpricedRequests > 0 ? ` (${formatCount(row.unpricedRequests)} without a price)` : ''}` +
              `${(row.refusedRequests ?? 0) > 0 ? `, ${formatCount(row.refusedRequests)} refused` : ''}` +
              `${lines.length > 0 ? `\n${lines.join('\n')}` : ''}` +
              `\n${formatCount(row.inputTokens)} input, ${formatCount(row.outputTokens)} output tokens`
            : `${day}: no requests`,
        };
      }),
      chartFrame(width, 220, 64),
      formatCostTick,
    );
    const chart = frameSvg(layout.frame, 'Spend per day', layout.yTicks, layout.xLabels, layout.baseline);
    for (const bar of layout.bars) {
      const group = svg('g', { class: 'stack' }, [svg('title', {}, [bar.tooltip])]);
      // The column behind the bar takes the hover too, so a thin segment's tooltip is easy to reach.
      group.append(svg('rect', { class: 'bar-hit', x: bar.x, y: layout.frame.marginTop, width: bar.width, height: Math.max(0, layout.baseline - layout.frame.marginTop) }));
      for (const segment of bar.segments) {
        group.append(svg('rect', { class: `bar segment ${series.classes.get(segment.series) ?? 'series-total'}`, x: segment.x, y: segment.y, width: segment.width, height: segment.height, 'data-series': segment.series }));
      }
      chart.append(group);
    }
    const legendEntries: Array<[string, string]> = series.order.map((id) => [series.classes.get(id) ?? 'series-total', `${series.names.get(id) ?? id} ${formatCost(series.totals.get(id) ?? 0)}`]);
    return element('div', {}, [chart, legend(legendEntries)]);
  }

  private savedChart(days: ChartDay[], width: number): SVGSVGElement {
    const layout = layoutBarChart(
      days.map(({ day, row }) => ({
        label: shortDay(day),
        value: row === undefined ? 0 : row.savedUsd + row.promptCacheSavedUsd,
        tooltip: row
          ? `${day}: ${formatCost(row.savedUsd + row.promptCacheSavedUsd)} saved beside ${formatCost(row.costUsd)} spent` +
            `\nResponse cache: ${formatCost(row.savedUsd)} over ${formatCount(row.cacheHits)} hits (${formatCount(row.cacheMisses)} misses)` +
            `\nProvider prompt caches: ${formatCost(row.promptCacheSavedUsd)}`
          : `${day}: no requests`,
      })),
      chartFrame(width, 160, 64),
      formatCostTick,
    );
    const chart = frameSvg(layout.frame, 'Saved by caching per day', layout.yTicks, layout.xLabels, layout.baseline);
    for (const bar of layout.bars) {
      chart.append(svg('rect', { class: 'bar saved', x: bar.x, y: bar.y, width: bar.width, height: bar.height, rx: 1 }, [svg('title', {}, [bar.tooltip])]));
    }
    return chart;
  }

  private latencyChart(days: ChartDay[], width: number): HTMLElement {
    const labels = days.map(({ day }) => shortDay(day));
    const layout = layoutLineChart(
      labels,
      [
        {
          name: 'latency',
          values: days.map(({ row }) => row?.averageLatencyMs ?? null),
          tooltips: days.map(({ day, row }) => (row ? `${day}: average latency ${formatDuration(row.averageLatencyMs)} over ${formatCount(row.requests)} requests` : '')),
        },
        {
          name: 'ttft',
          values: days.map(({ row }) => row?.averageTimeToFirstTokenMs ?? null),
          tooltips: days.map(({ day, row }) => (row ? `${day}: average time to first token ${formatDuration(row.averageTimeToFirstTokenMs)}` : '')),
        },
      ],
      chartFrame(width, 200, 64),
      formatDurationTick,
    );
    const chart = frameSvg(layout.frame, 'Latency per day', layout.yTicks, layout.xLabels, layout.baseline);
    for (const series of layout.series) {
      chart.append(svg('path', { class: `line ${series.name}`, d: series.path }));
      for (const point of series.points) {
        chart.append(svg('circle', { class: `dot ${series.name}`, cx: point.x, cy: point.y, r: 3 }, [svg('title', {}, [point.tooltip])]));
      }
    }
    return element('div', {}, [chart, legend([['latency', 'Average latency'], ['ttft', 'Average time to first token']])]);
  }

  private recentChart(recent: readonly RequestRecord[], width: number): HTMLElement {
    const layout = layoutBarChart(
      recent.map((record) => ({
        label: '',
        value: record.latencyMs,
        tooltip: `${record.requestedModel} → ${record.provider ? `${record.provider}/${record.model}` : 'not routed'}: ${formatDuration(record.latencyMs)} (first token ${formatDuration(record.timeToFirstTokenMs)}), status ${record.status}`,
      })),
      chartFrame(width, 160, 64),
      formatDurationTick,
    );
    const chart = frameSvg(layout.frame, 'Latency of recent requests', layout.yTicks, [], layout.baseline);
    layout.bars.forEach((bar, index) => {
      const failed = recent[index].status >= 400 || recent[index].error !== undefined;
      chart.append(svg('rect', { class: failed ? 'bar failed' : 'bar latency', x: bar.x, y: bar.y, width: bar.width, height: bar.height }, [svg('title', {}, [bar.tooltip])]));
    });
    const median = percentile(
      recent.map((record) => record.latencyMs),
      0.5,
    );
    if (median !== null) {
      const y = layout.y(median);
      chart.append(svg('line', { class: 'median', x1: layout.frame.marginLeft, x2: layout.frame.width - layout.frame.marginRight, y1: y, y2: y }, [svg('title', {}, [`Median ${formatDuration(median)}`])]));
    }
    return element('div', {}, [
      chart,
      legend([
        ['latency', 'Succeeded'],
        ['failed', 'Failed'],
        ['median', `Median ${formatDuration(median)}`],
      ]),
    ]);
  }
}

function card(title: string, subtitle: string, content: Node, action?: HTMLElement, name?: string): HTMLElement {
  return element('section', { className: 'chart-card', dataset: name === undefined ? {} : { chart: name } }, [
    element('header', {}, [element('h2', {}, [title]), element('span', { className: 'chart-subtitle' }, [subtitle]), action === undefined ? null : element('span', { className: 'spacer' }), action]),
    content,
  ]);
}

function emptyChart(message: string): HTMLElement {
  return element('div', { className: 'empty-chart' }, [codicon('graph'), element('span', {}, [message])]);
}

function legend(entries: Array<[string, string]>): HTMLElement {
  return element(
    'div',
    { className: 'legend' },
    entries.map(([name, label]) => element('span', { className: 'legend-entry' }, [element('span', { className: `swatch ${name}` }), label])),
  );
}

/** The SVG with its grid lines, y tick labels, x labels and baseline. */
function frameSvg(frame: ChartFrame, label: string, yTicks: readonly AxisTick[], xLabels: readonly AxisLabel[], baseline: number): SVGSVGElement {
  const chart = svg('svg', {
    class: 'chart',
    width: frame.width,
    height: frame.height,
    viewBox: `0 0 ${frame.width} ${frame.height}`,
    role: 'img',
    'aria-label': label,
  });
  for (const tick of yTicks) {
    chart.append(
      svg('line', { class: 'grid', x1: frame.marginLeft, x2: frame.width - frame.marginRight, y1: tick.y, y2: tick.y }),
      svg('text', { class: 'tick', x: frame.marginLeft - 8, y: tick.y, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, [tick.label]),
    );
  }
  for (const entry of xLabels) {
    chart.append(svg('text', { class: 'tick', x: entry.x, y: baseline + 16, 'text-anchor': 'middle' }, [entry.label]));
  }
  chart.append(svg('line', { class: 'axis', x1: frame.marginLeft, x2: frame.width - frame.marginRight, y1: baseline, y2: baseline }));
  return chart;
}
