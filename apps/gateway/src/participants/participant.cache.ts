import { PgListener } from '@nostro/platform';
import { PARTICIPANTS_CHANGED_CHANNEL, ParticipantRow, ParticipantsRepository } from './participants.repository';
import { LimitsRow } from '../screening/screening.repository';

export type ActiveKey = Awaited<ReturnType<ParticipantsRepository['activeKey']>>;

/** How long a key or participant is served from memory when no change notification arrives. */
const CACHE_TTL_MS = 2_000;
const CACHE_ENTRIES_MAX = 50_000;

/**
 * Keys and participants on the request path, cached briefly so a signed request costs no database round trip.
 * A change (key added or revoked, suspension, resumption, limits) is announced with NOTIFY in the transaction that
 * makes it, and every replica drops its cache when it hears it; the TTL bounds staleness if a notification
 * is ever missed (listener reconnecting).
 */
export class ParticipantCache {
  private readonly keys = new Map<string, { at: number; value: ActiveKey }>();
  private readonly participants = new Map<string, { at: number; value: ParticipantRow | null }>();
  private readonly limitRows = new Map<string, { at: number; value: LimitsRow[] }>();
  private readonly loading = new Map<string, Promise<unknown>>();
  /** Bumped by every invalidation, so a load that raced with a change is not cached. */
  private generation = 0;

  constructor(
    private readonly repo: ParticipantsRepository,
    private readonly loadLimits: (participant: string) => Promise<LimitsRow[]>,
  ) {}

  /** Drops everything on a change anywhere, and after the listener reconnects (it may have missed some). */
  async start(listener: PgListener): Promise<void> {
    await listener.listen(
      PARTICIPANTS_CHANGED_CHANNEL,
      () => this.invalidate(),
      () => this.invalidate(),
    );
  }

  invalidate(): void {
    this.generation += 1;
    this.keys.clear();
    this.participants.clear();
    this.limitRows.clear();
  }

  async activeKey(keyId: string): Promise<ActiveKey> {
    return this.cached('key', this.keys, keyId, () => this.repo.activeKey(keyId));
  }

  async participant(id: string): Promise<ParticipantRow | null> {
    return this.cached('participant', this.participants, id, () => this.repo.find(id));
  }

  /** The participant's screening limits, every currency (usually none: the fast path). */
  async limits(participant: string): Promise<LimitsRow[]> {
    return this.cached('limits', this.limitRows, participant, () => this.loadLimits(participant));
  }

  private async cached<V>(kind: string, map: Map<string, { at: number; value: V }>, key: string, load: () => Promise<V>): Promise<V> {
    const hit = map.get(key);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.value;
    // Concurrent misses of one key share one load: an expiry under load costs one query, not one per request.
    const flightKey = `${kind}:${this.generation}:${key}`;
    const inFlight = this.loading.get(flightKey) as Promise<V> | undefined;
    if (inFlight) return inFlight;
    const generation = this.generation;
    const loading = load().finally(() => this.loading.delete(flightKey));
    this.loading.set(flightKey, loading);
    const value = await loading;
    if (generation !== this.generation) return value;
    if (map.size >= CACHE_ENTRIES_MAX) map.clear();
    map.set(key, { at: Date.now(), value });
    return value;
  }
}
