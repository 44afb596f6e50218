import { h } from './dom';

/** Payment statuses with a colour from the Okabe–Ito palette (safe for colour-blind readers), a symbol and a word. */
export const STATUS_STYLE: Record<string, { color: string; symbol: string; label: string }> = {
  RECEIVED: { color: '#0072B2', symbol: '●', label: 'Received' },
  HELD: { color: '#E69F00', symbol: '❚❚', label: 'Held' },
  SUBMITTED: { color: '#56B4E9', symbol: '↗', label: 'Submitted' },
  QUEUED: { color: '#F0E442', symbol: '⧗', label: 'Queued' },
  // Outside the eight Okabe–Ito colours (all taken): a neutral grey, told apart by its symbol and word.
  RESERVED: { color: '#999999', symbol: '◇', label: 'Reserved' },
  SETTLED: { color: '#009E73', symbol: '✓', label: 'Settled' },
  REJECTED: { color: '#D55E00', symbol: '✕', label: 'Rejected' },
  CANCELLED: { color: '#000000', symbol: '⊘', label: 'Cancelled' },
  RETURNED: { color: '#CC79A7', symbol: '↩', label: 'Returned' },
};
export const STATUSES = Object.keys(STATUS_STYLE);

/**
 * Steps of the way back (API.md "Cancel, recall, return") that a payment's timeline shows beside its statuses, and
 * the states of a recall and of a return: each with a symbol and words, coloured by what it means for the money.
 */
export const STEP_STYLE: Record<string, { symbol: string; label: string }> = {
  RECALL_REQUESTED: { symbol: '↶', label: 'Recall requested' },
  RECALL_ACCEPTED: { symbol: '✓', label: 'Recall accepted' },
  RECALL_REJECTED: { symbol: '✕', label: 'Recall rejected' },
  RECALL_EXPIRED: { symbol: '⌛', label: 'Recall expired' },
  RETURN_RECEIVED: { symbol: '↩', label: 'Return received' },
  RETURN_SETTLED: { symbol: '✓', label: 'Return settled' },
  RETURN_REJECTED: { symbol: '✕', label: 'Return rejected' },
};

export function statusBadge(status: string): HTMLElement {
  const s = STATUS_STYLE[status];
  const step = STEP_STYLE[status];
  return h(
    'span',
    { class: `badge status-${status.toLowerCase().replace(/_/g, '-')}`, 'data-status': status },
    h('span', { 'aria-hidden': 'true', class: 'badge-symbol' }, s?.symbol ?? step?.symbol ?? '?'),
    ' ',
    step ? step.label : status,
  );
}

/** What the ISO 20022 reason codes of the way back mean (API.md "Cancel, recall, return"). */
const REASON_WORDS: Record<'recall' | 'recallReject' | 'return', Record<string, string>> = {
  recall: {
    DUPL: 'duplicate payment',
    FRAD: 'fraudulent origin',
    TECH: 'technical problem',
    CUST: 'requested by the customer',
    AM09: 'wrong amount',
    AC03: 'invalid creditor account',
    UPAY: 'undue payment',
  },
  recallReject: {
    NOOR: 'no original transaction',
    CUST: 'the customer refused',
    AC04: 'account closed',
    ARDT: 'already returned',
    LEGL: 'legal decision',
    NOAS: 'no answer from the customer',
  },
  return: {
    AC01: 'incorrect account number',
    AC04: 'account closed',
    AC06: 'account blocked',
    AM09: 'wrong amount',
    BE04: 'creditor address missing',
    MS02: 'reason given by the customer',
    MS03: 'reason given by the bank',
    RR04: 'regulatory reason',
    FOCR: 'following a recall',
  },
};

/** A reason code with its meaning: "DUPL (duplicate payment)"; a code we do not know stays as it is. */
export function reasonText(kind: keyof typeof REASON_WORDS, code: string | null | undefined): string {
  if (!code) return '—';
  const words = REASON_WORDS[kind][code];
  return words ? `${code} (${words})` : code;
}

