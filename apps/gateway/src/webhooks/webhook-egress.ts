import { LookupAddress, promises as dns } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { LookupFunction, isIP } from 'node:net';
import { classifyAddress, isPublicAddress } from './egress-address';
import { webhooksError } from './webhooks.errors';

/** Every address a host name resolves to (node:dns `lookup`, so /etc/hosts counts, as it does for any connection). */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: ResolveAll = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** How long setting a webhook URL waits for its host to resolve; past it the URL is accepted and delivery judges it. */
const SET_TIME_RESOLVE_MS = 2_000;
const SOCKETS_PER_HOST_MAX = 32;

/** A delivery the egress rule refused before any connection was made. */
export class EgressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefusedError';
  }
}

/** The host of a URL as a resolver or a socket takes it: an IPv6 literal without its brackets. */
export function hostnameOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Why these addresses of `host` may not receive a webhook (any one not public is enough), or null. */
export function egressRefusal(host: string, addresses: readonly LookupAddress[]): string | null {
  if (addresses.length === 0) return `${host} resolves to no address`;
  const refused = addresses.filter((a) => !isPublicAddress(a.address));
  if (refused.length === 0) return null;
  const named = refused.map((a) => `${a.address} (${classifyAddress(a.address)})`).join(', ');
  return isIP(host) ? `${host} is a ${classifyAddress(host)} address` : `${host} resolves to ${named}`;
}

/**
 * A `lookup` for node:http that answers only the addresses already resolved and checked, so the connection goes to
 * one of them whatever the name resolves to a moment later (DNS rebinding), while the Host header and the TLS
 * server name stay the URL's.
 */
export function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const usable = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    const [first] = usable;
    if (!first) {
      callback(Object.assign(new Error(`no IPv${options.family} address checked for ${hostname}`), { code: 'ENOTFOUND' }), '');
      return;
    }
    if (options.all)
      callback(
        null,
        usable.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, first.address, first.family);
  };
}

/**
 * The webhook egress rule (API.md "Operator controls"): a participant's webhook URL whose host is, or resolves to, a
 * loopback, link-local, private or unspecified address (IPv4-mapped forms included) is refused when an operator sets
 * it, and again at every delivery, unless WEBHOOK_ALLOW_PRIVATE=on. At delivery the host is resolved here, all of its
 * addresses checked, and the request connects to a checked one.
 */
export class WebhookEgress {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST_MAX }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: SOCKETS_PER_HOST_MAX }),
  };

  constructor(
    readonly allowPrivate: boolean,
    private readonly resolve: ResolveAll = systemResolver,
  ) {}

  /**
   * When an operator sets a URL: `422 webhook_url_not_allowed` if its host is a refused address or resolves to one.
   * A host that does not resolve (yet), or not within 2 s, is accepted: every delivery judges it again.
   */
  async assertAllowed(url: string, path: string): Promise<void> {
    if (this.allowPrivate) return;
    const host = hostnameOf(new URL(url));
    const addresses = await this.addresses(host, AbortSignal.timeout(SET_TIME_RESOLVE_MS)).catch(() => null);
    const refusal = addresses && egressRefusal(host, addresses);
    if (refusal) {
      throw webhooksError('webhook_url_not_allowed', `${refusal}: webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE is off)`, [
        { path, message: 'not a public address' },
      ]);
    }
  }

  /**
   * POSTs a webhook and answers the HTTP status. The host is resolved first (within the same timeout); a refused
   * address fails the attempt with {@link EgressRefusedError} before any connection. Redirects are not followed.
   */
  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new EgressRefusedError(`refused: ${target.protocol} is not http or https`);
    const signal = AbortSignal.timeout(timeoutMs);
    const host = hostnameOf(target);
    const addresses = await this.addresses(host, signal);
    const refusal = this.allowPrivate ? null : egressRefusal(host, addresses);
    if (refusal) throw new EgressRefusedError(`refused: ${refusal}; webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE is off)`);
    return send(target, pinnedLookup(addresses), this.agents[target.protocol], { ...headers, host: target.host }, body, signal);
  }

  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  private async addresses(host: string, signal: AbortSignal): Promise<LookupAddress[]> {
    const family = isIP(host);
    if (family !== 0) return [{ address: host, family }];
    return withDeadline(this.resolve(host), signal, `resolving ${host}`);
  }
}

/** One POST whose answer (headers and drained body) must come before `signal` aborts; the socket is destroyed then. */
function send(target: URL, lookup: LookupFunction, agent: http.Agent, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<number> {
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent, lookup });
    const onAbort = () => request.destroy(new Error('timed out waiting for the endpoint'));
    const settle = (error: Error | null, status?: number) => {
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(status ?? 0);
    };
    request.on('error', (error) => settle(error));
    request.on('response', (response) => {
      response.on('error', (error) => settle(error));
      response.on('end', () => settle(null, response.statusCode));
      response.on('close', () => settle(response.complete ? null : new Error('the endpoint closed the connection mid-answer'), response.statusCode));
      response.resume(); // the body is not read, only drained, so the connection can be reused
    });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    request.end(body);
  });
}

/** `promise`, or a timeout error once `signal` aborts (a DNS lookup cannot be cancelled, only no longer waited for). */
function withDeadline<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error(`timed out ${what}`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error(`timed out ${what}`));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error as Error)),
    );
  });
}
