import fc from 'fast-check';
import { DOMAIN_QUOTE } from '../payment/domain-quote.fixture';
import { buildReturnPostings } from '../payment/payment-return';
import { buildPaymentPostings, buildTransferPostings } from '../payment/payment-transaction';
import { blockEntries } from './account-entries';
import { LedgerLeaf } from './ledger-leaf';

const quote = DOMAIN_QUOTE;
const UETR = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const RETURN_ID = 'b7e1d7a0-6c1f-4f7e-9a51-0d2b3c4d5e6f';
const accepted = { status: 'accepted' } as const;

const deposit: LedgerLeaf = { id: 'd1', kind: 'transfer', postings: buildTransferPostings('deposit', 'BANKUS33', 'USD', 200000n), outcome: accepted };
const payment: LedgerLeaf = { id: UETR, kind: 'transfer', uetr: UETR, postings: buildPaymentPostings(quote), outcome: accepted };
const refused: LedgerLeaf = { ...payment, id: 'x', outcome: { status: 'rejected', reason: 'insufficient_funds' } };
const ret: LedgerLeaf = {
  id: RETURN_ID,
  kind: 'transfer',
  uetr: UETR,
  returnId: RETURN_ID,
  postings: buildReturnPostings(quote, 45750n, 50000n),
  outcome: accepted,
};
const withdrawal: LedgerLeaf = { id: 'w1', kind: 'transfer', postings: buildTransferPostings('withdrawal', 'BANKDE55', 'EUR', 1000n), outcome: accepted };

describe('blockEntries', () => {
  it('lists each posting to a participant account with its kind, counterparty and running balance, skipping rejected ones', () => {
    const balances = new Map<string, bigint>();
    const first = blockEntries({ height: 1, blockTime: 1000, leaves: [deposit, refused, payment] }, balances);
    const second = blockEntries({ height: 2, blockTime: 2000, leaves: [ret, withdrawal] }, balances);
    const brief = [...first, ...second].map((e) => [e.account, e.height, e.idx, e.leg, e.kind, e.amount, e.balanceAfter, e.counterparty]);
    expect(brief).toEqual([
      ['BANKUS33:USD', 1, 0, 1, 'deposit', 200000n, 200000n, 'EXTERNAL'],
      ['BANKUS33:USD', 1, 2, 0, 'payment', -100250n, 99750n, 'BANKDE55'],
      ['BANKDE55:EUR', 1, 2, 4, 'payment', 91500n, 91500n, 'BANKUS33'],
      ['BANKDE55:EUR', 2, 0, 0, 'return', -45750n, 45750n, 'BANKUS33'],
      ['BANKUS33:USD', 2, 0, 3, 'return', 50000n, 149750n, 'BANKDE55'],
      ['BANKDE55:EUR', 2, 1, 1, 'withdrawal', -1000n, 44750n, 'EXTERNAL'],
    ]);
    expect(second[0]).toMatchObject({ txId: RETURN_ID, uetr: UETR, returnId: RETURN_ID, blockTime: 2000 });
    expect(balances).toEqual(
      new Map([
        ['BANKUS33:USD', 149750n],
        ['BANKDE55:EUR', 44750n],
      ]),
    );
  });

  it('the last balanceAfter of every account is the sum of its postings, whatever the blocks', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(deposit, payment, refused, ret, withdrawal), { maxLength: 5 }), { maxLength: 6 }), (blocks) => {
        const balances = new Map<string, bigint>();
        const sums = new Map<string, bigint>();
        blocks.forEach((leaves, i) => {
          for (const e of blockEntries({ height: i + 1, blockTime: i, leaves }, balances)) {
            sums.set(e.account, (sums.get(e.account) ?? 0n) + e.amount);
            expect(e.balanceAfter).toBe(sums.get(e.account));
          }
        });
        expect(balances).toEqual(sums);
      }),
    );
  });
});
