import { ApiProblem, act, get } from '../api';
import { announce, facts, h, link, replace, table } from '../dom';
import { amount, outcomeBadge, time } from '../format';
import { Page, PageContext } from '../router';
import { PaymentSummary } from '../stream';
import { paymentRow, paymentTable } from './payments';
import { statementSection } from './statement';

interface ParticipantItem {
  id: string;
  name: string;
  currencies: string[] | null;
  webhookUrl: string | null;
  status: string;
}

interface ParticipantDetail {
  participant: ParticipantItem & { system: boolean };
  ledgerHeight: number;
  accounts: { account: string; currency: string; balance: string | null; netDebitCap: string | null; holdAbove: string | null }[];
  keys: { keyId: string; publicKey: string; createdAt: string; revokedAt: string | null }[];
  screeningLimits: { currency: string; maxAmount?: string | null }[];
  recentPayments: PaymentSummary[];
  requests: {
    requestId: string;
    kind: string;
    status: string;
    reason: string | null;
    blockHeight: number | null;
    createdAt: string;
    currency?: string;
    amount?: string;
  }[];
  actions: { at: string; operator: { name: string; role: string } | null; action: string; outcome: string; httpStatus: number | null }[];
}

/** A call held for a second admin (DUAL_CONTROL=on: 202 PENDING_APPROVAL) in words; null for any other answer. */
function heldText(body: unknown): string | null {
  const b = body as { status?: unknown; requestId?: unknown } | null;
  if (b?.status !== 'PENDING_APPROVAL' || typeof b.requestId !== 'string') return null;
  return `Held for a second admin (four eyes): request ${b.requestId.slice(0, 8)} waits on the Requests page; nothing changed yet.`;
}

export async function participantsPage(_ctx: PageContext): Promise<Page> {
  const { data } = await get<{ data: ParticipantItem[] }>('/participants');
  const el = h(
    'section',
    {},
    h('h1', {}, 'Participants'),
    table(
      'Participants and system accounts',
      ['Id', 'Name', 'Currencies', 'Status', 'Webhook'],
      data.map((p) => [
        link(`#/participants/${encodeURIComponent(p.id)}`, p.id),
        p.name,
        p.currencies ? p.currencies.join(', ') : 'every enabled currency',
        h('span', { class: `badge ${p.status === 'active' ? 'good' : p.status === 'suspended' ? 'bad' : ''}` }, p.status),
        p.webhookUrl ?? '—',
      ]),
      { captionHidden: true },
    ),
  );
  return { title: 'Participants', el };
}

export async function participantPage(ctx: PageContext, id: string): Promise<Page> {
  const root = h('section', {});
  // Made once, so that reloading the rest of the page (after an action) keeps the statement being looked at, and
  // the action's outcome (the reload follows every action).
  let statement: HTMLElement | null = null;
  const outcome = h('p', { class: 'result', role: 'status', id: 'admin-result' });
  const load = async () => {
    const d = await get<ParticipantDetail>(`/participants/${encodeURIComponent(id)}`);
    if (!d.participant.system) statement ??= statementSection(d.participant.id, d.participant.currencies ?? d.accounts.map((a) => a.currency));
    renderParticipant(root, d, ctx, { reload: () => void load(), statement, outcome });
  };
  await load();
  return { title: `Participant ${id}`, el: root };
}

interface Kept {
  reload: () => void;
  statement: HTMLElement | null;
  /** Where an admin action's outcome is written. */
  outcome: HTMLElement;
}

