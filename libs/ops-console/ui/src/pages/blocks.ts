import { get } from '../api';
import { facts, h, link, replace, table } from '../dom';
import { shortHash, time } from '../format';
import { checkBlock } from '../proof';
import { Page, PageContext } from '../router';

interface Sig {
  validator: string;
  hash: string;
  signature: string;
  receivedAt: string;
}

interface BlockHeader {
  height: number;
  hash: string;
  prevHash: string;
  merkleRoot: string;
  stateDigest: string;
  txCount: number;
  timestamp: number;
}

interface ListedBlock extends BlockHeader {
  final: boolean;
  finalizedAt: string | null;
  signatures: Sig[];
}

interface BlockDetail {
  block: BlockHeader;
  transactions: { id: string; uetr?: string; kind: string; outcome: { status: string; reason?: string } }[];
  signatures: Sig[];
  source: string | null;
  validators: { validator: string | null; up: boolean; hash: string | null; final: boolean }[];
}

const finalBadge = (final: boolean) => h('span', { class: `badge ${final ? 'good' : 'warn'}` }, final ? '✓ final' : '… not final');

export async function blocksPage(ctx: PageContext, params: URLSearchParams): Promise<Page> {
  const before = params.get('before');
  const page = await get<{ data: ListedBlock[]; nextCursor: string | null }>(`/blocks?limit=25${before ? `&before=${encodeURIComponent(before)}` : ''}`);
  const body = h('div', {});
  const render = (blocks: ListedBlock[]) =>
    replace(
      body,
      table(
        'Blocks, newest first',
        ['Height', 'Time', 'Transactions', 'Hash', 'Previous hash', 'Signatures', 'Final'],
        blocks.map((b) => [
          link(`#/blocks/${b.height}`, `#${b.height}`),
          time(new Date(b.timestamp).toISOString()),
          String(b.txCount),
          shortHash(b.hash),
          shortHash(b.prevHash),
          b.signatures.map((s) =>
            h(
              'span',
              {
                class: s.hash === b.hash ? 'sig ok' : 'sig bad',
                title: s.hash === b.hash ? `${s.validator} signed this hash` : `${s.validator} signed another hash`,
              },
              `${s.validator} `,
            ),
          ),
          finalBadge(b.final),
        ]),
        { captionHidden: true },
      ),
    );
  render(page.data);
  let timer: number | undefined;
  const off = ctx.stream.subscribe((event) => {
    if (before || event.type !== 'payment' || event.data.reached !== 'SETTLED') return;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void get<{ data: ListedBlock[] }>('/blocks?limit=25').then((p) => render(p.data)), 500);
  });
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    before ? link('#/blocks', 'Newest', { class: 'button' }) : null,
    page.nextCursor
      ? link(`#/blocks?before=${page.nextCursor}`, 'Older →', { class: 'button', rel: 'next' })
      : h('span', { class: 'muted' }, 'This is the first block.'),
  );
  return {
    title: 'Blocks',
    el: h(
      'section',
      {},
      h('h1', {}, 'Blocks'),
      h('p', { class: 'muted' }, 'The chain as a validator stores it, with the signatures it received from every validator.'),
      body,
      pager,
    ),
    destroy: () => {
      off();
      window.clearTimeout(timer);
    },
  };
}

export async function blockPage(_ctx: PageContext, height: string): Promise<Page> {
  const d = await get<BlockDetail>(`/blocks/${encodeURIComponent(height)}`);
  const b = d.block;
  const check = await checkBlock(b, d.signatures);
  const valid = check.signatures.filter((s) => s.valid).length;
  const verdict = h(
    'p',
    { class: check.hashOk && valid >= check.quorum ? 'verified' : 'not-verified', id: 'block-verdict' },
    check.hashOk ? '✓ Header hash recomputed in this browser matches. ' : '✕ The header does not hash to the stated hash. ',
    `${valid} valid signature${valid === 1 ? '' : 's'} (quorum ${check.quorum}).`,
  );
  const el = h(
    'section',
    {},
    h('h1', {}, `Block #${b.height}`),
    verdict,
    facts([
      ['Hash', h('code', { class: 'hash' }, b.hash)],
      ['Previous hash', b.height > 1 ? link(`#/blocks/${b.height - 1}`, h('code', { class: 'hash' }, b.prevHash)) : h('code', { class: 'hash' }, b.prevHash)],
      ['Merkle root', h('code', { class: 'hash' }, b.merkleRoot)],
      ['State digest', h('code', { class: 'hash' }, b.stateDigest)],
      ['Transactions', String(b.txCount)],
      ['Time (broker)', time(new Date(b.timestamp).toISOString())],
    ]),
    h('h2', {}, 'Each validator’s copy'),
    table(
      'Each validator’s copy of this block',
      ['Validator', 'Reachable', 'Header hash', 'Same as shown', 'Final there'],
      d.validators.map((v) => [
        v.validator ?? 'unknown',
        v.up ? 'yes' : 'no',
        shortHash(v.hash, 16),
        v.hash === null ? '—' : v.hash === b.hash ? '✓ same' : '✕ different',
        v.final ? '✓' : '—',
      ]),
      { captionHidden: true },
    ),
    h('h2', {}, 'Signatures', h('span', { class: 'muted' }, ` as received by ${d.source ?? 'a validator'}`)),
    table(
      `Signatures received by ${d.source ?? 'the validator'}`,
      ['Validator', 'Signed hash', 'Signature', 'Verified here', 'Received'],
      check.signatures.map((s) => [
        s.validator,
        s.hash === b.hash ? 'this block' : shortHash(s.hash),
        shortHash(s.signature, 16),
        s.valid ? h('span', { class: 'badge good' }, '✓ valid') : h('span', { class: 'badge bad' }, s.trusted ? '✕ invalid' : '✕ unknown key'),
        time(s.receivedAt),
      ]),
      { captionHidden: true },
    ),
    h('h2', {}, 'Transactions'),
    table(
      'Transactions in Merkle order',
      ['#', 'Transaction', 'Payment', 'Kind', 'Outcome'],
      d.transactions.map((t, i) => [
        String(i),
        h('code', {}, t.id),
        t.uetr ? link(`#/payments/${t.uetr}`, t.uetr.slice(0, 8)) : '—',
        t.kind,
        t.outcome.status === 'accepted' ? 'accepted' : `rejected: ${t.outcome.reason ?? ''}`,
      ]),
      { captionHidden: true },
    ),
  );
  return { title: `Block ${b.height}`, el };
}
