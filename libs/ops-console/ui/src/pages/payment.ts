import { ApiProblem, act, get } from '../api';
import { announce, facts, h, link, replace, table } from '../dom';
import { amount, duration, shortHash, statusBadge, time } from '../format';
import { checkProof, major } from '../proof';
import { Page, PageContext } from '../router';

interface Decision {
  operator: { id: string; name: string };
  decision: string;
  state: string;
  comment?: string;
  reason?: string;
  at: string;
}

export interface PaymentDetail {
  uetr: string;
  status: string;
  reason?: string;
  endToEndId: string;
  debtorParticipant: string;
  creditorParticipant: string;
  quote: {
    id: string;
    sourceCurrency: string;
    targetCurrency: string;
    midRate: string;
    rate: string;
    markupBps: string | number;
    fees: { type: string; amount: string; currency: string }[];
    expiresAt: string;
  };
  sendAmount: string;
  receiveAmount: string;
  totalDebit: string;
  createdAt: string;
  timeline: { status: string; at: string; reason?: string }[];
  block?: { height: number; hash: string };
  debtor?: { name: string; account: string };
  creditor?: { name: string; account: string };
  remittanceInfo?: string;
  hold: { approvals: number | null; decisions: Decision[] };
}

interface Proof {
  block: { height: number; hash: string; prevHash: string; merkleRoot: string; txCount: number; timestamp: number };
  signatures: { validator: string; signature: string }[];
  quorum: number;
  transaction: { id: string; uetr?: string; postings?: { account: string; currency: string; amount: string }[]; outcome: { status: string; reason?: string } };
  proof: { leafIndex: number; leafHash: string; siblings: string[] };
}

export async function paymentPage(ctx: PageContext, uetr: string): Promise<Page> {
  const root = h('section', { class: 'payment' });
  const proofSection = h('section', { 'aria-labelledby': 'proof-title', id: 'proof' });
  const decisionResult = h('p', { class: 'result', role: 'status', id: 'decision-result' });
  let proofShownFor: string | null = null;

  const load = async () => {
    const p = await get<PaymentDetail>(`/payments/${encodeURIComponent(uetr)}`);
    render(root, p, ctx, () => void load(), decisionResult);
    root.append(decisionResult, proofSection);
    const finalKey = p.status === 'SETTLED' || p.status === 'REJECTED' ? `${p.status}:${p.block?.hash ?? ''}` : null;
    if (finalKey && proofShownFor !== finalKey) {
      proofShownFor = finalKey;
      void showProof(proofSection, p.uetr);
    } else if (!finalKey) {
      replace(
        proofSection,
        h('h2', { id: 'proof-title' }, 'Finality proof'),
        h('p', { class: 'muted' }, 'The proof exists once the payment is final on the ledger.'),
      );
    }
    return p;
  };
  const first = await load();
  const off = ctx.stream.subscribe((event) => {
    if (event.type === 'payment' && event.data.payment.uetr === first.uetr) {
      announce(`This payment is now ${event.data.payment.status}`);
      void load();
    }
  });
  return { title: `Payment ${first.uetr.slice(0, 8)}`, el: root, destroy: off };
}

