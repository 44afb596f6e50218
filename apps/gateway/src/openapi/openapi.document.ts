import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { PERMISSION_METADATA } from '@nostro/platform';
import { PERMISSIONS, Permission } from '@nostro/shared';
import { z } from 'zod';
import { REFUSAL_HTTP } from '../admin/admin-payments.service';
import { GATEWAY_ERROR_HTTP } from '../http/gateway.errors';
import { problemSchema } from '../http/api.schemas';
import { API_DOC, ApiDocSpec, ForeignProblemCode, ProblemCode } from './api-doc.decorator';

type Json = Record<string, unknown>;
type Controller = abstract new (...args: never[]) => unknown;

/** One HTTP route found on a controller: method, OpenAPI path, and its documentation (if any). */
export interface Route {
  method: string;
  path: string;
  doc: ApiDocSpec | undefined;
  handler: string;
  controller: string;
  /** What an operator needs (`@Requires`; `read` when the route names none). */
  permission: Permission | undefined;
}

const AUTH_PROBLEMS: Record<ApiDocSpec['auth'], ProblemCode[]> = {
  bank: [
    'signature_missing',
    'signature_invalid',
    'key_unknown',
    'digest_mismatch',
    'signature_expired',
    'signature_replayed',
    'participant_suspended',
    'rate_limited',
  ],
  operator: ['unauthorized', 'forbidden'],
  none: [],
};

/** Problems every route may answer whatever it does. */
const COMMON_PROBLEMS: ProblemCode[] = ['service_unavailable'];
/** Problem codes raised outside the gateway (fx-quote, settlement, the ledger) with the status the gateway answers. */
const FOREIGN_STATUS: Record<ForeignProblemCode, number> = {
  quote_expired: 409,
  quote_already_used: 409,
  quote_not_found: 404,
  rate_stale: 422,
  insufficient_liquidity: 422,
  insufficient_funds: 422,
  // the ledger's refusal of new limits, answered 422 by the limits endpoint
  limit_below_balance: 422,
};

/** The HTTP status of a problem code, or undefined for a code nothing maps (a documentation defect). */
export function problemStatus(code: string): number | undefined {
  return (
    (GATEWAY_ERROR_HTTP as Record<string, { status: number } | undefined>)[code]?.status ??
    (REFUSAL_HTTP as Record<string, { status: number } | undefined>)[code]?.status ??
    (FOREIGN_STATUS as Record<string, number | undefined>)[code]
  );
}

function joinPath(base: string, sub: string): string {
  const parts = [base, sub].flatMap((p) => p.split('/')).filter((p) => p !== '');
  return '/' + parts.map((p) => (p.startsWith(':') ? `{${p.slice(1)}}` : p)).join('/');
}

/** Every route of `controllers`, read from NestJS's own routing metadata: the document cannot omit one. */
export function routesOf(controllers: readonly Controller[]): Route[] {
  const routes: Route[] = [];
  for (const controller of controllers) {
    const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined) ?? '';
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (sub === undefined || method === undefined) continue;
      for (const b of [base].flat()) {
        for (const s of [sub].flat()) {
          routes.push({
            method: RequestMethod[method].toLowerCase(),
            path: joinPath(b, s),
            doc: Reflect.getMetadata(API_DOC, handler) as ApiDocSpec | undefined,
            handler: name,
            controller: controller.name,
            permission: Reflect.getMetadata(PERMISSION_METADATA, handler) as Permission | undefined,
          });
        }
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  return rest;
}

function queryParameters(schema: z.ZodType | undefined): Json[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
}

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: name === 'uetr' ? { type: 'string', format: 'uuid' } : { type: 'string' },
  }));
}

function problemResponses(codes: readonly string[]): Record<string, Json> {
  const byStatus = new Map<number, string[]>();
  for (const code of new Set(codes)) {
    const status = problemStatus(code);
    if (status === undefined) throw new Error(`problem code ${code} has no HTTP status: add it to GATEWAY_ERROR_HTTP or FOREIGN_STATUS`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      { description: `Problem: ${list.join(', ')}`, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    ]),
  );
}

