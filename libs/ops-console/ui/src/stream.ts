/** The live stream (`GET /ops/api/stream`, server-sent events): one per page load, shared by every view. */

export type StreamEvent =
  { type: 'overview'; data: unknown } | { type: 'payment'; data: { reached: string; payment: PaymentSummary } } | { type: 'reload'; data: unknown };

export interface PaymentSummary {
  uetr: string;
  endToEndId: string;
  status: string;
  reason?: string;
  debtorParticipant: string;
  creditorParticipant: string;
  sourceCurrency: string;
  targetCurrency: string;
  sendAmount: string;
  receiveAmount: string;
  totalDebit: string;
  blockHeight: number | null;
  createdAt: string;
  updatedAt: string;
  /** While QUEUED: when the ledger rejects it `queue_timeout`. */
  queuedUntil?: string;
  /** While RESERVED: when its escrow goes back to the debtor unless fulfilled. */
  reservedUntil?: string;
}

type Listener = (event: StreamEvent) => void;

export class LiveStream {
  private source: EventSource | null = null;
  private readonly listeners = new Set<Listener>();
  latestOverview: unknown = null;

  constructor(
    private readonly onState: (state: 'live' | 'reconnecting') => void,
    private readonly onSessionEnded: () => void,
  ) {}

  start(): void {
    if (this.source) return;
    const source = new EventSource('/ops/api/stream', { withCredentials: true });
    this.source = source;
    source.onopen = () => this.onState('live');
    source.onerror = () => this.onState('reconnecting');
    source.addEventListener('overview', (e) => {
      this.latestOverview = JSON.parse((e as MessageEvent<string>).data);
      this.emit({ type: 'overview', data: this.latestOverview });
    });
    source.addEventListener('payment', (e) => this.emit({ type: 'payment', data: JSON.parse((e as MessageEvent<string>).data) }));
    source.addEventListener('reload', (e) => this.emit({ type: 'reload', data: JSON.parse((e as MessageEvent<string>).data) }));
    source.addEventListener('session', () => {
      this.stop();
      this.onSessionEnded();
    });
  }

  stop(): void {
    this.source?.close();
    this.source = null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StreamEvent): void {
    for (const l of this.listeners) l(event);
  }
}
