import { ApiProblem, act, get } from '../api';
import { Child, announce, copyButton, facts, h, link, replace, table } from '../dom';
import { STEP_STYLE, amount, deadline, duration, hasLedgerProof, reasonText, refreshDeadlines, shortHash, stateBadge, statusBadge, time } from '../format';
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
  /** `{ erased: true }` once the customer data was erased (crypto-shredding). */
  debtor?: { name: string; account: string } | { erased: true };
  creditor?: { name: string; account: string } | { erased: true };
  customerDataErasedAt?: string;
  remittanceInfo?: string;
  hold: { approvals: number | null; decisions: Decision[] };
  /** What came back by settled returns, in the target currency. */
  returnedAmount?: string;
  returns?: PaymentReturn[];
  recall?: PaymentRecall;
  /** While QUEUED (waiting in its debtor account's liquidity queue): when the ledger rejects it `queue_timeout`. */
  queuedUntil?: string;
  /** A conditional payment's hash-lock (API.md "Conditional payments"). */
  condition?: { type: string; hash: string; expiresAt: string };
  /** While RESERVED: when its escrow goes back to the debtor unless the creditor bank fulfils it first. */
  reservedUntil?: string;
}

/** API.md `returns[]` item. */
export interface PaymentReturn {
  returnId: string;
  status: string;
  amount: string;
  currency: string;
  sourceAmount: string;
  sourceCurrency: string;
  reason: string;
  rejectReason?: string;
  recallId?: string;
  block?: { height: number; hash: string };
}

/** API.md `recall` (the latest recall of the payment). */
export interface PaymentRecall {
  recallId: string;
  status: string;
  reason: string;
  comment?: string;
  respondBy: string;
  resolution?: { reason?: string; returnId?: string; at: string };
}

interface Proof {
  block: { height: number; hash: string; prevHash: string; merkleRoot: string; txCount: number; timestamp: number };
  signatures: { validator: string; signature: string }[];
  quorum: number;
  transaction: {
    id: string;
    uetr?: string;
    returnId?: string;
    postings?: { account: string; currency: string; amount: string }[];
    outcome: { status: string; reason?: string };
  };
  proof: { leafIndex: number; leafHash: string; siblings: string[] };
}

const DEADLINE_REFRESH_MS = 30_000;

export async function paymentPage(ctx: PageContext, uetr: string): Promise<Page> {
  const root = h('section', { class: 'payment' });
  const proofSection = h('section', { 'aria-labelledby': 'proof-title', id: 'proof' });
  const returnProofSection = h('section', { 'aria-labelledby': 'return-proof-title', id: 'return-proof', hidden: true });
  const decisionResult = h('p', { class: 'result', role: 'status', id: 'decision-result' });
  let proofShownFor: string | null = null;

  const verifyReturn = (p: PaymentDetail, r: PaymentReturn) => {
    returnProofSection.hidden = false;
    void showProof(returnProofSection, {
      path: `/payments/${encodeURIComponent(p.uetr)}/returns/${encodeURIComponent(r.returnId)}/finality`,
      title: `Finality proof of return ${r.returnId.slice(0, 8)}`,
      titleId: 'return-proof-title',
      verdictId: 'return-proof-verdict',
      of: { uetr: p.uetr, returnId: r.returnId },
    }).then(() => returnProofSection.scrollIntoView({ block: 'nearest' }));
  };

  const load = async () => {
    const p = await get<PaymentDetail>(`/payments/${encodeURIComponent(uetr)}`);
    render(
      root,
      p,
      ctx,
      () => void load(),
      decisionResult,
      (r) => verifyReturn(p, r),
    );
    root.append(returnProofSection, decisionResult, proofSection);
    // A payment's own proof stays what it was once the ledger decided it; RETURNED only adds returns, each proved apart.
    const finalKey = hasLedgerProof(p.status) ? (p.block?.hash ?? p.status) : null;
    if (finalKey && proofShownFor !== finalKey) {
      proofShownFor = finalKey;
      void showProof(proofSection, {
        path: `/payments/${encodeURIComponent(p.uetr)}/finality`,
        title: 'Finality proof',
        titleId: 'proof-title',
        verdictId: 'proof-verdict',
      });
    } else if (!finalKey) {
      replace(
        proofSection,
        h('h2', { id: 'proof-title' }, 'Finality proof'),
        h(
          'p',
          { class: 'muted' },
          p.status === 'CANCELLED'
            ? 'The payment was cancelled before it reached the ledger: there is no proof.'
            : 'The proof exists once the payment is final on the ledger.',
        ),
      );
    }
    return p;
  };
  const first = await load();
  const off = ctx.stream.subscribe((event) => {
    if (event.type === 'payment' && event.data.payment.uetr === first.uetr) {
      const step = STEP_STYLE[event.data.reached];
      announce(step ? `This payment: ${step.label.toLowerCase()}` : `This payment is now ${event.data.payment.status}`);
      void load();
    }
  });
  const ticker = window.setInterval(() => refreshDeadlines(root), DEADLINE_REFRESH_MS);
  return {
    title: `Payment ${first.uetr.slice(0, 8)}`,
    el: root,
    destroy: () => {
      off();
      window.clearInterval(ticker);
    },
  };
}

