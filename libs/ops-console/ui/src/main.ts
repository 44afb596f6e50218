import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { SessionInfo, currentSession, signIn, signOut, whenSignedOut } from './api';
import { announce, h, replace } from './dom';
import { time } from './format';
import { Page, PageContext, route } from './router';
import { LiveStream } from './stream';

const app = document.getElementById('app') as HTMLElement;
let session: SessionInfo | null = null;
let stream: LiveStream | null = null;
let current: Page | null = null;
let main: HTMLElement | null = null;
let liveBadge: HTMLElement | null = null;

const NAV: { href: string; label: string; key: string; visible?: (s: SessionInfo) => boolean }[] = [
  { href: '#/', label: 'Overview', key: 'o' },
  { href: '#/payments', label: 'Payments', key: 'p' },
  { href: '#/held', label: 'Held payments', key: 'h' },
  { href: '#/queues', label: 'Queues', key: 'u' },
  { href: '#/recalls', label: 'Recalls', key: 'c' },
  { href: '#/requests', label: 'Requests', key: 'q' },
  { href: '#/blocks', label: 'Blocks', key: 'b' },
  { href: '#/participants', label: 'Participants', key: 'r' },
  { href: '#/audit', label: 'Audit log', key: 'a', visible: (s) => s.can.seeAudit },
];

function showSignIn(message?: string): void {
  stream?.stop();
  stream = null;
  current?.destroy?.();
  current = null;
  session = null;
  const error = h('p', { class: 'form-error', role: 'alert', id: 'signin-error' }, message ?? '');
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
    'aria-describedby': 'token-help signin-error',
  });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Nostro operations console'),
    h('label', { for: 'token' }, 'Operator token'),
    token,
    h('p', { id: 'token-help', class: 'help' }, 'Your operator token from the admin API. It is exchanged for a session cookie and is not kept in this page.'),
    button,
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    error.textContent = '';
    signIn(token.value.trim())
      .then((s) => {
        token.value = '';
        startConsole(s);
      })
      .catch((e: unknown) => {
        error.textContent = e instanceof Error ? e.message : 'Sign-in failed';
        button.disabled = false;
        token.focus();
      });
  });
  replace(app, h('main', { id: 'main', tabindex: '-1' }, form));
  app.removeAttribute('aria-busy');
  document.title = 'Sign in · Nostro operations';
  token.focus();
}

function startConsole(s: SessionInfo): void {
  session = s;
  liveBadge = h('span', { class: 'live-state', 'data-state': 'connecting', role: 'status' }, 'Connecting…');
  const out = h('button', { type: 'button', class: 'link-button', id: 'sign-out' }, 'Sign out');
  out.addEventListener('click', () => void signOut().then(() => showSignIn('You signed out.')));
  main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h(
    'nav',
    { 'aria-label': 'Sections' },
    h(
      'ul',
      {},
      NAV.filter((n) => !n.visible || n.visible(s)).map((n) => h('li', {}, h('a', { href: n.href, 'data-nav': n.href }, n.label))),
    ),
  );
  const header = h(
    'header',
    { class: 'top' },
    h('a', { href: '#/', class: 'brand' }, 'Nostro ', h('span', {}, 'operations')),
    nav,
    h(
      'div',
      { class: 'who' },
      liveBadge,
      h('span', { class: 'operator', id: 'operator' }, s.operator.name, ' · ', h('span', { class: `role role-${s.operator.role}` }, s.operator.role)),
      h('span', { class: 'expires' }, 'session until ', time(s.expiresAt)),
      out,
    ),
  );
  replace(app, header, main);
  app.removeAttribute('aria-busy');
  stream = new LiveStream(
    (state) => {
      if (!liveBadge) return;
      liveBadge.dataset.state = state;
      liveBadge.textContent = state === 'live' ? 'Live' : 'Reconnecting…';
    },
    () => showSignIn('Your session ended. Sign in again.'),
  );
  stream.start();
  void navigate();
}

/** Increases on every navigation, so a slow page load that finishes after a newer one never replaces it. */
let navigation = 0;

async function navigate(): Promise<void> {
  if (!session || !main || !stream) return;
  const mine = ++navigation;
  current?.destroy?.();
  current = null;
  const path = location.hash.replace(/^#/, '') || '/';
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a[data-nav]')) {
    const target = (a.dataset.nav ?? '').replace(/^#/, '');
    const active = target === '/' ? path === '/' : path === target || path.startsWith(`${target}/`) || path.startsWith(`${target}?`);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const ctx: PageContext = { session, stream, go: (hash) => (location.hash = hash) };
  main.setAttribute('aria-busy', 'true');
  try {
    const page = await route(path, ctx);
    if (mine !== navigation) {
      page.destroy?.();
      return;
    }
    current = page;
    replace(main, page.el);
    document.title = `${page.title} · Nostro operations`;
    announce(`${page.title} loaded`);
  } catch (error) {
    if (mine !== navigation) return;
    replace(main, h('section', {}, h('h1', {}, 'Something went wrong'), h('p', { role: 'alert' }, error instanceof Error ? error.message : String(error))));
  } finally {
    if (mine === navigation) main.removeAttribute('aria-busy');
  }
  main.focus({ preventScroll: true });
}

/** Keyboard: `g` then a section letter jumps there; `/` searches payments; Escape leaves a field. */
function shortcuts(): void {
  let pendingG = false;
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    const typing = target.closest('input, textarea, select, [contenteditable]') !== null;
    if (event.key === 'Escape' && typing) (target as HTMLInputElement).blur();
    if (typing || event.ctrlKey || event.metaKey || event.altKey || !session) return;
    if (pendingG) {
      pendingG = false;
      const item = NAV.find((n) => n.key === event.key && (!n.visible || n.visible(session as SessionInfo)));
      if (item) {
        event.preventDefault();
        location.hash = item.href;
      }
      return;
    }
    if (event.key === 'g') pendingG = true;
    if (event.key === '/') {
      event.preventDefault();
      if (!location.hash.startsWith('#/payments')) location.hash = '#/payments';
      window.setTimeout(() => document.getElementById('filter-search')?.focus(), 50);
    }
  });
}

whenSignedOut((reason) => showSignIn(reason));
window.addEventListener('hashchange', () => void navigate());
shortcuts();
currentSession()
  .then((s) => (s ? startConsole(s) : showSignIn()))
  .catch((e: unknown) => showSignIn(e instanceof Error ? e.message : 'The console could not start'));