/** A recall's (PENDING, ACCEPTED, REJECTED, EXPIRED) or a return's (RECEIVED, SETTLED, REJECTED) own state. */
export function stateBadge(kind: 'recall' | 'return', state: string): HTMLElement {
  const tone = state === 'ACCEPTED' || state === 'SETTLED' ? 'good' : state === 'REJECTED' || state === 'EXPIRED' ? 'bad' : 'warn';
  const symbol = tone === 'good' ? '✓' : tone === 'bad' ? '✕' : '…';
  return h(
    'span',
    { class: `badge ${tone}`, 'data-state': state, 'data-kind': kind },
    h('span', { 'aria-hidden': 'true', class: 'badge-symbol' }, symbol),
    ' ',
    state,
  );
}

/** The state of an operator call held for a second admin, with a symbol and words (never colour alone). */
const REQUEST_STYLE: Record<string, { tone: string; symbol: string; label: string }> = {
  PENDING_APPROVAL: { tone: 'warn', symbol: '…', label: 'Waiting for approval' },
  APPROVED: { tone: 'good', symbol: '✓', label: 'Approved' },
  REJECTED: { tone: 'bad', symbol: '✕', label: 'Rejected' },
  EXPIRED: { tone: 'bad', symbol: '⌛', label: 'Expired' },
};

export function requestBadge(status: string): HTMLElement {
  const s = REQUEST_STYLE[status] ?? { tone: '', symbol: '?', label: status };
  return h('span', { class: `badge ${s.tone}`, 'data-state': status }, h('span', { 'aria-hidden': 'true', class: 'badge-symbol' }, s.symbol), ' ', s.label);
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

const STATUS_RANK: Record<string, number> = {
  RECEIVED: 0,
  HELD: 1,
  SUBMITTED: 2,
  QUEUED: 2.5,
  RESERVED: 2.7,
  SETTLED: 3,
  REJECTED: 3,
  CANCELLED: 3,
  RETURNED: 4,
};

/** The status to show after a transition event: statuses only move forward, whatever order events arrive in. */
export function laterStatus(shown: string | undefined, reached: string): string {
  if (shown === undefined) return reached;
  return (STATUS_RANK[reached] ?? -1) >= (STATUS_RANK[shown] ?? -1) ? reached : shown;
}

/** The ledger has decided it (SETTLED, REJECTED, and RETURNED, which had settled) or it was stopped before (CANCELLED). */
export function isFinal(status: string): boolean {
  return status === 'SETTLED' || status === 'REJECTED' || status === 'RETURNED' || status === 'CANCELLED';
}

/** Its finality proof exists: the ledger decided it in a block. */
export function hasLedgerProof(status: string): boolean {
  return status === 'SETTLED' || status === 'REJECTED' || status === 'RETURNED';
}

const DAY_MS = 86_400_000;

/** Time until a deadline for people: "9 d 23 h left", "3 h 05 min left", "overdue by 12 min 30 s". */
export function timeLeft(deadline: string, now = Date.now()): { text: string; overdue: boolean } {
  const ms = Date.parse(deadline) - now;
  const span = Math.abs(ms);
  const words = span >= DAY_MS ? `${Math.floor(span / DAY_MS)} d ${Math.floor((span % DAY_MS) / 3_600_000)} h` : duration(span);
  return ms >= 0 ? { text: `${words} left`, overdue: false } : { text: `overdue by ${words}`, overdue: true };
}

/** A deadline with the time left (or overdue, highlighted), refreshed by {@link refreshDeadlines}. */
export function deadline(iso: string, now = Date.now()): HTMLElement {
  const left = timeLeft(iso, now);
  return h(
    'span',
    { class: left.overdue ? 'deadline overdue' : 'deadline', 'data-deadline': iso, 'data-overdue': String(left.overdue) },
    time(iso),
    ' ',
    h('span', { class: 'left' }, `(${left.text})`),
  );
}

/** Brings every deadline under `root` up to date (a page calls it on a timer). */
export function refreshDeadlines(root: ParentNode, now = Date.now()): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-deadline]')) {
    const left = timeLeft(el.dataset.deadline ?? '', now);
    el.classList.toggle('overdue', left.overdue);
    el.dataset.overdue = String(left.overdue);
    const text = el.querySelector('.left');
    if (text) text.textContent = `(${left.text})`;
  }
}