function render(
  root: HTMLElement,
  p: PaymentDetail,
  ctx: PageContext,
  reload: () => void,
  report: HTMLElement,
  verifyReturn: (r: PaymentReturn) => void,
): void {
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
          ...((p.returns?.length ?? 0) > 0 || p.status === 'RETURNED'
            ? [['Returned', h('span', { id: 'returned-amount' }, amount(p.returnedAmount, q.targetCurrency))] as [string, HTMLElement]]
            : []),
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
            ['Debtor', partyText(p.debtor)],
            ['Creditor', partyText(p.creditor)],
            ['Remittance information', p.customerDataErasedAt ? 'erased' : (p.remittanceInfo ?? '—')],
            ...(p.customerDataErasedAt ? [['Customer data erased', time(p.customerDataErasedAt)] as [string, Child]] : []),
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
    queueSection(p),
    escrowSection(p),
    recallSection(p),
    returnsSection(p, verifyReturn),
    holdSection(p, ctx, reload, report),
  );
}

/** A QUEUED payment: waiting for its debtor's funds, until its queue deadline. */
function queueSection(p: PaymentDetail): HTMLElement | null {
  if (p.status !== 'QUEUED' || !p.queuedUntil) return null;
  return h(
    'section',
    { 'aria-labelledby': 'queue-title' },
    h('h2', { id: 'queue-title' }, 'Liquidity queue'),
    facts([
      ['Waits for funds until', h('span', { id: 'queued-until' }, deadline(p.queuedUntil))],
      ['Then', 'rejected with queue_timeout, unless the debtor bank is funded or the payment is cancelled first'],
    ]),
    h('p', {}, link('#/queues', 'See it in the Queues page', { id: 'queue-link' }), ' (its place in line, what the account lacks, cancel).'),
  );
}

/** A conditional payment: its hash-lock, and while RESERVED until when the creditor bank may fulfil it. */
function escrowSection(p: PaymentDetail): HTMLElement | null {
  const c = p.condition;
  if (!c) return null;
  const until = p.reservedUntil ?? (p.status === 'RESERVED' ? c.expiresAt : null);
  return h(
    'section',
    { 'aria-labelledby': 'escrow-title' },
    h('h2', { id: 'escrow-title' }, 'Condition (escrow)'),
    facts([
      [
        'Condition',
        [`${c.type} `, h('span', { id: 'condition-hash' }, shortHash(c.hash, 16)), ' ', copyButton(c.hash, 'Condition hash', { id: 'copy-condition' })],
      ],
      until ? ['Fulfil before', h('span', { id: 'reserved-until' }, deadline(until))] : ['Condition expired', time(c.expiresAt)],
      ...(until ? [['Then', 'the escrow goes back to the debtor (rejected condition_expired)'] as [string, Child]] : []),
    ]),
  );
}

/** The payment's latest recall: what the debtor bank asked, and by when the creditor bank must answer (or how it did). */
function recallSection(p: PaymentDetail): HTMLElement | null {
  const r = p.recall;
  if (!r) return null;
  const pending = r.status === 'PENDING';
  const creditor = link(`#/participants/${encodeURIComponent(p.creditorParticipant)}`, p.creditorParticipant);
  return h(
    'section',
    { 'aria-labelledby': 'recall-title', id: 'recall', 'data-recall-id': r.recallId, 'data-state': r.status },
    h('h2', { id: 'recall-title' }, 'Recall'),
    facts([
      ['Status', pending ? [stateBadge('recall', r.status), ' waiting on ', creditor] : stateBadge('recall', r.status)],
      ['Reason', reasonText('recall', r.reason)],
      ...(r.comment ? [['Comment', r.comment] as [string, string]] : []),
      ['Respond by', pending ? deadline(r.respondBy) : time(r.respondBy)],
      ...(r.resolution
        ? ([
            ['Resolved', time(r.resolution.at)],
            ...(r.resolution.reason ? [['Answer', reasonText('recallReject', r.resolution.reason)]] : []),
            ...(r.resolution.returnId ? [['Return', h('code', {}, r.resolution.returnId)]] : []),
          ] as [string, HTMLElement | string][])
        : []),
      ['Recall id', h('code', {}, r.recallId)],
    ]),
  );
}

