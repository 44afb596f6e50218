import { get } from '../api';
import { h, link, table } from '../dom';
import { outcomeBadge, time } from '../format';
import { Page, PageContext } from '../router';

interface AuditEntry {
  id: string;
  at: string;
  operator: { id: string; name: string; role: string } | null;
  action: string;
  target: string | null;
  outcome: string;
  httpStatus: number | null;
  detail: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-/i;

/** What an entry acted on: a held operator call, a payment (both UUIDs, told apart by the action) or a participant. */
function targetLink(target: string | null, action: string): HTMLElement | string {
  if (!target) return '—';
  if (UUID.test(target) && /^(request\.|admin\.requests\.)/.test(action))
    return link(`#/requests/${target}`, h('code', {}, target.slice(0, 8)), { title: target });
  if (UUID.test(target)) return link(`#/payments/${target}`, h('code', {}, target.slice(0, 8)), { title: target });
  return link(`#/participants/${encodeURIComponent(target)}`, target);
}

function summary(detail: Record<string, unknown>): string {
  const request = detail.request as Record<string, unknown> | null | undefined;
  const response = detail.response as Record<string, unknown> | undefined;
  const parts: string[] = [];
  if (request && typeof request === 'object')
    parts.push(
      Object.entries(request)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' '),
    );
  if (response?.code) parts.push(`→ ${String(response.code)}`);
  if (typeof detail.reason === 'string') parts.push(detail.reason);
  return parts.join(' ') || '—';
}

export async function auditPage(_ctx: PageContext, params: URLSearchParams): Promise<Page> {
  const query = new URLSearchParams({ limit: '50' });
  for (const k of ['cursor', 'action', 'target', 'operatorId']) {
    const v = params.get(k);
    if (v) query.set(k, v);
  }
  const page = await get<{ data: AuditEntry[]; nextCursor: string | null }>(`/audit?${query.toString()}`);
  const next = new URLSearchParams(params);
  if (page.nextCursor) next.set('cursor', page.nextCursor);
  const el = h(
    'section',
    {},
    h('h1', {}, 'Audit log'),
    h('p', { class: 'muted' }, 'Every sign-in and every action taken through this console, allowed or refused. Entries cannot be changed or deleted.'),
    table(
      'Operator actions, newest first',
      ['When', 'Operator', 'Action', 'On', 'Outcome', 'HTTP', 'Details'],
      page.data.map((e) => [
        time(e.at),
        e.operator ? `${e.operator.name} (${e.operator.role})` : 'unknown token',
        h('code', {}, e.action),
        targetLink(e.target, e.action),
        outcomeBadge(e.outcome),
        e.httpStatus === null ? '—' : String(e.httpStatus),
        summary(e.detail),
      ]),
      { captionHidden: true, className: 'data audit' },
    ),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      params.get('cursor') ? link('#/audit', 'Newest', { class: 'button' }) : null,
      page.nextCursor ? link(`#/audit?${next.toString()}`, 'Older →', { class: 'button', rel: 'next' }) : h('span', { class: 'muted' }, 'No older entries'),
    ),
  );
  return { title: 'Audit log', el };
}
