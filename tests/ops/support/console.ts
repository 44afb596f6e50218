import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { adminClient, approved, cluster, repoRoot } from '../../support/cluster';

/** Debian's chromium (apt-get install chromium); the tests launch it headless, with no network of its own. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
/** docs/images/ with NOSTRO_UPDATE_SCREENSHOTS=1 (to refresh the docs); otherwise .cache/screenshots/, so a test run leaves the tree clean. */
export const SCREENSHOTS = process.env.NOSTRO_UPDATE_SCREENSHOTS === '1' ? path.join(repoRoot, 'docs', 'images') : path.join(repoRoot, '.cache', 'screenshots');

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

export type Role = 'viewer' | 'approver' | 'admin';

/** A new operator made through the admin API (the token is shown once). */
export async function newOperator(
  role: Role,
  name = `${role}-${Math.random().toString(36).slice(2, 8)}`,
): Promise<{ id: string; name: string; token: string }> {
  const created = await approved(await adminClient().createOperator({ name, role }));
  if (created.token === null) throw new Error('a freshly created operator came back without its token (a replayed answer)');
  return { id: created.id, name, token: created.token };
}

/** A fresh browser context (its own cookies) signed in through the sign-in form, of the cluster's gateway or another's. */
export async function signedIn(browser: Browser, token: string, gatewayUrl = cluster().gatewayUrl): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${gatewayUrl}/ops`);
  await page.fill('#token', token);
  await page.click('form.signin button[type=submit]');
  await page.waitForSelector('#operator');
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** The console's own API, called with a session cookie (for tests below the browser). */
export class ConsoleHttp {
  cookie: string | null = null;
  constructor(readonly base = cluster().gatewayUrl) {}

  async signIn(token: string): Promise<Response> {
    const response = await fetch(`${this.base}/ops/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
    return response;
  }

  request(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.base}${p}`, {
      method,
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  async json<T>(p: string): Promise<T> {
    const response = await this.request('GET', p);
    if (!response.ok) throw new Error(`${p}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
}
