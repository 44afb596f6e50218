/**
 * Offline checks a bank runs on what the network sends it: the RFC 9421 signature of a webhook (network key,
 * keyid "nostro", from `GET /v1/keys`), and a finality proof of the payment it names. The webhook signature is
 * verified with node:crypto (`@nostro/shared-node`), the proof with the portable verifier of `@nostro/shared`.
 */
import { type FinalityTrust, type HeaderFields, type RequestSignatureFailure, verifyFinalityProof, verifyRequest } from '@nostro/shared-node';
import type { FinalityTransaction, NetworkKeys, PaymentFinality, WebhookEvent, WebhookType } from './types';

/** A webhook request as the bank's server received it. */
export interface ReceivedWebhook {
  method: string;
  /** The absolute URL the network posted to: the participant's registered webhook URL. */
  url: string;
  headers: HeaderFields;
  /** The raw body bytes, before any JSON parsing. */
  body: Uint8Array | string;
}

export interface WebhookTrust {
  /** `network.publicKey` of `GET /v1/keys` (raw 32 bytes, base64url). */
  networkPublicKey: string;
  /** Defaults to 300 s, as for requests. */
  maxSkewSeconds?: number;
  nowSeconds?: number;
}

export type WebhookVerdict = { ok: true; event: WebhookEvent } | { ok: false; code: RequestSignatureFailure | 'malformed'; detail: string };

export const NETWORK_KEY_ID = 'nostro';
/** Every type this SDK knows; a `Record` so that a type added to {@link WebhookType} must be added here too. */
export const WEBHOOK_TYPES: Readonly<Record<WebhookType, true>> = {
  'payment.settled': true,
  'payment.rejected': true,
  'payment.held': true,
  'payment.queued': true,
  'payment.reserved': true,
  'payment.received': true,
  'payment.cancelled': true,
  'payment.recall_requested': true,
  'payment.recall_resolved': true,
  'payment.returned': true,
  'return.settled': true,
  'return.rejected': true,
};

/**
 * Verifies a webhook: signed by the network key over method, URL and `Content-Digest`, the digest matching the
 * body, `created` within the skew window. Returns the parsed event; de-duplicate it by `event.id`.
 */
export async function verifyWebhook(received: ReceivedWebhook, trust: WebhookTrust): Promise<WebhookVerdict> {
  const result = await verifyRequest(
    { method: received.method.toUpperCase(), targetUri: received.url, headers: received.headers, rawBody: received.body },
    {
      lookupKey: (keyId) => (keyId === NETWORK_KEY_ID ? trust.networkPublicKey : undefined),
      maxSkewSeconds: trust.maxSkewSeconds,
      nowSeconds: trust.nowSeconds,
    },
  );
  if (!result.ok) return result;
  let event: unknown;
  try {
    event = JSON.parse(typeof received.body === 'string' ? received.body : new TextDecoder().decode(received.body));
  } catch {
    return { ok: false, code: 'malformed', detail: 'the body is not JSON' };
  }
  if (!isWebhookEvent(event)) return { ok: false, code: 'malformed', detail: 'the body is not a webhook event' };
  return { ok: true, event };
}

const WEBHOOK_TYPE_SHAPE = /^[a-z]+(\.[a-z_]+)+$/;

/** True for the webhook types this SDK version knows (the others are newer additions to the API). */
export function isKnownWebhookType(type: string): type is WebhookType {
  return Object.hasOwn(WEBHOOK_TYPES, type);
}

function isWebhookEvent(value: unknown): value is WebhookEvent {
  const e = value as Partial<WebhookEvent> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.id === 'string' &&
    typeof e.type === 'string' &&
    // New webhook types are additive (API.md "v1 additions"): a signed event of a type this SDK does not know yet is
    // still an event; callers switch on the types they handle (see isKnownWebhookType).
    WEBHOOK_TYPE_SHAPE.test(e.type) &&
    typeof e.occurredAt === 'string' &&
    typeof e.data === 'object' &&
    e.data !== null
  );
}

export type PaymentFinalityVerdict = { ok: true } | { ok: false; reason: string };

type Keys = Pick<NetworkKeys, 'validators' | 'quorum'>;

/**
 * True when `proof` shows the payment `uetr` settled: the proof verifies against the validators and quorum of
 * `GET /v1/keys`, its transaction is this payment's (not one of its returns, which carry the same uetr), and the
 * ledger accepted it (a proof of a rejected transaction verifies too: read the outcome).
 */
export function verifyPaymentFinality(uetr: string, proof: PaymentFinality, keys: Keys): PaymentFinalityVerdict {
  return verifyTransactionFinality(proof, keys, (tx) => tx.uetr === uetr && (tx.returnId === undefined || tx.returnId === null));
}

/**
 * True when `proof` shows the return `returnId` of the payment `uetr` settled: the same checks as
 * {@link verifyPaymentFinality}, on the return's own transaction (`transaction.uetr` is the original payment's,
 * `transaction.returnId` the return's).
 */
export function verifyReturnFinality(uetr: string, returnId: string, proof: PaymentFinality, keys: Keys): PaymentFinalityVerdict {
  return verifyTransactionFinality(proof, keys, (tx) => tx.uetr === uetr && tx.returnId === returnId);
}

function verifyTransactionFinality(proof: PaymentFinality, keys: Keys, isTheOne: (tx: Partial<FinalityTransaction>) => boolean): PaymentFinalityVerdict {
  const trust: FinalityTrust = { validators: keys.validators, quorum: keys.quorum };
  const verdict = verifyFinalityProof(proof, trust);
  if (!verdict.ok) return { ok: false, reason: verdict.reason };
  // The proof is untrusted JSON: its transaction verified as a leaf, not as the shape the type promises.
  const transaction = proof.transaction as Partial<FinalityTransaction> | null;
  if (transaction === null || typeof transaction !== 'object' || !isTheOne(transaction)) return { ok: false, reason: 'the proof is of another transaction' };
  const outcome = transaction.outcome as { status?: unknown; reason?: unknown } | undefined;
  if (outcome?.status !== 'accepted') return { ok: false, reason: `the ledger rejected it: ${String(outcome?.reason ?? 'unknown')}` };
  return { ok: true };
}
