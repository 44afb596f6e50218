import { ApiProblem, act, get } from '../api';
import { announce, facts, h, link, replace } from '../dom';
import { amount, deadline, requestBadge, time } from '../format';
import { Page, PageContext } from '../router';

/** `GET /ops/api/requests` item: an operator call held for a second admin (dual control). */
export interface HeldRequest {
  requestId: string;
  status: 'PENDING_APPROVAL' | 'APPROVED' | 'REJECTED' | 'EXPIRED';
  action: string;
  method: string;
  path: string;
  body: unknown;
  createdAt: string;
  expiresAt: string;
  /** The signed-in operator asked for it: four eyes, a different admin must decide it. */
  mine: boolean;
  /** Approvers and admins only (like who decided on a held payment). */
  requestedBy?: { id: string; name: string };
  decidedBy?: { id: string; name: string };
  decidedAt?: string;
  comment?: string;
  result?: { status: number; body: unknown };
}

const PAGE_SIZE = 50;
const STATUS_FILTERS = [
  ['PENDING_APPROVAL', 'Waiting for approval'],
  ['APPROVED', 'Approved'],
  ['REJECTED', 'Rejected'],
  ['EXPIRED', 'Expired'],
  ['ALL', 'Every status'],
] as const;

/** The dual-controlled calls (gateway `auditAction` names) in words. */
const ACTION_WORDS: Record<string, string> = {
  'admin.participants.deposits.post': 'Deposit',
  'admin.participants.withdrawals.post': 'Withdrawal',
  'admin.participants.limits.put': 'Net debit cap and hold threshold',
  'admin.participants.screening-limits.put': 'Amount and velocity limits',
  'admin.participants.keys.post': 'Add a request-signing key',
  'admin.participants.keys.delete': 'Revoke a request-signing key',
  'admin.operators.post': 'Create an operator',
};

/** Problems that refuse the decision itself; any other problem of an approval is the held call's own answer. */
const DECISION_REFUSALS = new Set(['four_eyes_required', 'request_not_pending', 'request_expired', 'not_found', 'forbidden']);

const participantOf = (path: string): string | null => /^\/v1\/admin\/participants\/([^/?]+)/.exec(path)?.[1] ?? null;
const fieldText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const record = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The call as it was sent: an amount with its currency where there is one, then every other field. */
function callFacts(r: HeldRequest): [string, Node | string | (Node | string)[]][] {
  const body = record(r.body) ?? {};
  const target = participantOf(r.path);
  const pairs: [string, Node | string | (Node | string)[]][] = [['Call', h('code', {}, `${r.method} ${r.path}`)]];
  if (target) pairs.push(['Participant', link(`#/participants/${target}`, decodeURIComponent(target))]);
  const money = typeof body.amount === 'string' && typeof body.currency === 'string';
  if (money) pairs.push(['Amount', amount(body.amount as string, body.currency as string)]);
  for (const [k, v] of Object.entries(body)) if (!(money && (k === 'amount' || k === 'currency'))) pairs.push([k, fieldText(v)]);
  return pairs;
}

/** What an approved call answered: its HTTP status and the answer's problem code, status or balance. */
function resultText(result: NonNullable<HeldRequest['result']>): string {
  const b = record(result.body) ?? {};
  const parts = [`HTTP ${result.status}`];
  if (typeof b.code === 'string') parts.push(b.code, typeof b.detail === 'string' ? b.detail : '');
  else {
    if (typeof b.status === 'string') parts.push(b.status);
    if (typeof b.balance === 'string') parts.push(`balance ${b.balance}${typeof b.currency === 'string' ? ` ${b.currency}` : ''}`);
    if (typeof b.keyId === 'string') parts.push(`key ${b.keyId}`);
    if (typeof b.name === 'string' && typeof b.role === 'string') parts.push(`operator ${b.name} (${b.role})`);
  }
  return parts.filter((p) => p !== '').join(' · ');
}