function renderParticipant(root: HTMLElement, d: ParticipantDetail, ctx: PageContext, { reload, statement, outcome }: Kept): void {
  const p = d.participant;
  const positions = p.id === 'FXDESK';
  const body = h(
    'tbody',
    {},
    d.recentPayments.map((p) => paymentRow(p)),
  );
  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, `${p.id} `, h('span', { class: 'muted' }, p.name)),
      h('span', { class: `badge ${p.status === 'active' ? 'good' : p.status === 'suspended' ? 'bad' : ''}`, id: 'participant-status' }, p.status),
    ),
    h(
      'section',
      { 'aria-labelledby': 'accounts-title' },
      h('h2', { id: 'accounts-title' }, positions ? 'FX desk positions' : 'Balances and limits'),
      h('p', { class: 'muted' }, `As of final block #${d.ledgerHeight} on the ledger.`),
      table(
        positions ? 'FX desk positions per currency' : 'Settlement accounts',
        ['Currency', positions ? 'Position' : 'Balance', 'Net debit cap', 'Hold above'],
        d.accounts.map((a) => [
          a.currency,
          amount(a.balance, a.currency),
          a.netDebitCap === null ? 'no limit' : amount(a.netDebitCap, a.currency),
          a.holdAbove === null ? '—' : amount(a.holdAbove, a.currency),
        ]),
        { captionHidden: true },
      ),
    ),
    statement,
    ctx.session.can.manageParticipants ? adminForms(d, reload, outcome) : null,
    p.system
      ? null
      : h(
          'section',
          { 'aria-labelledby': 'keys-title' },
          h('h2', { id: 'keys-title' }, 'Request-signing keys'),
          table(
            'Keys',
            ['Key id', 'Public key', 'Added', 'Revoked'],
            d.keys.map((k) => [h('code', {}, k.keyId), h('code', { class: 'hash' }, k.publicKey), time(k.createdAt), k.revokedAt ? time(k.revokedAt) : '—']),
            { captionHidden: true },
          ),
          facts([['Webhook', p.webhookUrl ?? 'none']]),
        ),
    d.recentPayments.length > 0
      ? h(
          'section',
          { 'aria-labelledby': 'recent-title' },
          h('h2', { id: 'recent-title' }, 'Recent payments'),
          h('div', { class: 'table-wrap' }, paymentTable('Recent payments', body)),
        )
      : null,
    h(
      'section',
      { 'aria-labelledby': 'requests-title' },
      h('h2', { id: 'requests-title' }, 'Operator requests'),
      table(
        'Deposits, withdrawals, limits and suspensions',
        ['When', 'Kind', 'Amount', 'Status', 'Block'],
        d.requests.map((r) => [
          time(r.createdAt),
          r.kind,
          r.amount ? amount(r.amount, r.currency) : '—',
          r.status + (r.reason ? ` (${r.reason})` : ''),
          r.blockHeight === null ? '—' : link(`#/blocks/${r.blockHeight}`, `#${r.blockHeight}`),
        ]),
        { captionHidden: true },
      ),
    ),
    ctx.session.can.seeAudit
      ? h(
          'section',
          { 'aria-labelledby': 'actions-title' },
          h('h2', { id: 'actions-title' }, 'Console actions on this participant'),
          table(
            'Audit entries',
            ['When', 'Operator', 'Action', 'Outcome'],
            d.actions.map((a) => [time(a.at), a.operator ? `${a.operator.name} (${a.operator.role})` : '—', a.action, outcomeBadge(a.outcome)]),
            { captionHidden: true },
          ),
        )
      : null,
  );
}

