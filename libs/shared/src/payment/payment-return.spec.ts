import fc from 'fast-check';
import { DOMAIN_QUOTE } from './domain-quote.fixture';
import { buildPaymentPostings } from './payment-transaction';
import { buildReturnPostings, remainingMinor, returnAmount, returnSourceMinor, returnableOf } from './payment-return';

const quote = DOMAIN_QUOTE;

function sums(postings: { currency: string; amount: string }[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const p of postings) out.set(p.currency, (out.get(p.currency) ?? 0n) + BigInt(p.amount));
  return out;
}

function balances(postings: { account: string; amount: string }[], into = new Map<string, bigint>()): Map<string, bigint> {
  for (const p of postings) into.set(p.account, (into.get(p.account) ?? 0n) + BigInt(p.amount));
  return into;
}

describe('returnSourceMinor', () => {
  it('pays back the same fraction of the send amount, fees kept', () => {
    const p = returnableOf(quote, 0n);
    expect(returnSourceMinor(p, 91500n)).toBe(100000n); // the whole 915.00 EUR → 1000.00 USD, not the 2.50 fee
    expect(returnSourceMinor(p, 45750n)).toBe(50000n);
  });

  it('rounds down to the source minor unit (the network never creates money)', () => {
    const p = returnableOf(quote, 0n);
    // 1 cent of EUR is 100000/91500 = 1.0929… US cents: 1, never 2
    expect(returnSourceMinor(p, 1n)).toBe(1n);
    // 0.10 EUR → 10.929… → 10 US cents
    expect(returnSourceMinor(p, 10n)).toBe(10n);
    // JPY (0 digits) → USD: 1 yen of a 1000.00 USD → 150000 JPY payment is 0.666… cents → 0
    expect(returnSourceMinor({ sendMinor: 100000n, receiveMinor: 150000n, takenMinor: 0n }, 1n)).toBe(0n);
    // BHD (3 digits) target: 1000 fils of 100.00 USD → 37.600 BHD is 265.95… cents → 265
    expect(returnSourceMinor({ sendMinor: 10000n, receiveMinor: 37600n, takenMinor: 0n }, 1000n)).toBe(265n);
  });

  it('rounds cumulatively: the part after a partial return pays what the two together owe', () => {
    // 0.10 EUR twice: 10 cents, then floor(20 × 100000 / 91500) − 10 = 21 − 10 = 11 cents
    expect(returnSourceMinor(returnableOf(quote, 0n), 10n)).toBe(10n);
    expect(returnSourceMinor(returnableOf(quote, 10n), 10n)).toBe(11n);
    // the last part of a payment returned in parts completes the whole send amount
    expect(returnSourceMinor(returnableOf(quote, 1n), 91499n)).toBe(100000n - 1n);
  });

  it('refuses amounts that do not fit in what is left', () => {
    const p = returnableOf(quote, 0n);
    expect(() => returnSourceMinor(p, 0n)).toThrow(RangeError);
    expect(() => returnSourceMinor(p, 91501n)).toThrow(RangeError);
    expect(() => returnSourceMinor(returnableOf(quote, 91000n), 501n)).toThrow(RangeError);
    expect(() => returnSourceMinor({ sendMinor: 1n, receiveMinor: 0n, takenMinor: 0n }, 1n)).toThrow(RangeError);
  });

  it('never pays more than the pro rata of what came back, and partial returns add up exactly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 15n }), { minLength: 1, maxLength: 8 }),
        (send, receive, parts) => {
          let taken = 0n;
          let paidBack = 0n;
          for (const part of parts) {
            const payment = { sendMinor: send, receiveMinor: receive, takenMinor: taken };
            const amount = returnAmount(payment, part);
            if (amount === null) {
              expect(part > receive - taken).toBe(true);
              continue;
            }
            const source = returnSourceMinor(payment, amount);
            // each return: within one source minor unit of its own pro rata, never above its ceiling
            expect(source * receive <= amount * send + receive - 1n).toBe(true);
            expect((source + 1n) * receive > amount * send - receive).toBe(true);
            taken += amount;
            paidBack += source;
            // all of them together: exactly the floor of the pro rata of what came back
            expect(paidBack).toBe((taken * send) / receive);
          }
          expect(taken <= receive).toBe(true);
          expect(paidBack <= send).toBe(true);
          if (taken === receive) expect(paidBack).toBe(send);
        },
      ),
    );
  });
});

describe('returnAmount', () => {
  it('defaults to what is left and refuses more than that, never trimming', () => {
    const p = returnableOf(quote, 40000n);
    expect(remainingMinor(p)).toBe(51500n);
    expect(returnAmount(p, undefined)).toBe(51500n);
    expect(returnAmount(p, 51500n)).toBe(51500n);
    expect(returnAmount(p, 51501n)).toBeNull();
    expect(returnAmount(returnableOf(quote, 91500n), undefined)).toBeNull();
    expect(returnAmount(returnableOf(quote, 91500n), 1n)).toBeNull();
  });
});

describe('buildReturnPostings', () => {
  it('mirrors the payment: balanced per currency, creditor pays back, debtor gets the source amount', () => {
    const postings = buildReturnPostings(quote, 91500n, 100000n);
    expect(postings).toEqual([
      { account: 'BANKDE55:EUR', currency: 'EUR', amount: '-91500' },
      { account: 'FXDESK:EUR', currency: 'EUR', amount: '91500' },
      { account: 'FXDESK:USD', currency: 'USD', amount: '-100000' },
      { account: 'BANKUS33:USD', currency: 'USD', amount: '100000' },
    ]);
    for (const sum of sums(postings).values()) expect(sum).toBe(0n);
  });

  it('leaves out a zero source leg', () => {
    const postings = buildReturnPostings(quote, 1n, 0n);
    expect(postings.map((p) => p.account)).toEqual(['BANKDE55:EUR', 'FXDESK:EUR']);
  });

  it('payment then partial returns: every currency still sums to zero, the desk included, and only the fee stays', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: 91500n }), { minLength: 1, maxLength: 6 }), (parts) => {
        const all = [...buildPaymentPostings(quote)];
        let taken = 0n;
        let paidBack = 0n;
        for (const part of parts) {
          const amount = returnAmount(returnableOf(quote, taken), part);
          if (amount === null) continue;
          const source = returnSourceMinor(returnableOf(quote, taken), amount);
          all.push(...buildReturnPostings(quote, amount, source));
          taken += amount;
          paidBack += source;
        }
        for (const sum of sums(all).values()) expect(sum).toBe(0n);
        const b = balances(all);
        expect(b.get('BANKDE55:EUR')).toBe(91500n - taken);
        expect(b.get('BANKUS33:USD')).toBe(-100250n + paidBack);
        expect(b.get('FEES:USD')).toBe(250n);
        // the desk never pays back more source than it took
        expect((b.get('FXDESK:USD') ?? 0n) >= 0n).toBe(true);
        if (taken === 91500n) expect(paidBack).toBe(100000n); // returned in full, in however many parts
      }),
    );
  });
});