function render(root: HTMLElement, p: PaymentDetail, ctx: PageContext, reload: () => void, report: HTMLElement): void {
  const received = Date.parse(p.timeline[0]?.at ?? p.createdAt);
  const q = p.quote;
  replace(
    root,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Payment ', h('code', { class: 'uetr', id: 'payment-uetr' }, p.uetr)),
      h('div', { id: 'payment-status', role: 'status' }, statusBadge(p.status), p.reason ? ` ${p.reason}` : ''),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { 'aria-labelledby': 'summary-title' },
        h('h2', { id: 'summary-title' }, 'Summary'),
        facts([
          ['End-to-end id', p.endToEndId],
          ['Debtor bank', link(`#/participants/${encodeURIComponent(p.debtorParticipant)}`, p.debtorParticipant)],
          ['Creditor bank', link(`#/participants/${encodeURIComponent(p.creditorParticipant)}`, p.creditorParticipant)],
          ['Sent', amount(p.sendAmount, q.sourceCurrency)],
          ['Received', amount(p.receiveAmount, q.targetCurrency)],
          ['Total debit', amount(p.totalDebit, q.sourceCurrency)],
          ['Created', time(p.createdAt)],
          ['Block', p.block ? [link(`#/blocks/${p.block.height}`, `#${p.block.height}`), ' ', shortHash(p.block.hash, 16)] : 'not in a block yet'],
        ]),
      ),
      h(
        'section',
        { 'aria-labelledby': 'quote-title' },
        h('h2', { id: 'quote-title' }, 'Quote, fees and markup'),
        facts([
          ['Quote', h('code', {}, q.id)],
          ['Customer rate', `${q.rate} ${q.targetCurrency} per ${q.sourceCurrency}`],
          ['Mid rate', q.midRate],
          ['Markup', `${q.markupBps} bps`],
          ['Fees', q.fees.length === 0 ? 'none' : q.fees.map((f) => h('span', { class: 'fee' }, `${f.type}: `, amount(f.amount, f.currency)))],
          ['Quote expired', time(q.expiresAt)],
        ]),
      ),
    ),
    p.debtor || p.creditor
      ? h(
          'section',
          { 'aria-labelledby': 'parties-title' },
          h('h2', { id: 'parties-title' }, 'Parties'),
          facts([
            ['Debtor', p.debtor ? `${p.debtor.name} · ${p.debtor.account}` : '—'],
            ['Creditor', p.creditor ? `${p.creditor.name} · ${p.creditor.account}` : '—'],
            ['Remittance information', p.remittanceInfo ?? '—'],
          ]),
        )
      : h('p', { class: 'muted' }, 'Customer details are not shown to your role.'),
    h(
      'section',
      { 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, 'Timeline'),
      h(
        'ol',
        { class: 'timeline', id: 'timeline' },
        p.timeline.map((t) =>
          h(
            'li',
            { 'data-status': t.status },
            statusBadge(t.status),
            ' ',
            time(t.at),
            h('span', { class: 'muted' }, ` +${duration(Date.parse(t.at) - received)}`),
            t.reason ? ` — ${t.reason}` : '',
          ),
        ),
      ),
    ),
    holdSection(p, ctx, reload, report),
  );
}

function holdSection(p: PaymentDetail, ctx: PageContext, reload: () => void, report: HTMLElement): HTMLElement | null {
  const decisions = p.hold.decisions;
  if (p.status !== 'HELD' && decisions.length === 0) return null;
  const section = h('section', { 'aria-labelledby': 'hold-title', class: 'hold' }, h('h2', { id: 'hold-title' }, 'Approval'));
  section.append(
    h(
      'p',
      {},
      p.hold.approvals === null ? 'Approvals unknown.' : `${p.hold.approvals} approval${p.hold.approvals === 1 ? '' : 's'} recorded from distinct operators.`,
    ),
  );
  if (decisions.length > 0) {
    section.append(
      table(
        'Decisions',
        ['Operator', 'Decision', 'State', 'Comment', 'At'],
        decisions.map((d) => [d.operator.name, d.decision, d.state + (d.reason ? ` (${d.reason})` : ''), d.comment ?? '—', time(d.at)]),
      ),
    );
  }
  if (p.status === 'HELD' && ctx.session.can.decide) section.append(decisionForm(p.uetr, reload, report));
  else if (p.status === 'HELD')
    section.append(
      h('p', { class: 'muted', id: 'cannot-decide' }, `Your role (${ctx.session.operator.role}) may watch held payments but not approve or reject them.`),
    );
  return section;
}

/**
 * Approve or reject. The outcome is written to `report` (a status region that outlives the form: the list or page
 * re-renders once the decision is recorded) and then `done` reloads.
 */
