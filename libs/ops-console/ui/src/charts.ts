import uPlot from 'uplot';
import { h, replace } from './dom';
import { STATUS_STYLE } from './format';

export interface MinuteStats {
  minute: number;
  counts: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number } | null;
}

/** Dash patterns so series differ by more than colour. */
const DASHES: Record<string, number[] | undefined> = {
  RECEIVED: undefined,
  HELD: [8, 4],
  SUBMITTED: [2, 3],
  QUEUED: [4, 2, 1, 2],
  RESERVED: [6, 2, 6, 6],
  SETTLED: undefined,
  REJECTED: [10, 3, 2, 3],
  CANCELLED: [1, 4],
  RETURNED: [12, 4, 4, 4],
};
const LATENCY = [
  { key: 'p50', label: 'p50', color: '#0072B2', dash: undefined },
  { key: 'p90', label: 'p90', color: '#E69F00', dash: [6, 3] },
  { key: 'p99', label: 'p99', color: '#CC79A7', dash: [2, 3] },
] as const;

function axes(yLabel: string): uPlot.Axis[] {
  const grid = { stroke: '#e3e6ea', width: 1 };
  return [
    { stroke: '#333', grid, ticks: grid },
    { stroke: '#333', grid, ticks: grid, label: yLabel, size: 60 },
  ];
}

/**
 * A chart that people can also read as a table: the canvas is described by its caption (aria) and a
 * "Show the numbers" disclosure holds the same data as an HTML table.
 */
export class MinuteChart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private readonly holder = h('div', { class: 'chart-canvas' });
  private readonly tableHolder = h('div', { class: 'chart-table' });
  private readonly observer: ResizeObserver;

  constructor(
    id: string,
    private readonly title: string,
    private readonly kind: 'status' | 'latency',
  ) {
    const titleId = `${id}-title`;
    this.el = h(
      'figure',
      { class: 'chart', id, 'aria-labelledby': titleId },
      h('figcaption', { id: titleId }, title),
      h('div', { role: 'img', 'aria-label': `${title}: chart; the numbers are in the table below` }, this.holder),
      h('details', {}, h('summary', {}, 'Show the numbers'), this.tableHolder),
    );
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.holder);
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(280, Math.floor(this.holder.clientWidth || 600)), height: 220 };
  }

  private resize(): void {
    this.plot?.setSize(this.size());
  }

  update(series: MinuteStats[]): void {
    const xs = series.map((m) => m.minute / 1000);
    if (this.kind === 'status') {
      const keys = Object.keys(STATUS_STYLE);
      this.draw(
        [xs, ...keys.map((k) => series.map((m) => m.counts[k] ?? 0))],
        keys.map((k) => ({ label: STATUS_STYLE[k].label, stroke: STATUS_STYLE[k].color, width: 2, dash: DASHES[k] })),
        'payments / min',
      );
      this.table(
        ['Minute', ...keys.map((k) => STATUS_STYLE[k].label)],
        series.map((m) => [minute(m.minute), ...keys.map((k) => String(m.counts[k] ?? 0))]),
      );
    } else {
      this.draw(
        [xs, ...LATENCY.map((l) => series.map((m) => (m.latencyMs ? m.latencyMs[l.key] : null)))],
        LATENCY.map((l) => ({ label: l.label, stroke: l.color, width: 2, dash: l.dash ? [...l.dash] : undefined, spanGaps: false })),
        'ms',
      );
      this.table(
        ['Minute', ...LATENCY.map((l) => `${l.label} (ms)`)],
        series.map((m) => [minute(m.minute), ...LATENCY.map((l) => (m.latencyMs ? String(m.latencyMs[l.key]) : '—'))]),
      );
    }
  }

  private draw(data: (number | null)[][], series: uPlot.Series[], yLabel: string): void {
    const aligned = data as uPlot.AlignedData;
    if (this.plot) {
      this.plot.setData(aligned);
      return;
    }
    const opts: uPlot.Options = {
      ...this.size(),
      series: [{ label: 'Time' }, ...series],
      axes: axes(yLabel),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    this.plot = new uPlot(opts, aligned, this.holder);
  }

  private table(headers: string[], rows: string[][]): void {
    const recent = rows.slice(-15).reverse();
    replace(
      this.tableHolder,
      h(
        'table',
        { class: 'data compact' },
        h('caption', {}, `${this.title} (last ${recent.length} minutes, newest first)`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            headers.map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          recent.map((r) =>
            h(
              'tr',
              {},
              r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))),
            ),
          ),
        ),
      ),
    );
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }
}

function minute(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
