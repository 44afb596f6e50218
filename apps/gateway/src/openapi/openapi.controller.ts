import { Controller, Get, Header, Inject, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../common/tokens';
import { ApiDoc } from './api-doc.decorator';
import { DOCS_HTML } from './docs.page';
import { buildOpenApi } from './openapi.document';

export const API_VERSION = '1.0.0';

/**
 * `GET /v1/openapi.json`, generated once at start-up from every controller NestJS registered (routes from its
 * routing metadata, schemas from the zod schemas that validate the requests), and `/docs` to browse it.
 */
@Controller()
export class OpenApiController implements OnApplicationBootstrap {
  private document: unknown = null;

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const controllers = this.discovery
      .getControllers()
      .map((wrapper) => wrapper.metatype)
      .filter((metatype): metatype is NonNullable<typeof metatype> => typeof metatype === 'function');
    this.document = buildOpenApi(controllers as never, { version: API_VERSION, serverUrl: this.config.PUBLIC_BASE_URL });
  }

  @Get('v1/openapi.json')
  @ApiDoc({ summary: 'This document', tags: ['Documentation'], auth: 'none', responses: { 200: { description: 'OpenAPI 3.1' } } })
  openapi(): unknown {
    return this.document;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
  @ApiDoc({
    summary: 'Browsable API documentation',
    tags: ['Documentation'],
    auth: 'none',
    responses: { 200: { description: 'HTML', contentType: 'text/html' } },
  })
  docs(): string {
    return DOCS_HTML;
  }
}
