/**
 * The Charts tab: spend per day, latency per day (average total and time to first token), and
 * the latency of the most recent requests with its median — hand-drawn SVG in theme colours,
 * sized to the panel's width.
 */
import type { ChartData, RequestRecord } from '../protocol';
import {
  chartFrame,
  fillDays,
  layoutBarChart,
  layoutLineChart,
  percentile,
  shortDay,
  type AxisLabel,
  type AxisTick,
  type ChartFrame,
} from '../chart-scale';
import { formatCost, formatCostTick, formatCount, formatDuration, formatDurationTick } from '../format';
import { codicon, element, replaceChildren, svg } from './dom';

const recentCount = 100;

export class ChartsView {
  readonly root = element('div', { className: 'charts-view' });
  private charts: ChartData = { days: [] };
  private records: readonly RequestRecord[] = [];
  private width = 0;
  private renderQueued = false;

  constructor() {
    new ResizeObserver(() => {
      const width = this.root.clientWidth;
      if (width > 0 && Math.abs(width - this.width) > 4) this.queueRender();
    }).observe(this.root);
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
    if (this.root.clientWidth === 0) return;
    this.width = this.root.clientWidth;
    const chartWidth = Math.min(this.width - 32, 1100);
    const days = fillDays(this.charts.days, 14);
    const recent = this.records.slice(0, recentCount).reverse();
    replaceChildren(this.root, [
      this.totals(),
      card('Spend per day', 'USD over requests with a known price', days.length === 0 ? emptyChart('No spend recorded yet.') : this.spendChart(days, chartWidth)),
      card(
        'Saved by caching per day',
        "USD not spent: answers from Switchyard's response cache, and input read from providers' prompt caches",
        days.length === 0 ? emptyChart('Nothing saved yet.') : this.savedChart(days, chartWidth),
      ),
      card(
        'Latency per day',
        'Average time to the last byte and to the first token',
        days.length === 0 ? emptyChart('No requests recorded yet.') : this.latencyChart(days, chartWidth),
      ),
      card(
        `Latency of the last ${recent.length || recentCount} requests`,
        'Each bar is one request, oldest on the left; the line is the median',
        recent.length === 0 ? emptyChart('No requests in this panel yet.') : this.recentChart(recent, chartWidth),
      ),
    ]);
  }

  private totals(): HTMLElement {
    const rows = this.charts.days;
    const spend = rows.reduce((sum, row) => sum + row.costUsd, 0);
    const requests = rows.reduce((sum, row) => sum + row.requests, 0);
    const errors = rows.reduce((sum, row) => sum + row.errors, 0);
    const unpriced = rows.reduce((sum, row) => sum + row.unpricedRequests, 0);
    const latencies = this.records.map((record) => record.latencyMs);
    const stat = (label: string, value: string, title?: string): HTMLElement =>
      element('div', { className: 'stat', title: title ?? '' }, [element('div', { className: 'stat-value' }, [value]), element('div', { className: 'stat-label' }, [label])]);
    const saved = rows.reduce((sum, row) => sum + row.savedUsd + row.promptCacheSavedUsd, 0);
    const hits = rows.reduce((sum, row) => sum + row.cacheHits, 0);
    return element('div', { className: 'stats' }, [
      stat('Spend', formatCost(spend), unpriced > 0 ? `${formatCount(unpriced)} requests had no known price and are not counted` : undefined),
      stat('Saved by caching', formatCost(saved), `${formatCount(hits)} answers from the response cache, plus provider prompt-cache reads`),
      stat('Requests', formatCount(requests)),
      stat('Errors', requests === 0 ? '—' : `${((errors / requests) * 100).toFixed(1)}%`, `${formatCount(errors)} failed requests`),
      stat('Median latency', formatDuration(percentile(latencies, 0.5)), `Over the ${formatCount(latencies.length)} requests listed in the panel`),
      stat('p90 latency', formatDuration(percentile(latencies, 0.9)), `Over the ${formatCount(latencies.length)} requests listed in the panel`),
    ]);
  }

  private spendChart(days: ReturnType<typeof fillDays>, width: number): SVGSVGElement {
    const layout = layoutBarChart(
      days.map(({ day, row }) => ({
        label: shortDay(day),
        value: row?.costUsd ?? 0,
        tooltip: row
          ? `${day}: ${formatCost(row.costUsd)} over ${formatCount(row.requests)} requests` +
            `${row.unpricedRequests > 0 ? ` (${formatCount(row.unpricedRequests)} without a price)` : ''}` +
            `\n${formatCount(row.inputTokens)} input, ${formatCount(row.outputTokens)} output tokens`
          : `${day}: no requests`,
      })),
      chartFrame(width, 200, 64),
      formatCostTick,
    );
    const chart = frameSvg(layout.frame, 'Spend per day', layout.yTicks, layout.xLabels, layout.baseline);
    for (const bar of layout.bars) {
      chart.append(svg('rect', { class: 'bar spend', x: bar.x, y: bar.y, width: bar.width, height: bar.height, rx: 1 }, [svg('title', {}, [bar.tooltip])]));
    }
    return chart;
  }

  private savedChart(days: ReturnType<typeof fillDays>, width: number): SVGSVGElement {
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

  private latencyChart(days: ReturnType<typeof fillDays>, width: number): HTMLElement {
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

function card(title: string, subtitle: string, content: Node): HTMLElement {
  return element('section', { className: 'chart-card' }, [
    element('header', {}, [element('h2', {}, [title]), element('span', { className: 'chart-subtitle' }, [subtitle])]),
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