/** Deposits, withdrawals, limits and suspension: admin only (the server refuses anyone else). */
function adminForms(d: ParticipantDetail, reload: () => void, result: HTMLElement): HTMLElement {
  const p = d.participant;
  const currencies = p.currencies ?? d.accounts.map((a) => a.currency);
  const ccy = (id: string) =>
    h(
      'select',
      { id, name: 'currency', required: true },
      currencies.map((c) => h('option', { value: c }, c)),
    );
  const run = (form: HTMLFormElement, send: () => Promise<{ status: number; body: unknown }>, ok: (status: number, body: unknown) => string) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const buttons = [...form.querySelectorAll('button')];
      buttons.forEach((b) => (b.disabled = true));
      result.classList.remove('form-error');
      result.textContent = 'Sending…';
      send()
        .then(({ status, body }) => {
          const text = ok(status, body);
          result.textContent = text;
          announce(text);
          reload();
        })
        .catch((e: unknown) => {
          result.textContent = e instanceof ApiProblem ? e.describe() : String(e);
          result.classList.add('form-error');
        })
        .finally(() => buttons.forEach((b) => (b.disabled = false)));
    });
    return form;
  };
  const field = (label: string, input: HTMLElement) => h('div', { class: 'field' }, h('label', { for: input.id }, label), input);

  const tCcy = ccy('transfer-currency');
  const tAmount = h('input', {
    id: 'transfer-amount',
    name: 'amount',
    required: true,
    inputmode: 'decimal',
    pattern: '[0-9]+(\\.[0-9]+)?',
    placeholder: '1000.00',
  });
  const tRef = h('input', { id: 'transfer-reference', name: 'reference', required: true, maxlength: '140', placeholder: 'reference' });
  const tKind = h(
    'select',
    { id: 'transfer-kind', name: 'kind' },
    h('option', { value: 'deposits' }, 'Deposit'),
    h('option', { value: 'withdrawals' }, 'Withdrawal'),
  );
  const transfer = run(
    h(
      'form',
      { class: 'inline-form', 'aria-label': 'Deposit or withdraw' },
      field('Kind', tKind),
      field('Currency', tCcy),
      field('Amount', tAmount),
      field('Reference', tRef),
      h('button', { type: 'submit', class: 'primary' }, 'Send'),
    ),
    () =>
      act('POST', `/participants/${encodeURIComponent(p.id)}/${tKind.value}`, {
        currency: tCcy.value,
        amount: tAmount.value.trim(),
        reference: tRef.value.trim(),
      }),
    (status, body) =>
      heldText(body) ??
      (status === 201 ? `Final on the ledger; new balance ${(body as { balance?: string }).balance ?? '?'} ${tCcy.value}.` : 'Submitted; not final yet.'),
  );

  const lCcy = ccy('limits-currency');
  const lCap = h('input', { id: 'limits-cap', name: 'netDebitCap', required: true, inputmode: 'decimal', placeholder: '0.00' });
  const lHold = h('input', { id: 'limits-hold', name: 'holdAbove', inputmode: 'decimal', placeholder: 'none' });
  const limits = run(
    h(
      'form',
      { class: 'inline-form', 'aria-label': 'Limits' },
      field('Currency', lCcy),
      field('Net debit cap', lCap),
      field('Hold payments above', lHold),
      h('button', { type: 'submit', class: 'primary' }, 'Set limits'),
    ),
    () =>
      act('PUT', `/participants/${encodeURIComponent(p.id)}/limits`, {
        currency: lCcy.value,
        netDebitCap: lCap.value.trim(),
        holdAbove: lHold.value.trim() === '' ? null : lHold.value.trim(),
      }),
    (status, body) => heldText(body) ?? (status === 200 ? 'Limits in force (final on the ledger).' : 'Limits submitted; not final yet.'),
  );

  const suspended = p.status === 'suspended';
  const suspend = run(
    h(
      'form',
      { class: 'inline-form', 'aria-label': suspended ? 'Resume' : 'Suspend' },
      h('button', { type: 'submit', class: suspended ? 'primary' : 'danger', id: 'suspend-toggle' }, suspended ? 'Resume participant' : 'Suspend participant'),
    ),
    () => act('POST', `/participants/${encodeURIComponent(p.id)}/${suspended ? 'resume' : 'suspend'}`),
    () => (suspended ? 'Participant resumed.' : 'Participant suspended: its new payments are refused.'),
  );

  return h(
    'section',
    { 'aria-labelledby': 'admin-title', class: 'admin-actions' },
    h('h2', { id: 'admin-title' }, 'Administration'),
    h('h3', {}, 'Funding'),
    transfer,
    h('h3', {}, 'Limits'),
    limits,
    p.system ? null : h('h3', {}, 'Suspension'),
    p.system ? null : suspend,
    result,
  );
}
