import { h } from './dom';

/** Payment statuses with a colour from the Okabe–Ito palette (safe for colour-blind readers), a symbol and a word. */
export const STATUS_STYLE: Record<string, { color: string; symbol: string; label: string }> = {
  RECEIVED: { color: '#0072B2', symbol: '●', label: 'Received' },
  HELD: { color: '#E69F00', symbol: '❚❚', label: 'Held' },
  SUBMITTED: { color: '#56B4E9', symbol: '↗', label: 'Submitted' },
  SETTLED: { color: '#009E73', symbol: '✓', label: 'Settled' },
  REJECTED: { color: '#D55E00', symbol: '✕', label: 'Rejected' },
};
export const STATUSES = Object.keys(STATUS_STYLE);

export function statusBadge(status: string): HTMLElement {
  const s = STATUS_STYLE[status];
  return h(
    'span',
    { class: `badge status-${status.toLowerCase()}`, 'data-status': status },
    h('span', { 'aria-hidden': 'true', class: 'badge-symbol' }, s?.symbol ?? '?'),
    ' ',
    status,
  );
}

export function outcomeBadge(outcome: string): HTMLElement {
  const cls = outcome === 'ok' ? 'good' : outcome === 'denied' || outcome === 'failed' ? 'bad' : 'warn';
  return h('span', { class: `badge ${cls}` }, outcome);
}

export function time(iso: string | null | undefined): HTMLElement | string {
  if (!iso) return '—';
  const d = new Date(iso);
  return h(
    'time',
    { datetime: iso, title: iso },
    d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  );
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  return duration(now - Date.parse(iso)) + ' ago';
}

/** A duration for people: "850 ms", "12.3 s", "4 min 05 s", "2 h 10 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${String(Math.floor((ms % 60_000) / 1_000)).padStart(2, '0')} s`;
  return `${Math.floor(ms / 3_600_000)} h ${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0')} min`;
}

/** An amount as the API gave it (a decimal string; never turned into a number) with its currency. */
export function amount(value: string | null | undefined, currency: string | null | undefined): HTMLElement | string {
  if (value === null || value === undefined) return '—';
  return h('span', { class: 'amount' }, value, ' ', h('abbr', { class: 'ccy', title: currency ?? '' }, currency ?? ''));
}

export function shortHash(hash: string | null | undefined, n = 10): HTMLElement | string {
  if (!hash) return '—';
  return h('code', { class: 'hash', title: hash }, hash.length > n + 2 ? `${hash.slice(0, n)}…` : hash);
}

export function shortUetr(uetr: string): string {
  return uetr.slice(0, 8);
}

const STATUS_RANK: Record<string, number> = { RECEIVED: 0, HELD: 1, SUBMITTED: 2, SETTLED: 3, REJECTED: 3 };

/** The status to show after a transition event: statuses only move forward, whatever order events arrive in. */
export function laterStatus(shown: string | undefined, reached: string): string {
  if (shown === undefined) return reached;
  return (STATUS_RANK[reached] ?? -1) >= (STATUS_RANK[shown] ?? -1) ? reached : shown;
}

export function isFinal(status: string): boolean {
  return status === 'SETTLED' || status === 'REJECTED';
}
