import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import fs from 'node:fs/promises';
import path from 'node:path';
import { OpsConfig } from './ops.config';
import { opsProblem } from './ops.errors';
import { OPS_CONFIG } from './ops.tokens';

/** Only scripts, styles and data from the gateway itself; no inline script, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.(js|css|map|svg|png)$/;
const ASSET_CACHE_MAX = 64;

/**
 * Serves the built console (scripts/build.mjs → dist/libs/ops-console/ui): `/ops` is the page (never cached),
 * `/ops/assets/<name>` the content-hashed bundles (cached for a year). Nothing outside that folder is reachable.
 */
@Controller('ops')
export class OpsStaticController {
  private readonly cache = new Map<string, Buffer>();

  constructor(@Inject(OPS_CONFIG) private readonly ops: OpsConfig) {}

  private async read(relative: string): Promise<Buffer | null> {
    const cached = this.cache.get(relative);
    if (cached) return cached;
    const root = path.resolve(this.ops.uiDir);
    const file = path.resolve(root, relative);
    if (!file.startsWith(root + path.sep)) return null;
    const data = await fs.readFile(file).catch(() => null);
    if (data && relative !== 'index.html' && this.cache.size < ASSET_CACHE_MAX) this.cache.set(relative, data);
    return data;
  }

  @Get()
  async page(@Res() reply: FastifyReply): Promise<void> {
    const html = await this.read('index.html');
    if (!html) throw opsProblem('service_unavailable', 'the console UI is not built (npm run build writes dist/libs/ops-console/ui)');
    await reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  }

  @Get('assets/:name')
  async asset(@Param('name') name: string, @Res() reply: FastifyReply): Promise<void> {
    const data = ASSET_NAME.test(name) ? await this.read(path.join('assets', name)) : null;
    if (!data) throw opsProblem('not_found', 'no such console asset');
    await reply
      .status(200)
      .header('content-type', CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(data);
  }
}
