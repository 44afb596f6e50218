import { get } from '../api';
import { MinuteChart, MinuteStats } from '../charts';
import { h, link, replace, table } from '../dom';
import { ago, amount, duration, shortUetr, statusBadge, time } from '../format';
import { Page, PageContext } from '../router';
import { PaymentSummary } from '../stream';

type Part<T> = T | { unavailable: string };

interface Overview {
  at: string;
  series: Part<MinuteStats[]>;
  recent: Part<{ windowS: number; settled: number; rejected: number; settledPerS: number; latencyMs: { p50: number; p90: number; p99: number } | null }>;
  inFlight: Part<{ counts: Record<string, number>; oldestHeldAt: string | null; nextEscrowExpiry?: string | null }>;
  validators: Part<
    {
      validator: string | null;
      up: boolean;
      height: number | null;
      finalHeight: number | null;
      finalityLagBlocks: number | null;
      behindBlocks: number | null;
      halted: string | null;
    }[]
  >;
  kafka: Part<{ group: string; state: string; members: number; lag: number; topics: { topic: string; lag: number }[] }[]>;
  webhooks: Part<{
    endpoints: number;
    failing: number;
    pending: number;
    abandoned: number;
    failingEndpoints: { participant: string; pending: number; abandoned: number; maxAttempts: number; lastError: string | null }[];
  }>;
}

const RECENT_CHANGES_MAX = 12;

function ok<T>(part: Part<T>): part is T {
  return !(typeof part === 'object' && part !== null && 'unavailable' in part);
}

function unavailable(part: { unavailable: string }): HTMLElement {
  return h('p', { class: 'unavailable' }, 'Not available right now: ', part.unavailable);
}

function tile(label: string, value: string | HTMLElement, note?: string | HTMLElement, tone?: 'good' | 'warn' | 'bad'): HTMLElement {
  return h(
    'div',
    { class: `tile ${tone ?? ''}` },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: 'tile-value' }, value),
    note ? h('div', { class: 'tile-note' }, note) : null,
  );
}

