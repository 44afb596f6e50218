import { ProblemError } from '@nostro/platform';
import { LookupAddress } from 'node:dns';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { EgressRefusedError, ResolveAll, WebhookEgress, egressRefusal, pinnedLookup } from './webhook-egress';

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

/** A resolver that knows a few names and nothing else (as DNS would answer them). */
function resolver(names: Record<string, LookupAddress[]>): ResolveAll {
  return async (host) => {
    const found = names[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
}

async function refusalOf(egress: WebhookEgress, url: string): Promise<ProblemError | null> {
  try {
    await egress.assertAllowed(url, 'webhookUrl');
    return null;
  } catch (error) {
    return error as ProblemError;
  }
}

describe('WebhookEgress: setting a webhook URL', () => {
  const names = {
    'bank.example': [v4('93.184.216.34'), v6('2606:2800:220:1:248:1893:25c8:1946')],
    'mixed.example': [v4('93.184.216.34'), v4('10.1.2.3')],
    'metadata.example': [v4('169.254.169.254')],
    'mapped.example': [v6('::ffff:127.0.0.1')],
  };
  const strict = new WebhookEgress(false, resolver(names));

  it.each([
    'http://127.0.0.1:8080/hooks',
    'http://10.0.0.1/',
    'http://172.20.1.1/',
    'https://192.168.1.10/hooks',
    'http://169.254.169.254/latest/meta-data',
    'http://0.0.0.0:3000/',
    'http://[::1]:8080/',
    'http://[::]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a00:1]/',
    'http://2130706433/', // 127.0.0.1 as one number: the URL parser reads it as the IPv4 address
    'http://0x7f.1/',
    'http://mixed.example/hooks',
    'http://metadata.example/',
    'http://mapped.example/',
  ])('refuses %s with 422 webhook_url_not_allowed', async (url) => {
    const error = await refusalOf(strict, url);
    expect(error).toBeInstanceOf(ProblemError);
    expect({ status: error?.status, code: error?.code, errors: error?.errors }).toEqual({
      status: 422,
      code: 'webhook_url_not_allowed',
      errors: [{ path: 'webhookUrl', message: 'not a public address' }],
    });
  });

  it('names the address that is not allowed', async () => {
    expect((await refusalOf(strict, 'http://mixed.example/hooks'))?.detail).toBe(
      'mixed.example resolves to 10.1.2.3 (private): webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE is off)',
    );
    expect((await refusalOf(strict, 'http://[::ffff:127.0.0.1]/'))?.detail).toContain('::ffff:7f00:1 is a loopback address');
  });

  it.each(['https://bank.example/hooks', 'https://93.184.216.34/hooks', 'http://[2001:db8::1]/', 'https://not-yet-in-dns.example/hooks'])(
    'accepts %s (public, or not resolvable yet: every delivery checks again)',
    async (url) => {
      expect(await refusalOf(strict, url)).toBeNull();
    },
  );

  it('accepts anything with WEBHOOK_ALLOW_PRIVATE=on, without resolving', async () => {
    const lenient = new WebhookEgress(true, async () => {
      throw new Error('not asked');
    });
    for (const url of ['http://127.0.0.1:4000/hooks', 'http://10.0.0.1/', 'http://mixed.example/', 'http://[::1]/']) {
      expect(await refusalOf(lenient, url)).toBeNull();
    }
  });

  it('does not wait more than about 2 s for a resolver that does not answer', async () => {
    const hanging = new WebhookEgress(false, () => new Promise<LookupAddress[]>(() => undefined));
    const started = Date.now();
    expect(await refusalOf(hanging, 'https://slow-dns.example/')).toBeNull();
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('egressRefusal', () => {
  it('refuses when any one address is not public, and when there is none', () => {
    expect(egressRefusal('a.example', [v4('8.8.8.8'), v6('2001:4860:4860::8888')])).toBeNull();
    expect(egressRefusal('a.example', [v4('8.8.8.8'), v6('::1')])).toBe('a.example resolves to ::1 (loopback)');
    expect(egressRefusal('a.example', [v4('192.168.0.1'), v4('172.16.5.4')])).toBe('a.example resolves to 192.168.0.1 (private), 172.16.5.4 (private)');
    expect(egressRefusal('a.example', [])).toBe('a.example resolves to no address');
    expect(egressRefusal('169.254.169.254', [v4('169.254.169.254')])).toBe('169.254.169.254 is a link-local address');
  });
});

describe('pinnedLookup', () => {
  const lookup = pinnedLookup([v4('203.0.113.5'), v6('2001:db8::5')]);
  const ask = (options: { all?: boolean; family?: number }) =>
    new Promise<unknown>((resolve) =>
      lookup('bank.example', options as never, (error, address, family) => resolve({ error: error?.message, address, family })),
    );

  it('answers only the checked addresses, in both callback forms, by family when asked', async () => {
    expect(await ask({})).toEqual({ error: undefined, address: '203.0.113.5', family: 4 });
    expect(await ask({ all: true })).toEqual({ error: undefined, address: [v4('203.0.113.5'), v6('2001:db8::5')], family: undefined });
    expect(await ask({ family: 6 })).toEqual({ error: undefined, address: '2001:db8::5', family: 6 });
    expect(await ask({ all: true, family: 4 })).toEqual({ error: undefined, address: [v4('203.0.113.5')], family: undefined });
    const onlyV4 = pinnedLookup([v4('203.0.113.5')]);
    const answer = await new Promise<string | undefined>((resolve) => onlyV4('bank.example', { family: 6 }, (error) => resolve(error?.message)));
    expect(answer).toBe('no IPv6 address checked for bank.example');
  });
});

describe('WebhookEgress: delivering', () => {
  let server: Server;
  let port: number;
  let received: { headers: IncomingHttpHeaders; body: string; url: string }[];
  let answer: (res: import('node:http').ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body, url: req.url ?? '' });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    received = [];
    answer = (res) => res.writeHead(204).end();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects to the address it checked and keeps the URL’s host in the Host header (a name the system cannot resolve)', async () => {
    let asked = 0;
    const egress = new WebhookEgress(true, async (host) => (asked++ === 0 && host === 'bank.test' ? [v4('127.0.0.1')] : []));
    try {
      const status = await egress.post(`http://bank.test:${port}/hooks?x=1`, { 'content-type': 'application/json', 'webhook-id': 'w1' }, '{"a":1}', 5_000);
      expect(status).toBe(204);
      expect(received).toEqual([
        { url: '/hooks?x=1', body: '{"a":1}', headers: expect.objectContaining({ host: `bank.test:${port}`, 'webhook-id': 'w1', 'content-length': '7' }) },
      ]);
    } finally {
      egress.close();
    }
  });

  it('refuses before connecting when the host resolves to a private address and they are not allowed', async () => {
    const egress = new WebhookEgress(false, resolver({ 'bank.test': [v4('127.0.0.1')] }));
    try {
      await expect(egress.post(`http://bank.test:${port}/hooks`, {}, '{}', 5_000)).rejects.toThrow(EgressRefusedError);
      await expect(egress.post(`http://127.0.0.1:${port}/hooks`, {}, '{}', 5_000)).rejects.toThrow(
        'refused: 127.0.0.1 is a loopback address; webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE is off)',
      );
      expect(received).toEqual([]);
    } finally {
      egress.close();
    }
  });

  it('answers a redirect’s status without following it, and gives up on an endpoint that does not answer in time', async () => {
    const egress = new WebhookEgress(true);
    try {
      answer = (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
      expect(await egress.post(`http://127.0.0.1:${port}/hooks`, {}, '{}', 5_000)).toBe(302);
      answer = () => undefined; // never answers
      const started = Date.now();
      await expect(egress.post(`http://127.0.0.1:${port}/hooks`, {}, '{}', 300)).rejects.toThrow('timed out waiting for the endpoint');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      egress.close();
    }
  });

  it('gives up on a name that does not resolve in time', async () => {
    const egress = new WebhookEgress(true, () => new Promise<LookupAddress[]>(() => undefined));
    try {
      await expect(egress.post('http://slow-dns.example/hooks', {}, '{}', 200)).rejects.toThrow('timed out resolving slow-dns.example');
    } finally {
      egress.close();
    }
  });
});
