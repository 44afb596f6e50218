import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { LedgerClient } from './ledger.client';

/** Stand-in validators on loopback: each answers a path with a fixed status and body, and counts what it was asked. */
interface StandIn {
  url: string;
  asked: string[];
  close(): Promise<void>;
}

async function standIn(answer: (path: string) => { status: number; body?: unknown }): Promise<StandIn> {
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const { status, body } = answer(req.url ?? '');
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { code: status === 404 ? 'not_found' : 'error' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, asked, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: bound, noted, released. */
async function deadUrl(): Promise<string> {
  const s = await standIn(() => ({ status: 200 }));
  await s.close();
  return s.url;
}

describe('LedgerClient (validators at different heights)', () => {
  const servers: StandIn[] = [];
  const start = async (answer: (path: string) => { status: number; body?: unknown }) => {
    const s = await standIn(answer);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const PROOF = { block: { height: 7 }, signatures: [{ validator: 'v1' }, { validator: 'v2' }], quorum: 2 };

  it('takes the proof from a validator that has it when the first is behind and answers 404', async () => {
    const behind = await start(() => ({ status: 404 }));
    const ahead = await start(() => ({ status: 200, body: PROOF }));
    const client = new LedgerClient([behind.url, ahead.url]);
    await expect(client.finality('4f1b8a0e-6f55-4bd7-9d55-3f8b7b9f0c11')).resolves.toEqual(PROOF);
    expect(behind.asked).toEqual(['/v1/ledger/transactions/4f1b8a0e-6f55-4bd7-9d55-3f8b7b9f0c11/finality']);
    expect(ahead.asked).toHaveLength(1);
  });

  it('answers 404 only when every validator that answered says not found, even if one is down', async () => {
    const a = await start(() => ({ status: 404 }));
    const b = await start(() => ({ status: 404 }));
    const client = new LedgerClient([a.url, await deadUrl(), b.url]);
    await expect(client.finality('x')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(a.asked).toHaveLength(1);
    expect(b.asked).toHaveLength(1);
  });

  it('answers 503 with retry-after when no validator answers, and skips one that fails with 5xx', async () => {
    const client = new LedgerClient([await deadUrl(), await deadUrl()]);
    await expect(client.finality('x')).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
    const failing = await start(() => ({ status: 503 }));
    const good = await start(() => ({ status: 200, body: PROOF }));
    await expect(new LedgerClient([failing.url, good.url]).finality('x')).resolves.toEqual(PROOF);
  });

  it('reads balances from a validator that has finalised the height asked for, not the first that answers', async () => {
    const behind = await start(() => ({ status: 200, body: { height: 4, accounts: [{ account: 'a', currency: 'USD', balance: '1.00', netDebitCap: null }] } }));
    const ahead = await start(() => ({ status: 200, body: { height: 9, accounts: [{ account: 'a', currency: 'USD', balance: '2.00', netDebitCap: null }] } }));
    const client = new LedgerClient([behind.url, ahead.url]);
    const result = await client.balances('p1', 9);
    expect(result.height).toBe(9);
    expect(result.accounts[0].balance).toBe('2.00');
    expect(behind.asked).toEqual(['/v1/ledger/participants/p1/accounts']);
    // Never back in time: with no height asked for, a client that was answered as of block 9 still wants 9.
    const again = await client.balances('p1');
    expect(again.height).toBe(9);
    expect(ahead.asked).toHaveLength(2);
    // A new client takes the first answer and asks no other validator.
    const fresh = new LedgerClient([behind.url, ahead.url]);
    expect((await fresh.balances('p1')).height).toBe(4);
    expect(ahead.asked).toHaveLength(2);
  });

  it('reads balances as of a block a settlement event named final, past a validator still behind it', async () => {
    let aheadHeight = 4;
    const behind = await start(() => ({ status: 200, body: { height: 4, accounts: [] } }));
    const ahead = await start(() => ({ status: 200, body: { height: aheadHeight, accounts: [] } }));
    const client = new LedgerClient([behind.url, ahead.url]);
    client.observeFinal(6);
    client.observeFinal(5); // an older event moves nothing back
    setTimeout(() => (aheadHeight = 6), 100);
    const result = await client.balances('p1');
    expect(result.height).toBe(6);
    expect(behind.asked.length).toBeGreaterThan(1); // asked again while no validator had finalised block 6
  });
});