export async function overviewPage(ctx: PageContext): Promise<Page> {
  const tiles = h('div', { class: 'tiles', 'aria-label': 'Key figures', role: 'group' });
  const statusChart = new MinuteChart('chart-status', 'Payments reaching each status, per minute (last hour)', 'status');
  const latencyChart = new MinuteChart('chart-latency', 'Settlement latency, intent to final, per minute (ms)', 'latency');
  const validators = h('section', { 'aria-labelledby': 'validators-title' });
  const kafka = h('section', { 'aria-labelledby': 'kafka-title' });
  const webhooks = h('section', { 'aria-labelledby': 'webhooks-title' });
  const changes = h('ol', { class: 'changes', id: 'recent-changes' });
  const updated = h('p', { class: 'updated' });

  const render = (o: Overview) => {
    replace(updated, 'Updated ', time(o.at));
    renderTiles(tiles, o);
    if (ok(o.series)) {
      statusChart.update(o.series);
      latencyChart.update(o.series);
    }
    renderValidators(validators, o);
    renderKafka(kafka, o);
    renderWebhooks(webhooks, o);
  };

  const el = h(
    'section',
    { class: 'overview' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Overview'), updated),
    tiles,
    h('div', { class: 'charts' }, statusChart.el, latencyChart.el),
    h('div', { class: 'columns' }, validators, kafka),
    h(
      'div',
      { class: 'columns' },
      webhooks,
      h('section', { 'aria-labelledby': 'changes-title' }, h('h2', { id: 'changes-title' }, 'Latest status changes'), changes),
    ),
  );

  render((ctx.stream.latestOverview as Overview | null) ?? (await get<Overview>('/overview')));
  const off = ctx.stream.subscribe((event) => {
    if (event.type === 'overview') render(event.data as Overview);
    if (event.type === 'payment') addChange(changes, event.data.payment, event.data.reached);
  });
  return {
    title: 'Overview',
    el,
    destroy: () => {
      off();
      statusChart.destroy();
      latencyChart.destroy();
    },
  };
}

function renderTiles(tiles: HTMLElement, o: Overview): void {
  const items: HTMLElement[] = [];
  if (ok(o.recent)) {
    items.push(
      tile('Settled per second', String(o.recent.settledPerS), `${o.recent.settled} settled, ${o.recent.rejected} rejected in the last ${o.recent.windowS} s`),
    );
    const l = o.recent.latencyMs;
    items.push(tile('Latency p50 · p90 · p99', l ? `${duration(l.p50)} · ${duration(l.p90)} · ${duration(l.p99)}` : '—', 'intent → settled, last minute'));
  } else items.push(tile('Throughput', '—', o.recent.unavailable, 'bad'));
  if (ok(o.inFlight)) {
    const c = o.inFlight.counts;
    const queued = c.QUEUED ?? 0;
    items.push(
      tile(
        'In flight',
        String((c.RECEIVED ?? 0) + (c.SUBMITTED ?? 0) + queued),
        h('span', {}, `${c.RECEIVED ?? 0} received, ${c.SUBMITTED ?? 0} submitted, `, link('#/queues', `${queued} queued`, { id: 'overview-queued' })),
      ),
    );
    const held = c.HELD ?? 0;
    items.push(
      tile(
        'Held, waiting for approval',
        link('#/held', String(held), { 'aria-label': `${held} held payments` }),
        held > 0 ? `oldest waiting ${ago(o.inFlight.oldestHeldAt)}` : 'none waiting',
        held > 0 ? 'warn' : 'good',
      ),
    );
    const reserved = c.RESERVED ?? 0;
    const next = o.inFlight.nextEscrowExpiry;
    items.push(
      tile(
        'In escrow (conditional)',
        link('#/payments?status=RESERVED', String(reserved), { id: 'overview-escrow', 'aria-label': `${reserved} payments reserved in escrow` }),
        reserved > 0 && next ? `next expires in ${duration(Math.max(0, Date.parse(next) - Date.now()))}` : 'none reserved',
      ),
    );
  } else items.push(tile('In flight', '—', o.inFlight.unavailable, 'bad'));
  if (ok(o.webhooks)) {
    items.push(
      tile(
        'Webhook endpoints failing',
        String(o.webhooks.failing),
        `${o.webhooks.pending} deliveries pending, ${o.webhooks.abandoned} abandoned`,
        o.webhooks.failing > 0 ? 'bad' : 'good',
      ),
    );
  } else items.push(tile('Webhooks', '—', o.webhooks.unavailable, 'bad'));
  if (ok(o.validators)) {
    const up = o.validators.filter((v) => v.up && !v.halted).length;
    const lag = Math.max(0, ...o.validators.map((v) => v.finalityLagBlocks ?? 0));
    items.push(
      tile(
        'Validators up',
        `${up} of ${o.validators.length}`,
        `finality lag at most ${lag} block${lag === 1 ? '' : 's'}`,
        up === o.validators.length ? 'good' : 'bad',
      ),
    );
  }
  replace(tiles, items);
}

function renderValidators(section: HTMLElement, o: Overview): void {
  const head = h('h2', { id: 'validators-title' }, 'Validators: block height and finality');
  if (!ok(o.validators)) return replace(section, head, unavailable(o.validators));
  replace(
    section,
    head,
    table(
      'Block height per validator',
      ['Validator', 'State', 'Height', 'Final height', 'Finality lag', 'Behind the tip'],
      o.validators.map((v) => [
        v.validator ?? 'unknown',
        v.halted ? h('span', { class: 'badge bad' }, 'halted') : v.up ? h('span', { class: 'badge good' }, 'up') : h('span', { class: 'badge bad' }, 'down'),
        v.height ?? '—',
        v.finalHeight ?? '—',
        v.finalityLagBlocks === null ? '—' : `${v.finalityLagBlocks} blocks`,
        v.behindBlocks === null ? '—' : `${v.behindBlocks} blocks`,
      ]),
      { captionHidden: true },
    ),
  );
}

function renderKafka(section: HTMLElement, o: Overview): void {
  const head = h('h2', { id: 'kafka-title' }, 'Kafka consumer lag per service');
  if (!ok(o.kafka)) return replace(section, head, unavailable(o.kafka));
  replace(
    section,
    head,
    table(
      'Kafka consumer lag',
      ['Consumer group', 'Lag (messages)', 'Members', 'State'],
      o.kafka.map((g) => [g.group, h('span', { class: g.lag > 1000 ? 'warn-text' : '' }, String(g.lag)), String(g.members), g.state]),
      { captionHidden: true },
    ),
  );
}

function renderWebhooks(section: HTMLElement, o: Overview): void {
  const head = h('h2', { id: 'webhooks-title' }, 'Webhook deliveries failing');
  if (!ok(o.webhooks)) return replace(section, head, unavailable(o.webhooks));
  replace(
    section,
    head,
    table(
      'Failing webhook endpoints',
      ['Participant', 'Pending', 'Abandoned', 'Attempts', 'Last error'],
      o.webhooks.failingEndpoints.map((e) => [
        link(`#/participants/${encodeURIComponent(e.participant)}`, e.participant),
        String(e.pending),
        String(e.abandoned),
        String(e.maxAttempts),
        e.lastError ?? '—',
      ]),
      { captionHidden: true },
    ),
  );
}

function addChange(list: HTMLElement, p: PaymentSummary, reached: string): void {
  const item = h(
    'li',
    {},
    statusBadge(reached),
    ' ',
    link(`#/payments/${p.uetr}`, shortUetr(p.uetr), { title: p.uetr }),
    ` ${p.debtorParticipant} → ${p.creditorParticipant} `,
    amount(p.sendAmount, p.sourceCurrency),
  );
  list.prepend(item);
  while (list.children.length > RECENT_CHANGES_MAX) list.lastElementChild?.remove();
}
