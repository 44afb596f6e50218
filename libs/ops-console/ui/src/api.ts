/** The console's calls to its own API (/ops/api) and to the public key endpoint (/v1/keys). */

export interface Capabilities {
  seeParties: boolean;
  seeAudit: boolean;
  decide: boolean;
  manageParticipants: boolean;
  /** Approve or reject another operator's call held for a second admin (admins). */
  decideRequests: boolean;
}

export interface SessionInfo {
  operator: { id: string; name: string; role: 'viewer' | 'approver' | 'admin' };
  expiresAt: string;
  can: Capabilities;
}

/** An RFC 9457 problem the API answered with. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }

  /** One line for people: the detail, then each field that was wrong. */
  describe(): string {
    const fields = this.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    return fields ? `${this.detail} (${fields})` : this.detail;
  }
}

let onSignedOut: (reason: string) => void = () => undefined;

/** What to do when the API says the session is gone (show the sign-in page with the reason). */
export function whenSignedOut(handler: (reason: string) => void): void {
  onSignedOut = handler;
}

async function problemOf(response: Response): Promise<ApiProblem> {
  try {
    const body = (await response.json()) as { code?: string; detail?: string; title?: string; errors?: { path: string; message: string }[] };
    return new ApiProblem(response.status, body.code ?? 'error', body.detail ?? body.title ?? response.statusText, body.errors ?? []);
  } catch {
    return new ApiProblem(response.status, 'error', `${response.status} ${response.statusText}`);
  }
}

async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(path, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** GET from the console API; a 401 signs the page out, any other problem is thrown as ApiProblem. */
export async function get<T>(path: string): Promise<T> {
  const response = await request('GET', `/ops/api${path}`);
  if (response.ok) return (await response.json()) as T;
  const problem = await problemOf(response);
  if (response.status === 401) onSignedOut(problem.detail);
  throw problem;
}

/**
 * An operator action: sent once with a fresh Idempotency-Key (the buttons are disabled while it runs, so a
 * double click cannot send it twice). Resolves with the answer's status and body; problems are thrown.
 */
export async function act<T>(method: 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await request(method, `/ops/api${path}`, body, { 'idempotency-key': crypto.randomUUID() });
  if (response.ok) return { status: response.status, body: (await response.json()) as T };
  const problem = await problemOf(response);
  if (response.status === 401) onSignedOut(problem.detail);
  throw problem;
}

export async function signIn(token: string): Promise<SessionInfo> {
  const response = await request('POST', '/ops/api/session', { token });
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as SessionInfo;
}

export async function currentSession(): Promise<SessionInfo | null> {
  const response = await request('GET', '/ops/api/session');
  if (response.status === 401) return null;
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as SessionInfo;
}

export async function signOut(): Promise<void> {
  await request('DELETE', '/ops/api/session');
}

/** The network's public keys (API.md `GET /v1/keys`, unauthenticated): what the proof is checked against. */
export async function networkKeys(): Promise<{ validators: { id: string; publicKey: string }[]; quorum: number }> {
  const response = await request('GET', '/v1/keys');
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as { validators: { id: string; publicKey: string }[]; quorum: number };
}
