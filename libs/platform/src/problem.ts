import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ZodError, z } from 'zod';
import { Logger } from './logger';

export interface FieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem with a stable machine code (API.md, Conventions). Thrown by transports, never by domain code. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }
}

/** The RFC 9457 body of a problem, as every service sends it (and the gateway stores it for idempotent replay). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export function problemBody(problem: ProblemError): ProblemDocument {
  return {
    type: `https://nostro.dev/problems/${problem.code}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail ?? problem.title,
    code: problem.code,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
}

export function validationProblem(errors: FieldError[], detail = 'the request is not valid'): ProblemError {
  return new ProblemError(400, 'validation_failed', 'Validation failed', detail, errors);
}

export function zodFieldErrors(error: ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.') || '(body)',
    message: issue.message,
  }));
}

/** Parses `value` with `schema` or throws a 400 validation_failed problem naming every offending field. */
export function parseOrProblem<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(zodFieldErrors(result.error, prefix));
  return result.data;
}

const FRAMEWORK_CODES: Record<number, [string, string]> = {
  400: ['validation_failed', 'Validation failed'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not_found', 'Not found'],
  405: ['method_not_allowed', 'Method not allowed'],
  413: ['payload_too_large', 'Payload too large'],
  415: ['unsupported_media_type', 'Unsupported media type'],
  429: ['rate_limited', 'Too many requests'],
};

/** Maps every error to application/problem+json; unknown errors become a logged 500 without internals. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(exception);
    for (const [name, value] of Object.entries(problem.headers ?? {})) void reply.header(name, value);
    void reply.status(problem.status).header('content-type', 'application/problem+json').send(problemBody(problem));
  }

  private toProblem(exception: unknown): ProblemError {
    if (exception instanceof ProblemError) return exception;
    const status = statusOf(exception);
    if (status !== null && status < 500) {
      const [code, title] = FRAMEWORK_CODES[status] ?? ['bad_request', 'Bad request'];
      const detail = exception instanceof Error ? exception.message : undefined;
      return new ProblemError(status, code, title, detail);
    }
    this.log.error({ err: exception }, 'unhandled error');
    return new ProblemError(500, 'internal_error', 'Internal error', 'an unexpected error occurred; it has been logged');
  }
}

function statusOf(exception: unknown): number | null {
  if (exception instanceof HttpException) return exception.getStatus();
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' ? statusCode : null;
}
