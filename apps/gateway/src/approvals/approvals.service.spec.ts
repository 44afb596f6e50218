import { keptOf } from './approvals.service';

describe('what a held request keeps of its approved call’s answer', () => {
  it('drops a created operator’s token and keeps the rest', () => {
    expect(keptOf({ id: 'op-9', name: 'Olga', role: 'viewer', token: 'secret' })).toEqual({ id: 'op-9', name: 'Olga', role: 'viewer' });
  });

  it('keeps every other answer as it is: a deposit, a problem, an empty or a non-object body', () => {
    const deposit = { type: 'deposit', amount: '250.00', balance: '250.00', status: 'SETTLED' };
    expect(keptOf(deposit)).toBe(deposit);
    expect(keptOf({ code: 'key_exists', status: 409 })).toEqual({ code: 'key_exists', status: 409 });
    for (const body of [null, 'text', 42, ['token']]) expect(keptOf(body)).toBe(body);
  });
});