export function decisionForm(uetr: string, done: () => void, report: HTMLElement): HTMLFormElement {
  const comment = h('input', { id: `comment-${uetr}`, name: 'comment', maxlength: '500', autocomplete: 'off' });
  const result = h('p', { class: 'result', role: 'status' });
  const approve = h('button', { type: 'submit', value: 'approve', class: 'primary', 'data-action': 'approve' }, 'Approve');
  const reject = h('button', { type: 'submit', value: 'reject', class: 'danger', 'data-action': 'reject' }, 'Reject');
  const form = h(
    'form',
    { class: 'decision', 'aria-label': `Decide on payment ${uetr}` },
    h('label', { for: `comment-${uetr}` }, 'Comment (optional)'),
    comment,
    h('div', { class: 'buttons' }, approve, reject),
    result,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const decision = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value === 'reject' ? 'reject' : 'approve';
    approve.disabled = reject.disabled = true;
    result.textContent = 'Sending…';
    act<{ payment?: { status: string; approvals: number } }>('POST', `/payments/${uetr}/decisions`, {
      decision,
      ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
    })
      .then(({ status, body }) => {
        const text =
          status === 202
            ? 'Sent; settlement has not answered yet.'
            : body.payment?.status === 'HELD'
              ? `Approval recorded (${body.payment.approvals}); another approver is needed.`
              : `Decision recorded; the payment is now ${body.payment?.status ?? 'updated'}.`;
        result.textContent = text;
        report.classList.remove('form-error');
        report.textContent = `${uetr.slice(0, 8)}: ${text}`;
        announce(text);
        done();
      })
      .catch((e: unknown) => {
        result.textContent = e instanceof ApiProblem ? e.describe() : String(e);
        result.classList.add('form-error');
        report.textContent = `${uetr.slice(0, 8)}: ${result.textContent}`;
        report.classList.add('form-error');
        approve.disabled = reject.disabled = false;
      });
  });
  return form;
}

const PROOF_ATTEMPTS = 5;
const PROOF_RETRY_MS = 1_000;

async function showProof(section: HTMLElement, uetr: string): Promise<void> {
  replace(section, h('h2', { id: 'proof-title' }, 'Finality proof'), h('p', { class: 'muted' }, 'Fetching the proof and checking it in this browser…'));
  let proof: Proof | null = null;
  // A validator may still be catching up, or all may be briefly away: ask again a few times before giving up.
  for (let attempt = 1; proof === null; attempt++) {
    try {
      proof = await get<Proof>(`/payments/${encodeURIComponent(uetr)}/finality`);
    } catch (e) {
      const transient = e instanceof ApiProblem && (e.status === 404 || e.status === 503);
      if (!transient || attempt >= PROOF_ATTEMPTS) {
        replace(section, h('h2', { id: 'proof-title' }, 'Finality proof'), h('p', { class: 'unavailable' }, e instanceof Error ? e.message : String(e)));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, PROOF_RETRY_MS));
    }
  }
  const check = await checkProof(proof);
  const verdict = check.verdict.ok
    ? h(
        'p',
        { class: 'verified', id: 'proof-verdict', 'data-verified': 'true' },
        h('span', { 'aria-hidden': 'true' }, '✓ '),
        h('strong', {}, 'Verified'),
        ` in this browser: signed by ${check.signers.join(', ')} (quorum ${check.quorum} of ${check.validators}), Merkle inclusion and block hash check out.`,
      )
    : h(
        'p',
        { class: 'not-verified', id: 'proof-verdict', 'data-verified': 'false' },
        h('span', { 'aria-hidden': 'true' }, '✕ '),
        h('strong', {}, 'Not verified'),
        `: ${check.verdict.reason}.`,
      );
  const t = proof.transaction;
  replace(
    section,
    h('h2', { id: 'proof-title' }, 'Finality proof'),
    verdict,
    facts([
      ['Outcome on the ledger', t.outcome.status === 'accepted' ? 'accepted' : `rejected: ${t.outcome.reason ?? ''}`],
      ['Block', [link(`#/blocks/${proof.block.height}`, `#${proof.block.height}`), ' ', shortHash(proof.block.hash, 16)]],
      ['Merkle root', shortHash(proof.block.merkleRoot, 16)],
      ['Leaf', `${proof.proof.leafIndex + 1} of ${proof.block.txCount} (${proof.proof.siblings.length} sibling hashes)`],
      [
        'Signatures',
        proof.signatures.map((s) =>
          h('span', { class: check.signers.includes(s.validator) ? 'sig ok' : 'sig' }, `${s.validator} ${check.signers.includes(s.validator) ? '✓' : '✕'} `),
        ),
      ],
    ]),
    table(
      'Ledger postings of this transaction',
      ['Account', 'Currency', 'Amount'],
      (t.postings ?? []).map((x) => [
        h('code', {}, x.account),
        x.currency,
        h('span', { class: `num ${x.amount.startsWith('-') ? 'debit' : 'credit'}` }, major(x.amount, x.currency)),
      ]),
    ),
  );
}
