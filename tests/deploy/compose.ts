/**
 * Offline checks for docker-compose.yml: the Compose specification's JSON schema (the copy shipped by the
 * maintained `dclint` package, validated with ajv), variable interpolation as Compose does it, and the
 * security and ordering rules the cluster relies on.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { imagePinProblem, variablesFor, type EnvTable } from './policy';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Json {
  return isObject(value) ? value : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

let compiled: ValidateFunction | undefined;

/** The Compose specification schema (draft-07) as shipped by dclint, compiled once. */
export function composeSchemaValidator(): ValidateFunction {
  if (compiled) return compiled;
  const packageJson = require.resolve('dclint/package.json');
  const schemaPath = path.join(path.dirname(packageJson), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Json;
  delete schema.$schema; // draft-07, Ajv's default; the https spelling of its id is not registered in Ajv
  const ajv = new Ajv({ allErrors: true, strict: false });
  compiled = ajv.compile(schema);
  return compiled;
}

export function validateComposeSchema(doc: unknown): string[] {
  const validate = composeSchemaValidator();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((error) => `compose${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`.trim());
}

/** Parses a Compose file as Compose does: YAML 1.1 merge keys (`<<`) resolved. */
export function parseCompose(text: string): unknown {
  return parseYaml(text, { merge: true, maxAliasCount: -1 });
}

/** Reads KEY=VALUE lines (comments and blanks ignored), as `docker compose --env-file` does for simple files. */
export function parseEnvFile(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`env file: not KEY=VALUE: ${trimmed}`);
    env.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
  }
  return env;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((item) => strings(item, out));
  else if (isObject(value)) Object.values(value).forEach((item) => strings(item, out));
  return out;
}

/** Variables a parsed Compose file requires (`${NAME:?message}` or `${NAME?message}`); comments do not count. */
export function requiredVariables(doc: unknown): Set<string> {
  const names = new Set<string>();
  for (const value of strings(doc)) {
    for (const match of value.matchAll(VARIABLE)) {
      if (match[1] && match[2]?.endsWith('?')) names.add(match[1]);
    }
  }
  return names;
}

/** Every variable a parsed Compose file references. */
export function referencedVariables(doc: unknown): Set<string> {
  const names = new Set<string>();
  for (const value of strings(doc)) {
    for (const match of value.matchAll(VARIABLE)) {
      const name = match[1] ?? match[4];
      if (name) names.add(name);
    }
  }
  return names;
}

/** Compose-style interpolation of one string; a missing required variable throws. */
export function interpolate(value: string, env: Map<string, string>): string {
  return value.replace(VARIABLE, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    const current = env.get(name);
    const colon = operator !== undefined && operator.startsWith(':');
    const unsetOrEmpty = current === undefined || (colon && current === '');
    if (operator?.endsWith('-')) return unsetOrEmpty ? interpolate(argument ?? '', env) : (current ?? '');
    if (operator?.endsWith('?')) {
      if (unsetOrEmpty) throw new Error(`required variable ${name} is not set: ${argument ?? ''}`);
      return current ?? '';
    }
    return current ?? '';
  });
}

export function interpolateDeep(value: unknown, env: Map<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, env));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, interpolateDeep(entry, env)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Policy

export const COMPOSE_APP_SERVICES: Record<string, string> = {
  gateway: 'gateway',
  'fx-quote': 'fx-quote',
  settlement: 'settlement',
  'ledger-v0': 'ledger-node',
  'ledger-v1': 'ledger-node',
  'ledger-v2': 'ledger-node',
};

function environmentOf(service: Json): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map(String).map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(asObject(env)).map(([key, value]) => [key, String(value)]));
}

function dependencies(service: Json): Map<string, string> {
  const deps = service.depends_on;
  if (Array.isArray(deps)) return new Map(deps.map((name) => [String(name), 'service_started']));
  return new Map(Object.entries(asObject(deps)).map(([name, spec]) => [name, String(asObject(spec).condition)]));
}

/** The app a service runs: the app part of `node dist/apps/<app>/src/main.js`, or undefined. */
export function appOfService(service: Json): string | undefined {
  const command = asArray(service.command).map(String).join(' ');
  return /dist\/apps\/([a-z-]+)\/src\/main\.js/.exec(command)?.[1];
}