function decisionFacts(r: HeldRequest): [string, Node | string][] {
  const pairs: [string, Node | string][] = [];
  if (r.requestedBy) pairs.push(['Requested by', `${r.requestedBy.name}${r.mine ? ' (you)' : ''}`]);
  pairs.push(['Requested', time(r.createdAt)]);
  if (r.status === 'PENDING_APPROVAL') pairs.push(['Expires', deadline(r.expiresAt)]);
  if (r.decidedBy) pairs.push([r.status === 'APPROVED' ? 'Approved by' : 'Rejected by', r.decidedBy.name]);
  if (r.decidedAt) pairs.push(['Decided', time(r.decidedAt)]);
  if (r.status === 'EXPIRED') pairs.push(['Expired', time(r.expiresAt)]);
  if (r.comment) pairs.push(['Comment', r.comment]);
  if (r.result) pairs.push(['Result', resultText(r.result)]);
  return pairs;
}

/** After an approval: the call's own answer in words (a deposit's new balance; a created operator's token, once). */
function approvedText(r: HeldRequest, status: number, body: unknown): string {
  const b = record(body) ?? {};
  if (typeof b.token === 'string')
    return `Approved: operator ${fieldText(b.name)} created. Its token, shown this once (give it to them, it cannot be read again): ${b.token}`;
  if (typeof b.balance === 'string')
    return `Approved: the ${words(r.action).toLowerCase()} is final on the ledger; new balance ${b.balance} ${fieldText(b.currency)}.`;
  if (status === 202) return 'Approved: the call was accepted; it is not final on the ledger yet.';
  return `Approved: the call ran (HTTP ${status}).`;
}

const words = (action: string): string => ACTION_WORDS[action] ?? action;

interface DecisionContext {
  ctx: PageContext;
  report: HTMLElement;
  reload: () => Promise<void>;
}

/** Approve, or reject with a comment. The outcome goes to `report` (it outlives the card), then the list reloads. */
function decisionForm(r: HeldRequest, d: DecisionContext): HTMLFormElement {
  const id = `comment-${r.requestId}`;
  const comment = h('input', { id, name: 'comment', maxlength: '500', autocomplete: 'off', 'aria-describedby': `${id}-help` });
  const approve = h('button', { type: 'submit', value: 'approve', class: 'primary', 'data-action': 'approve' }, 'Approve');
  const reject = h('button', { type: 'submit', value: 'reject', class: 'danger', 'data-action': 'reject' }, 'Reject');
  const form = h(
    'form',
    { class: 'decision', 'aria-label': `Decide on request ${r.requestId}` },
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, 'Comment'),
      comment,
      h('p', { class: 'help', id: `${id}-help` }, 'Optional to approve; say why to reject.'),
    ),
    h('div', { class: 'buttons' }, approve, reject),
  );
  const say = (text: string, error: boolean) => {
    d.report.textContent = `${r.requestId.slice(0, 8)}: ${text}`;
    d.report.classList.toggle('form-error', error);
    announce(text);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const decision = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value === 'reject' ? 'reject' : 'approve';
    const text = comment.value.trim();
    if (decision === 'reject' && text === '') {
      say('Say why you reject it: the requester reads the comment.', true);
      comment.focus();
      return;
    }
    approve.disabled = reject.disabled = true;
    d.report.textContent = 'Sending…';
    act('POST', `/requests/${r.requestId}/${decision}`, text === '' ? {} : { comment: text })
      .then(({ status, body }) => say(decision === 'reject' ? 'Rejected: the call will never run.' : approvedText(r, status, body), false))
      .catch(async (e: unknown) => say(await refusalText(r, e), true))
      .finally(() => void d.reload());
  });
  return form;
}

/** Why a decision failed: four eyes in words; or, when the approval went through, what the held call answered. */
async function refusalText(r: HeldRequest, e: unknown): Promise<string> {
  if (!(e instanceof ApiProblem)) return String(e);
  if (e.code === 'four_eyes_required')
    return `Four eyes: you asked for this ${words(r.action).toLowerCase()}, so a different admin must approve or reject it (403 four_eyes_required).`;
  if (DECISION_REFUSALS.has(e.code)) return `${e.describe()} (${e.status} ${e.code})`;
  const now = await get<HeldRequest>(`/requests/${r.requestId}`).catch(() => null);
  if (now?.status === 'APPROVED') return `Approved, but the call was refused when it ran: ${e.describe()} (${e.status} ${e.code})`;
  return `${e.describe()} (${e.status} ${e.code})`;
}

