import fc from 'fast-check';
import { allCurrencyCodes, asCurrency, formatAmount } from '@nostro/shared';
import type { Party } from '../fields/agent.fields';
import type { Money } from '../fields/amount.fields';

/**
 * fast-check generators for the specs: text as the schemas allow it (any XML character but \r, which XML reads
 * back as \n), counted in code points as XSD counts length, with the characters XML must escape generated often.
 */
const xmlCharacter: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCodePoint(code)) },
  { weight: 2, arbitrary: fc.constantFrom('&', '<', '>', '"', "'", ';', '#', ']', ' ', '\t', '\n') },
  { weight: 2, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }).map((code) => String.fromCodePoint(code)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xfffd }).map((code) => String.fromCodePoint(code)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)) },
);

/** Max<N>Text: 1 to `maxChars` characters. */
export function xmlText(maxChars: number): fc.Arbitrary<string> {
  return fc.array(xmlCharacter, { minLength: 1, maxLength: maxChars }).map((characters) => characters.join(''));
}

/** Participant ids (4–11 of [A-Z0-9]): BICFI-shaped ones and the others, which go to Othr/Id. */
export const participantId: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/),
  fc.stringMatching(/^[A-Z0-9]{4,11}$/),
);

/** IBANs (IBAN2007Identifier) and any other account identifier up to 34 characters. */
export const account: fc.Arbitrary<string> = fc.oneof(fc.stringMatching(/^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$/), xmlText(34));

export const party: fc.Arbitrary<Party> = fc.record({ name: xmlText(140), account });

export const uetr: fc.Arbitrary<string> = fc.uuid({ version: 4 });

/** Any ISO 4217 currency we know: exponents 0, 2, 3 and 4. */
export const currency: fc.Arbitrary<string> = fc.constantFrom(...allCurrencyCodes());

/** An amount in `code` with exactly its digits, small ones often, within ActiveCurrencyAndAmount's 18 digits. */
export function amountIn(code: string, minorMax = 10n ** 17n - 1n): fc.Arbitrary<Money> {
  const known = asCurrency(code);
  return fc
    .oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: minorMax }))
    .map((minor) => ({ amount: formatAmount(minor, known), currency: code }));
}

export const money: fc.Arbitrary<Money> = currency.chain((code) => amountIn(code));

/** Reason codes: ISO codes (written as Cd) and proprietary ones (Prtry, up to 35). */
export const reasonCode: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('AM04', 'AB05', 'NARR', 'DUPL', 'FRAD', 'TECH', 'CUST', 'AC01', 'AC04', 'FOCR', 'NOOR', 'LEGL'),
  fc.stringMatching(/^[A-Z0-9]{1,4}$/),
  xmlText(35),
);

/** Whole milliseconds between 2000 and 2099, as the schemas' xs:dateTime carries them. */
export const instant: fc.Arbitrary<Date> = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true });