/** Every return of the payment, each a ledger transaction of its own with its own proof. */
function returnsSection(p: PaymentDetail, verify: (r: PaymentReturn) => void): HTMLElement | null {
  const returns = p.returns ?? [];
  if (returns.length === 0) return null;
  const headers = ['Return', 'Status', 'Amount', 'Paid back', 'Reason', 'Block', 'Proof'];
  const row = (r: PaymentReturn) =>
    h(
      'tr',
      { 'data-return-id': r.returnId, 'data-state': r.status },
      h('td', {}, h('code', { title: r.returnId }, r.returnId.slice(0, 8))),
      h('td', {}, stateBadge('return', r.status), r.rejectReason ? ` ${r.rejectReason}` : ''),
      h('td', { class: 'num' }, amount(r.amount, r.currency)),
      h('td', { class: 'num' }, amount(r.sourceAmount, r.sourceCurrency)),
      h('td', {}, reasonText('return', r.reason)),
      h('td', { class: 'num' }, r.block ? [link(`#/blocks/${r.block.height}`, `#${r.block.height}`), ' ', shortHash(r.block.hash)] : '—'),
      h(
        'td',
        {},
        r.block
          ? h('button', { type: 'button', class: 'button', 'data-verify-return': r.returnId, onclick: () => verify(r) }, 'Verify proof')
          : h('span', { class: 'muted' }, 'not in a block yet'),
      ),
    );
  return h(
    'section',
    { 'aria-labelledby': 'returns-title', id: 'returns' },
    h('h2', { id: 'returns-title' }, 'Returns'),
    h(
      'p',
      {},
      'Returned so far: ',
      amount(p.returnedAmount, p.quote.targetCurrency),
      ' of ',
      amount(p.receiveAmount, p.quote.targetCurrency),
      '. Each return gives the creditor bank’s amount back and pays the debtor bank the same share of what it sent; fees are not refunded.',
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data returns' },
        h('caption', { class: 'visually-hidden' }, 'Returns of this payment, oldest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            headers.map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h('tbody', {}, returns.map(row)),
      ),
    ),
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

/** Which proof to fetch and show; `of` is the return it must be the proof of (a return's proof names both ids). */
interface ProofTarget {
  path: string;
  title: string;
  titleId: string;
  verdictId: string;
  of?: { uetr: string; returnId: string };
}

async function showProof(section: HTMLElement, target: ProofTarget): Promise<void> {
  const heading = () => h('h2', { id: target.titleId }, target.title);
  replace(section, heading(), h('p', { class: 'muted' }, 'Fetching the proof and checking it in this browser…'));
  let proof: Proof | null = null;
  // A validator may still be catching up, or all may be briefly away: ask again a few times before giving up.
  for (let attempt = 1; proof === null; attempt++) {
    try {
      proof = await get<Proof>(target.path);
    } catch (e) {
      const transient = e instanceof ApiProblem && (e.status === 404 || e.status === 503);
      if (!transient || attempt >= PROOF_ATTEMPTS) {
        replace(section, heading(), h('p', { class: 'unavailable' }, e instanceof Error ? e.message : String(e)));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, PROOF_RETRY_MS));
    }
  }
  const check = await checkProof(proof);
  const t = proof.transaction;
  // The leaf hash binds the transaction's fields, so a proof of another transaction cannot pass as this return's.
  const otherTransaction = target.of && (t.uetr !== target.of.uetr || t.returnId !== target.of.returnId);
  const failure = otherTransaction ? 'the proof is of another transaction' : check.verdict.ok ? null : check.verdict.reason;
  const verdict =
    failure === null
      ? h(
          'p',
          { class: 'verified', id: target.verdictId, 'data-verified': 'true' },
          h('span', { 'aria-hidden': 'true' }, '✓ '),
          h('strong', {}, 'Verified'),
          ` in this browser: signed by ${check.signers.join(', ')} (quorum ${check.quorum} of ${check.validators}), Merkle inclusion and block hash check out.`,
        )
      : h(
          'p',
          { class: 'not-verified', id: target.verdictId, 'data-verified': 'false' },
          h('span', { 'aria-hidden': 'true' }, '✕ '),
          h('strong', {}, 'Not verified'),
          `: ${failure}.`,
        );
  replace(
    section,
    heading(),
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

/** A party as the console shows it: name and account, or that its customer data was erased. */
function partyText(party: PaymentDetail['debtor']): string {
  if (!party) return '—';
  return 'erased' in party ? 'erased (crypto-shredded)' : `${party.name} · ${party.account}`;
}
