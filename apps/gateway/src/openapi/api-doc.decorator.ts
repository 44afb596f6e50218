import { SetMetadata } from '@nestjs/common';
import { z } from 'zod';

/** How a route is authenticated (API.md): a bank's HTTP message signature, an operator token, or nothing. */
export type ApiAuth = 'bank' | 'operator' | 'none';

export interface ApiResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

/** What the OpenAPI document says about one route, next to the route itself so they cannot drift apart. */
export interface ApiDocSpec {
  summary: string;
  description?: string;
  tags: string[];
  auth: ApiAuth;
  body?: z.ZodType;
  query?: z.ZodType;
  responses: Record<number, ApiResponseDoc>;
  /** Problem codes this route can answer, beyond the authentication ones. */
  problems?: string[];
  idempotency?: 'required' | 'honoured';
}

export const API_DOC = 'nostro:api-doc';

/** Documents a route for `GET /v1/openapi.json`. */
export const ApiDoc = (spec: ApiDocSpec) => SetMetadata(API_DOC, spec);
