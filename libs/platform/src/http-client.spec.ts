import http from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpUnavailableError, JsonHttpClient } from './http-client';

describe('JsonHttpClient (against a real local HTTP server)', () => {
  let server: http.Server;
  let base: string;
  let connections = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/echo') {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], got: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
        } else if (req.url === '/text') {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('bad gateway');
        } else if (req.url === '/slow') {
          setTimeout(() => res.end('{}'), 500);
        } else {
          res.writeHead(404, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ code: 'quote_not_found' }));
        }
      });
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends and answers JSON, passes any status through, and reuses its connection', async () => {
    const client = new JsonHttpClient(base);
    const before = connections;
    expect(await client.request('POST', '/echo', { amount: '1.00' }, 1_000)).toEqual({
      status: 201,
      body: { method: 'POST', type: 'application/json', got: { amount: '1.00' } },
    });
    expect(await client.request('GET', '/nope', undefined, 1_000)).toEqual({ status: 404, body: { code: 'quote_not_found' } });
    expect(await client.request('GET', '/text', undefined, 1_000)).toEqual({ status: 502, body: {} });
    expect(connections - before).toBe(1);
    client.close();
  });

  it('gives up after the timeout and when nobody listens, with HttpUnavailableError', async () => {
    const client = new JsonHttpClient(base);
    await expect(client.request('GET', '/slow', undefined, 50)).rejects.toBeInstanceOf(HttpUnavailableError);
    client.close();
    const nobody = new JsonHttpClient('http://127.0.0.1:9'); // discard port: nothing listens
    await expect(nobody.request('GET', '/', undefined, 1_000)).rejects.toThrow(/ECONNREFUSED/);
    nobody.close();
  });
});
