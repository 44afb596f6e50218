import fc from 'fast-check';
import { canonicalJson } from '../chain/canonical-json';
import { Outcome, Posting } from '../messages/schemas';
import { isWellFormedText, leafJson, ledgerLeafSchema, transferLeafJson } from './ledger-leaf';

const posting: fc.Arbitrary<Posting> = fc.record({
  account: fc.stringMatching(/^[A-Z0-9]{4,11}:[A-Z]{3}$/),
  currency: fc.stringMatching(/^[A-Z]{3}$/),
  amount: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
});
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.constant<Outcome>({ status: 'accepted' }),
  fc.string({ unit: 'grapheme' }).map((reason): Outcome => ({ status: 'rejected', reason })),
);

describe('ledger leaves', () => {
  it('writes a transfer leaf exactly as RFC 8785 canonicalizes it', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.option(fc.uuid(), { nil: undefined }),
        fc.array(posting, { minLength: 2, maxLength: 6 }),
        outcome,
        fc.option(fc.uuid(), { nil: undefined }),
        (id, uetr, postings, o, returnId) => {
          const leaf = { id, kind: 'transfer', ...(uetr === undefined ? {} : { uetr }), ...(returnId === undefined ? {} : { returnId }), postings, outcome: o };
          expect(transferLeafJson(id, uetr, postings, o, returnId)).toBe(canonicalJson(leaf));
        },
      ),
    );
  });

  it('leaves undefined fields out of a configuration leaf', () => {
    const text = leafJson({
      id: 'c1',
      kind: 'config',
      op: 'open_accounts',
      accounts: [{ account: 'BANKUS33:USD', netDebitCap: null }],
      participant: undefined,
      outcome: { status: 'accepted' },
    });
    expect(text).toBe(
      '{"accounts":[{"account":"BANKUS33:USD","netDebitCap":null}],"id":"c1","kind":"config","op":"open_accounts","outcome":{"status":"accepted"}}',
    );
  });

  it('validates leaves read back from storage, refusing unknown fields', () => {
    const leaf = JSON.parse(
      transferLeafJson(
        '00000000-0000-4000-8000-000000000001',
        undefined,
        [
          { account: 'EXTERNAL:USD', currency: 'USD', amount: '-1' },
          { account: 'BANKUS33:USD', currency: 'USD', amount: '1' },
        ],
        { status: 'accepted' },
      ),
    );
    expect(ledgerLeafSchema.safeParse(leaf).success).toBe(true);
    expect(ledgerLeafSchema.safeParse({ ...leaf, extra: 1 }).success).toBe(false);
    expect(ledgerLeafSchema.safeParse({ ...leaf, outcome: { status: 'settled' } }).success).toBe(false);
  });

  it('tells text with a lone surrogate (no JCS form) from well-formed text', () => {
    expect(isWellFormedText('plain \u00e9 \uD83D\uDE00')).toBe(true);
    expect(isWellFormedText('x\uD800')).toBe(false);
    expect(isWellFormedText('\uDC00x')).toBe(false);
  });
});