/** Routes of the shared platform module, documented here because they carry no ApiDoc. */
const PLATFORM_DOCS: Record<string, ApiDocSpec> = {
  '/health/live': { summary: 'Liveness: the process runs', tags: ['Operations'], auth: 'none', responses: { 200: { description: 'Alive' } } },
  '/health/ready': {
    summary: 'Readiness: Postgres, Redis and Kafka answer',
    tags: ['Operations'],
    auth: 'none',
    responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready, with the failing checks' } },
  },
  '/metrics': {
    summary: 'Prometheus metrics',
    tags: ['Operations'],
    auth: 'none',
    responses: { 200: { description: 'Text exposition format', contentType: 'text/plain' } },
  },
};

function operation(route: Route): Json {
  const doc = route.doc ?? PLATFORM_DOCS[route.path];
  if (!doc)
    return {
      summary: `${route.controller}.${route.handler}`,
      tags: ['Other'],
      parameters: pathParameters(route.path),
      responses: { default: { description: 'Undocumented' } },
    };
  const headers = doc.idempotency
    ? [{ name: 'Idempotency-Key', in: 'header', required: doc.idempotency === 'required', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,255}$' } }]
    : [];
  const responses: Record<string, Json> = problemResponses([
    ...AUTH_PROBLEMS[doc.auth],
    ...COMMON_PROBLEMS,
    ...(doc.problems ?? []),
    ...(doc.body ? ['validation_failed', 'payload_too_large', 'unsupported_media_type'] : []),
  ]);
  for (const [status, r] of Object.entries(doc.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.schema
        ? {
            content: {
              [r.contentType ?? 'application/json']: { schema: jsonSchema(r.schema, 'output') },
              ...Object.fromEntries(Object.entries(r.alternatives ?? {}).map(([type, schema]) => [type, { schema: jsonSchema(schema, 'output') }])),
            },
          }
        : {}),
    };
  }
  const permission = route.permission ?? 'read';
  const roles = doc.auth === 'operator' ? [...PERMISSIONS[permission]] : undefined;
  const security = doc.auth === 'bank' ? [{ httpMessageSignature: [] }] : doc.auth === 'operator' ? [{ operatorToken: roles }] : [];
  return {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(roles ? { 'x-permission': permission, 'x-roles': roles } : {}),
    operationId: `${route.controller.replace(/Controller$/, '')}_${route.handler}`,
    tags: doc.tags,
    security,
    parameters: [...pathParameters(route.path), ...queryParameters(doc.query), ...headers],
    ...(doc.body
      ? { requestBody: { required: true, content: { [doc.bodyContentType ?? 'application/json']: { schema: jsonSchema(doc.body, 'input') } } } }
      : {}),
    responses,
  };
}

/** The ops console's own routes (its UI and the session-authenticated API behind it) are not part of the bank API. */
export const EXCLUDED_PREFIXES = ['/ops'];

const excluded = (path: string): boolean => EXCLUDED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

/** The OpenAPI 3.1 document of the given controllers (schemas are JSON Schema 2020-12, from the zod schemas). */
export function buildOpenApi(controllers: readonly Controller[], info: { version: string; serverUrl: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routesOf(controllers).filter((r) => !excluded(r.path))) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Nostro gateway API',
      version: info.version,
      description:
        'The bank-facing API of the Nostro settlement network (API.md). Bank requests carry an RFC 9421 HTTP message signature ' +
        '(Ed25519, covering @method, @target-uri, content-digest and idempotency-key); operator requests a bearer token. ' +
        'Errors are RFC 9457 problems with a stable `code`.',
    },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
      securitySchemes: {
        httpMessageSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Signature',
          description:
            'RFC 9421: Signature-Input sig1=("@method" "@target-uri" "content-digest" "idempotency-key");created;keyid;alg="ed25519", with Content-Digest (RFC 9530) on bodies.',
        },
        operatorToken: { type: 'http', scheme: 'bearer', description: 'Operator token from POST /v1/admin/operators (roles viewer, approver, admin).' },
      },
    },
  };
}