function isOneShot(service: Json): boolean {
  return service.restart === 'no' || service.restart === false;
}

const SECRET_NAME = /(PASSWORD|TOKEN|SECRET|_KEY)$/;

/** Rules for the Compose file (parsed with merge keys, before interpolation). */
export function checkComposePolicy(doc: unknown, table: EnvTable): string[] {
  const findings: string[] = [];
  const services = asObject(asObject(doc).services);
  const topSecrets = asObject(asObject(doc).secrets);
  for (const [name, value] of Object.entries(services)) {
    const service = asObject(value);
    const where = `service ${name}`;
    const pin = imagePinProblem(String(service.image ?? '').replace(/\$\{[^}]*:-([^}]*)\}/g, '$1'));
    if (pin) findings.push(`${where}: ${pin}`);

    const app = appOfService(service);
    if (app) {
      const user = String(service.user ?? '');
      if (!/^[1-9]\d*(:\d+)?$/.test(user)) findings.push(`${where}: user is not a numeric non-root uid`);
      if (service.read_only !== true) findings.push(`${where}: read_only is not true`);
      if (!asArray(service.cap_drop).includes('ALL')) findings.push(`${where}: does not drop ALL capabilities`);
      if (!asArray(service.security_opt).some((opt) => /^no-new-privileges(:true)?$/.test(String(opt)))) {
        findings.push(`${where}: no-new-privileges is not set`);
      }
      if (!asArray(service.tmpfs).some((entry) => String(entry).split(':')[0] === '/tmp')) {
        findings.push(`${where}: no tmpfs on /tmp`);
      }
      const env = environmentOf(service);
      const allowed = variablesFor(table, app);
      for (const key of Object.keys(env)) {
        if (!allowed.has(key)) findings.push(`${where}: ${key} is not a variable ${app} reads (docs/architecture.md)`);
      }
      if (!isOneShot(service)) {
        for (const key of allowed) {
          if (!(key in env)) findings.push(`${where}: ${key} is not set`);
        }
      }
      for (const secret of asArray(service.secrets)) {
        const source = isObject(secret) ? String(secret.source) : String(secret);
        if (!(source in topSecrets)) findings.push(`${where}: secret ${source} is not declared`);
      }
    }

    // No literal secret in the file: secret-looking values and URL passwords come from variables or files.
    for (const [key, envValue] of Object.entries(environmentOf(service))) {
      if (SECRET_NAME.test(key) && !key.endsWith('_PUBLIC_KEY') && envValue !== '' && !envValue.includes('${')) {
        findings.push(`${where}: ${key} has a literal value`);
      }
      const password = /^[a-z+]+:\/\/[^:/@]*:([^@]*)@/.exec(envValue)?.[1];
      if (password !== undefined && !password.startsWith('${')) findings.push(`${where}: ${key} has a literal password`);
    }

    const hasHealthcheck = isObject(service.healthcheck) && asObject(service.healthcheck).disable !== true;
    if (!isOneShot(service) && !hasHealthcheck) findings.push(`${where}: long-running service without a healthcheck`);

    if (service.ports !== undefined && name !== 'gateway') findings.push(`${where}: publishes ports (only the gateway may)`);

    for (const [dependency, condition] of dependencies(service)) {
      const target = asObject(services[dependency]);
      if (!(dependency in services)) {
        findings.push(`${where}: depends on unknown service ${dependency}`);
        continue;
      }
      if (condition === 'service_healthy' && !isObject(target.healthcheck)) {
        findings.push(`${where}: waits for ${dependency} to be healthy, which has no healthcheck`);
      }
      if (condition === 'service_completed_successfully' && !isOneShot(target)) {
        findings.push(`${where}: waits for ${dependency} to complete, which is not a one-shot job`);
      }
      if (condition !== 'service_completed_successfully' && isOneShot(target)) {
        findings.push(`${where}: depends on one-shot ${dependency} without service_completed_successfully`);
      }
    }
  }
  for (const [name, value] of Object.entries(topSecrets)) {
    if (typeof asObject(value).file !== 'string') findings.push(`secret ${name}: not read from a file`);
  }
  return findings;
}
