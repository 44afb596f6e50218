import { nameTokens, normalizeIdentifier, parseSanctionsList, SanctionsList } from './sanctions-list';

const list = new SanctionsList([
  { id: 'E1', names: ['Ivan Petrov', 'Petrov Ivan Sergeyevich'], identifiers: ['DE89 3704 0044 0532 0130 00'] },
  { id: 'E2', names: ['Müller Trading GmbH'], identifiers: [] },
  { id: 'E3', names: ['Łukasz Żółć'], identifiers: [] },
  { id: 'E4', names: ['Al-Rashid'], identifiers: [] },
]);

describe('name normalisation', () => {
  it.each([
    ['IVAN PETROV', ['ivan', 'petrov']],
    ['  Petrov,   Ivan ', ['petrov', 'ivan']],
    ['Ívan Pétrov', ['ivan', 'petrov']],
    ['Müller Trading GmbH', ['muller', 'trading']],
    ['Straße Ørsted Æble', ['strasse', 'orsted', 'aeble']],
    ['Łukasz Żółć', ['lukasz', 'zolc']],
    ['ＩＶＡＮ', ['ivan']], // full-width letters (NFKD)
    ['The Company Ltd.', []],
  ])('%s → %j', (name, tokens) => {
    expect(nameTokens(name)).toEqual(tokens);
  });

  it('normalises identifiers to upper-case alphanumerics', () => {
    expect(normalizeIdentifier('de89 3704-0044.0532 0130 00')).toBe('DE89370400440532013000');
  });
});

describe('matching', () => {
  it.each([
    ['Ivan Petrov', 'reject', 'E1'],
    ['petrov ivan', 'reject', 'E1'],
    ['Ivan Sergeyevich Petrov', 'reject', 'E1'], // the second listed name, in another order
    ['Dr. Ivan Petrov Jr', 'hold', 'E1'],
    ['MULLER TRADING LIMITED', 'reject', 'E2'],
    ['Muller Trading Company of Berlin', 'hold', 'E2'],
    ['Lukasz Zolc', 'reject', 'E3'],
    ['al rashid', 'reject', 'E4'],
    ['Rashid Al', 'reject', 'E4'],
  ])('%s → %s (%s)', (name, action, entryId) => {
    expect(list.matchName(name, 'creditor.name')).toMatchObject({ action, entryId, field: 'creditor.name' });
  });

  it.each(['Ivana Petrova', 'Ivan', 'Petrov', 'Muller', 'Trading', '', '---'])('%j does not match', (name) => {
    expect(list.matchName(name, 'debtor.name')).toBeNull();
  });

  it('matches identifiers whatever the spacing and case, and nothing else', () => {
    expect(list.matchIdentifier('de89370400440532013000', 'creditor.account')).toMatchObject({ action: 'reject', entryId: 'E1', kind: 'identifier' });
    expect(list.matchIdentifier('DE89370400440532013001', 'creditor.account')).toBeNull();
  });

  it('stays fast on a large list (indexed by token, not scanned)', () => {
    const big = new SanctionsList(
      Array.from({ length: 100_000 }, (_, i) => ({ id: `B${i}`, names: [`Person${i} Family${i % 977}`], identifiers: [`ACC${i}`] })),
    );
    const started = process.hrtime.bigint();
    for (let i = 0; i < 1_000; i++) big.matchName(`Someone Person${i} Family${i % 977}`, 'debtor.name');
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(big.matchName('Person5 Family5', 'x')).toMatchObject({ action: 'reject', entryId: 'B5' });
    expect(big.entryCount).toBe(100_000);
    process.stderr.write(`1,000 name matches against 100,000 entries: ${ms.toFixed(1)} ms\n`);
  });
});

describe('list files', () => {
  it('parses a valid file with its version and hash', () => {
    const parsed = parseSanctionsList('{"version":"v1","entries":[{"id":"A","names":["X Y"]}]}', 'abc');
    expect({ entries: parsed.entryCount, version: parsed.version, sha256: parsed.sha256 }).toEqual({ entries: 1, version: 'v1', sha256: 'abc' });
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['no entries', '{}', /entries/],
    ['an entry without id', '{"entries":[{"names":["x"]}]}', /entries\.0\.id/],
    ['an unknown field', '{"entries":[],"extra":1}', /invalid/],
  ])('refuses %s', (_why, text, message) => {
    expect(() => parseSanctionsList(text)).toThrow(message);
  });
});
