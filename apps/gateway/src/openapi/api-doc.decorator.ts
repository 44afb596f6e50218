import { SetMetadata } from '@nestjs/common';
import type { DecisionRefusal } from '@nostro/shared';
import { z } from 'zod';
import type { GatewayErrorCode } from '../http/gateway.errors';

/** Codes raised outside the gateway (fx-quote, the ledger) that it passes to the bank unchanged. */
export type ForeignProblemCode =
  'quote_expired' | 'quote_already_used' | 'quote_not_found' | 'rate_stale' | 'insufficient_liquidity' | 'insufficient_funds' | 'limit_below_balance';

/** Every code a route may document: each has an HTTP status in one of the gateway's tables, or it does not compile. */
export type ProblemCode = GatewayErrorCode | DecisionRefusal | ForeignProblemCode;

/** How a route is authenticated (API.md): a bank's HTTP message signature, an operator token, or nothing. */
export type ApiAuth = 'bank' | 'operator' | 'none';

export interface ApiResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  /** Other representations of the same answer, by media type (content negotiation with `Accept`). */
  alternatives?: Record<string, z.ZodType>;
}

/** What the OpenAPI document says about one route, next to the route itself so they cannot drift apart. */
export interface ApiDocSpec {
  summary: string;
  description?: string;
  tags: string[];
  auth: ApiAuth;
  body?: z.ZodType;
  /** Defaults to application/json. */
  bodyContentType?: string;
  query?: z.ZodType;
  responses: Record<number, ApiResponseDoc>;
  /** Problem codes this route can answer, beyond the authentication ones. */
  problems?: ProblemCode[];
  idempotency?: 'required' | 'honoured';
}

export const API_DOC = 'nostro:api-doc';

/** Documents a route for `GET /v1/openapi.json`. */
export const ApiDoc = (spec: ApiDocSpec) => SetMetadata(API_DOC, spec);

/** The usual `responses` of a read: 200 with this body. */
export const ok = (description: string, schema: z.ZodType) => ({ 200: { description, schema } });
