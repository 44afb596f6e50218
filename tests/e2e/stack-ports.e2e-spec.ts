/**
 * `npm run stack:up` (scripts/lib/stack.ts) against a port some other process holds: a service it would start could
 * not bind and would exit, while the other process answered its readiness check, so the stack looked ready and ran
 * against somebody else's service (seen with two checkouts on one machine). It must refuse, name the port, and start
 * normally once the port is free. Uses the test cluster's fx-quote, stopped and started again through stack-ctl.ts.
 */
import net from 'node:net';
import { runStackCtl, stackCtl } from '../ledger/support/ledger';
import { cluster } from '../support/cluster';

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200;
  } catch {
    return false;
  }
}

/** A plain TCP listener that answers any request with an empty 200, like a service's /health/ready. */
class Squatter {
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
  });

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  /** Closes the listener and the connections it has (the client keeps them alive otherwise). */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('stack up with a port held by another process', () => {
  const port = () => cluster().ports['fx-quote'];
  let squatter: Squatter | null = null;

  afterAll(async () => {
    await squatter?.close();
    // Whatever happened above, leave the cluster whole for the files after this one.
    runStackCtl('up');
  }, 200_000);

  it('refuses to start, names the service and its port, and starts once the port is free', async () => {
    await stackCtl('kill', 'fx-quote', 'SIGTERM');
    expect(await ready(port())).toBe(false);

    squatter = new Squatter();
    await squatter.listen(port());
    // The squatter even answers /health/ready with 200: what made the old check pass.
    expect(await ready(port())).toBe(true);

    const refused = runStackCtl('up');
    expect(refused.status).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toContain(`port(s) in use by another process: fx-quote :${port()}`);
    expect(await stackCtl('pid', 'fx-quote')).toBe('');

    await squatter.close();
    squatter = null;
    expect(runStackCtl('up').status).toBe(0);
    expect(await stackCtl('pid', 'fx-quote')).toMatch(/^\d+$/);
    expect(await ready(port())).toBe(true);
  }, 240_000);
});
