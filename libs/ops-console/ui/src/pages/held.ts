import { get } from '../api';
import { h, link, replace, table } from '../dom';
import { ago, amount, time } from '../format';
import { Page, PageContext } from '../router';
import { PaymentDetail, decisionForm } from './payment';

interface Held {
  data: PaymentDetail[];
  more: boolean;
}

/** Payments waiting for M-of-N approval, oldest first, each with its approvals and (for approvers) the decision form. */
export async function heldPage(ctx: PageContext): Promise<Page> {
  const list = h('div', { id: 'held-list' });
  const report = h('p', { class: 'result', role: 'status', id: 'decision-result' });
  const load = async () => renderHeld(list, await get<Held>('/held'), ctx, () => void load(), report);
  await load();
  const off = ctx.stream.subscribe((event) => {
    if (event.type === 'payment' && (event.data.reached === 'HELD' || list.querySelector(`[data-uetr="${event.data.payment.uetr}"]`))) void load();
  });
  const note = ctx.session.can.decide
    ? 'A held payment goes to the ledger once enough distinct operators approved it; one rejection rejects it.'
    : `Your role (${ctx.session.operator.role}) may watch held payments but not approve or reject them.`;
  return {
    title: 'Held payments',
    el: h('section', {}, h('h1', {}, 'Held payments'), h('p', { class: 'muted', id: 'held-note' }, note), report, list),
    destroy: off,
  };
}

function renderHeld(list: HTMLElement, held: Held, ctx: PageContext, reload: () => void, report: HTMLElement): void {
  if (held.data.length === 0) {
    replace(list, h('p', { class: 'empty', id: 'held-empty' }, 'No payment is waiting for approval.'));
    return;
  }
  replace(
    list,
    held.data.map((p) => {
      const heldAt = p.timeline.find((t) => t.status === 'HELD')?.at ?? p.createdAt;
      const holdReason = p.timeline.find((t) => t.status === 'HELD')?.reason;
      return h(
        'article',
        { class: 'held-card', 'data-uetr': p.uetr, 'aria-labelledby': `held-${p.uetr}` },
        h('h2', { id: `held-${p.uetr}` }, link(`#/payments/${p.uetr}`, h('code', {}, p.uetr))),
        h(
          'p',
          {},
          `${p.debtorParticipant} → ${p.creditorParticipant}: `,
          amount(p.totalDebit, p.quote.sourceCurrency),
          ' debit, ',
          amount(p.receiveAmount, p.quote.targetCurrency),
          ' to receive. Held ',
          time(heldAt),
          ` (${ago(heldAt)})`,
          holdReason ? `, ${holdReason}` : '',
          '.',
        ),
        h(
          'p',
          { class: 'approvals' },
          p.hold.approvals === null ? 'Approvals unknown.' : `${p.hold.approvals} approval${p.hold.approvals === 1 ? '' : 's'} so far.`,
        ),
        p.hold.decisions.length > 0
          ? table(
              'Decisions so far',
              ['Operator', 'Decision', 'State', 'At'],
              p.hold.decisions.map((d) => [d.operator.name, d.decision, d.state, time(d.at)]),
            )
          : null,
        ctx.session.can.decide ? decisionForm(p.uetr, reload, report) : null,
      );
    }),
    held.more ? h('p', { class: 'muted' }, 'More held payments exist than are shown; the oldest are first.') : null,
  );
}