function requestCard(r: HeldRequest, d: DecisionContext): HTMLElement {
  const decide = r.status === 'PENDING_APPROVAL' && d.ctx.session.can.decideRequests;
  return h(
    'article',
    { class: 'held-card request-card', 'data-request-id': r.requestId, 'data-status': r.status, 'aria-labelledby': `request-${r.requestId}` },
    h(
      'h2',
      { id: `request-${r.requestId}` },
      requestBadge(r.status),
      ' ',
      words(r.action),
      ' ',
      h('code', { class: 'muted', title: r.requestId }, r.requestId.slice(0, 8)),
    ),
    facts([...callFacts(r), ...decisionFacts(r)]),
    r.mine && r.status === 'PENDING_APPROVAL'
      ? h('p', { class: 'warn-text mine-note' }, 'You asked for this: four eyes, a different admin must approve or reject it.')
      : null,
    decide ? decisionForm(r, d) : null,
  );
}

function statusFilter(ctx: PageContext, current: string, refresh: HTMLButtonElement): HTMLFormElement {
  const select = h(
    'select',
    { id: 'requests-status', name: 'status' },
    STATUS_FILTERS.map(([value, label]) => h('option', { value, selected: value === current }, label)),
  );
  select.addEventListener('change', () => ctx.go(`#/requests?status=${select.value}`));
  return h(
    'form',
    { class: 'filters', 'aria-label': 'Filter requests' },
    h('div', { class: 'field' }, h('label', { for: 'requests-status' }, 'Status'), select),
    h('div', { class: 'field buttons' }, refresh),
  );
}

/**
 * Operator calls held for a second admin (DUAL_CONTROL=on): waiting ones by default, oldest first, or the decided
 * ones by status; `#/requests/<id>` shows one. Admins other than the requester approve (the call runs as it was
 * asked, and its answer is shown) or reject with a comment; the requester's own attempt is refused four eyes.
 */
export async function requestsPage(ctx: PageContext, params: URLSearchParams, one?: string): Promise<Page> {
  const status = params.get('status') ?? 'PENDING_APPROVAL';
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (status !== 'ALL') query.set('status', status);
  const cursor = params.get('cursor');
  if (cursor) query.set('cursor', cursor);
  const list = h('div', { id: 'requests-list' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const report = h('p', { class: 'result', role: 'status', id: 'request-result' });
  const d: DecisionContext = { ctx, report, reload: async () => undefined };
  d.reload = async () => {
    const page = one
      ? { data: [await get<HeldRequest>(`/requests/${encodeURIComponent(one)}`)], nextCursor: null }
      : await get<{ data: HeldRequest[]; nextCursor: string | null }>(`/requests?${query.toString()}`);
    const empty = status === 'PENDING_APPROVAL' ? 'No operator call is waiting for a second admin.' : 'No request with this status.';
    replace(list, page.data.length === 0 ? h('p', { class: 'empty', id: 'requests-empty' }, empty) : page.data.map((r) => requestCard(r, d)));
    const next = new URLSearchParams(params);
    if (page.nextCursor) next.set('cursor', page.nextCursor);
    replace(
      pager,
      cursor ? link(`#/requests?status=${status}`, 'Oldest', { class: 'button' }) : null,
      page.nextCursor ? link(`#/requests?${next.toString()}`, 'Newer →', { class: 'button', rel: 'next' }) : null,
    );
  };
  await d.reload();
  const note = ctx.session.can.decideRequests
    ? 'With DUAL_CONTROL=on, deposits, withdrawals, limits, participant keys and new operators wait here until a different admin approves them; the call then runs as it was asked.'
    : `Your role (${ctx.session.operator.role}) may watch held requests but not approve or reject them (admins only).`;
  const refresh = h('button', { type: 'button', id: 'requests-refresh' }, 'Refresh');
  refresh.addEventListener('click', () => void d.reload().then(() => announce('Requests refreshed')));
  const el = h(
    'section',
    {},
    h('h1', {}, one ? 'Request' : 'Requests'),
    h('p', { class: 'muted', id: 'requests-note' }, note),
    one ? link('#/requests', '← Every waiting request') : statusFilter(ctx, status, refresh),
    report,
    list,
    pager,
  );
  return { title: one ? 'Request' : 'Requests', el };
}
