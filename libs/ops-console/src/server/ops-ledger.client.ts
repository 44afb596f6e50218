import { opsProblem } from './ops.errors';

const TIMEOUT_MS = 2_000;

export interface ValidatorStatus {
  url: string;
  validator: string | null;
  up: boolean;
  height: number | null;
  finalHeight: number | null;
  halted: string | null;
}

interface StatusBody {
  validator: string;
  height: number;
  finalHeight: number;
  halted: string | null;
}

/**
 * The console's reads from the validators' internal API (LEDGER_URLS): each validator's status, the block
 * explorer pages (apps/ledger-node ops-blocks.controller) and one block as every validator has it.
 */
export class OpsLedgerClient {
  constructor(private readonly urls: string[]) {}

  private async fetchJson<T>(url: string): Promise<{ status: number; body: T | null }> {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = response.headers.get('content-type')?.includes('json') ? ((await response.json()) as T) : null;
    return { status: response.status, body };
  }

  async statuses(): Promise<ValidatorStatus[]> {
    return Promise.all(
      this.urls.map(async (url) => {
        try {
          const { status, body } = await this.fetchJson<StatusBody>(`${url}/v1/ledger/status`);
          if (status !== 200 || !body) throw new Error(`status ${status}`);
          return { url, validator: body.validator, up: true, height: body.height, finalHeight: body.finalHeight, halted: body.halted };
        } catch {
          return { url, validator: null, up: false, height: null, finalHeight: null, halted: null };
        }
      }),
    );
  }

  /** The first validator that answers (404 is an answer). */
  private async first<T>(path: string): Promise<{ status: number; body: T | null }> {
    for (const url of this.urls) {
      try {
        const answer = await this.fetchJson<T>(`${url}${path}`);
        if (answer.status < 500) return answer;
      } catch {
        // next validator
      }
    }
    throw opsProblem('service_unavailable', 'no ledger validator answered', undefined, { 'retry-after': '1' });
  }

  async blocks(limit: number, before: string | undefined): Promise<unknown> {
    const query = new URLSearchParams({ limit: String(limit), ...(before ? { before } : {}) });
    const { status, body } = await this.first<unknown>(`/v1/ledger/blocks?${query.toString()}`);
    if (status !== 200) throw opsProblem('service_unavailable', `the validator answered ${status} for the block list`);
    return body;
  }

  /** One block as each validator has it (hash, final), with the transactions and signatures of the first that has it. */
  async block(height: number) {
    const views = await Promise.all(
      this.urls.map(async (url) => {
        try {
          const [b, s, st] = await Promise.all([
            this.fetchJson<BlockBody>(`${url}/v1/ledger/blocks/${height}`),
            this.fetchJson<{ data: unknown[] }>(`${url}/v1/ledger/blocks/${height}/signatures`),
            this.fetchJson<StatusBody>(`${url}/v1/ledger/status`),
          ]);
          return {
            url,
            validator: st.body?.validator ?? null,
            up: true,
            block: b.status === 200 ? b.body : null,
            signatures: s.status === 200 ? (s.body?.data ?? []) : [],
          };
        } catch {
          return { url, validator: null, up: false, block: null, signatures: [] };
        }
      }),
    );
    const source = views.find((v) => v.block !== null);
    if (!source?.block) {
      if (views.every((v) => !v.up)) throw opsProblem('service_unavailable', 'no ledger validator answered', undefined, { 'retry-after': '1' });
      throw opsProblem('not_found', `no validator has block ${height}`);
    }
    return {
      block: source.block.block,
      transactions: source.block.transactions,
      signatures: source.signatures,
      source: source.validator,
      validators: views.map((v) => ({ validator: v.validator, up: v.up, hash: v.block?.block.hash ?? null, final: v.block?.final ?? false })),
    };
  }
}

interface BlockBody {
  block: { height: number; hash: string; prevHash: string; merkleRoot: string; stateDigest: string; txCount: number; timestamp: number };
  final: boolean;
  signatures: { validator: string; signature: string }[];
  transactions: { id: string; uetr?: string; kind: string; outcome: unknown }[];
}
