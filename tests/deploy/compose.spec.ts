/**
 * (3) docker-compose.yml validates against the Compose specification JSON schema (as written, and after
 * interpolation with deploy/compose.env.example), and follows the cluster's rules. (5) The checks can fail.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkComposePolicy, interpolateDeep, parseCompose, parseEnvFile, referencedVariables, requiredVariables, validateComposeSchema } from './compose';
import { parseArchitectureEnv, type EnvTable } from './policy';
import { clone, readRepoFile } from './render';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let text: string;
let doc: Json;
let exampleEnv: Map<string, string>;
let table: EnvTable;
beforeAll(() => {
  text = readRepoFile('docker-compose.yml');
  doc = parseCompose(text) as Json;
  exampleEnv = parseEnvFile(readRepoFile('deploy/compose.env.example'));
  table = parseArchitectureEnv(readRepoFile('docs/architecture.md'));
});

describe('docker-compose.yml', () => {
  it('validates against the Compose specification schema as written', () => {
    expect(validateComposeSchema(doc)).toEqual([]);
  });

  it('validates after interpolation with deploy/compose.env.example, which sets every required variable', () => {
    const missing = [...requiredVariables(doc)].filter((name) => !exampleEnv.has(name));
    expect(missing).toEqual([]);
    const undocumented = [...referencedVariables(doc)].filter((name) => !exampleEnv.has(name));
    expect(undocumented).toEqual([]);
    expect(validateComposeSchema(interpolateDeep(doc, exampleEnv))).toEqual([]);
  });

  it('refuses to start without the secrets: required variables fail interpolation', () => {
    const withoutPassword = new Map(exampleEnv);
    withoutPassword.delete('POSTGRES_PASSWORD');
    expect(() => interpolateDeep(doc, withoutPassword)).toThrow(/POSTGRES_PASSWORD/);
  });

  it('follows the policy: non-root, read-only, healthchecks, ordered start, no literal secret, one published port', () => {
    expect(checkComposePolicy(doc, table)).toEqual([]);
  });

  it('runs every piece of the cluster', () => {
    expect(Object.keys(doc.services).sort()).toEqual(
      [
        'kafka',
        'kafka-topics',
        'postgres',
        'redis',
        'gateway-migrate',
        'fx-quote-migrate',
        'settlement-migrate',
        'ledger-v0-migrate',
        'ledger-v1-migrate',
        'ledger-v2-migrate',
        'ledger-v0',
        'ledger-v1',
        'ledger-v2',
        'fx-quote',
        'settlement',
        'gateway',
      ].sort(),
    );
    expect(doc.services.kafka.image).toBe('apache/kafka:3.9.1');
    expect(doc.services['kafka-topics'].image).toBe('apache/kafka:3.9.1');
    expect(doc.services.gateway.ports).toEqual(['${NOSTRO_BIND_ADDRESS:-127.0.0.1}:${NOSTRO_GATEWAY_PORT:-3000}:3000']);
  });

  it('gives each service and validator its own database, created by the postgres init script', () => {
    const sql = readRepoFile('deploy/postgres/10-create-databases.sql');
    const created = [...sql.matchAll(/^CREATE DATABASE (\w+);/gm)].map((m) => m[1]).sort();
    expect(created).toEqual(['nostro_fx', 'nostro_gateway', 'nostro_ledger_0', 'nostro_ledger_1', 'nostro_ledger_2', 'nostro_settlement'].sort());
    const databaseOf = (service: string) => /\/(\w+)$/.exec(String(doc.services[service].environment.DATABASE_URL))?.[1];
    expect(databaseOf('gateway')).toBe('nostro_gateway');
    expect(databaseOf('fx-quote')).toBe('nostro_fx');
    expect(databaseOf('settlement')).toBe('nostro_settlement');
    for (const index of [0, 1, 2]) {
      for (const service of [`ledger-v${index}`, `ledger-v${index}-migrate`]) {
        expect(databaseOf(service)).toBe(`nostro_ledger_${index}`);
        expect(doc.services[service].environment.VALIDATOR_ID).toBe(`v${index}`);
        expect(doc.services[service].secrets).toEqual([{ source: `validator_v${index}_key`, target: 'validator_key' }]);
      }
    }
    const volumes: string[] = doc.services.postgres.volumes;
    expect(volumes).toContain('./deploy/postgres/10-create-databases.sql:/docker-entrypoint-initdb.d/10-create-databases.sql:ro');
  });

  it('reads keys and the admin token from files under NOSTRO_SECRETS_DIR, and mounts the shared topic script', () => {
    const files = Object.fromEntries(Object.entries(doc.secrets as Json).map(([name, value]) => [name, value.file]));
    expect(files).toEqual({
      network_key: '${NOSTRO_SECRETS_DIR:-./.nostro}/keys/network.key',
      fx_key: '${NOSTRO_SECRETS_DIR:-./.nostro}/keys/fx.key',
      validator_v0_key: '${NOSTRO_SECRETS_DIR:-./.nostro}/keys/v0.key',
      validator_v1_key: '${NOSTRO_SECRETS_DIR:-./.nostro}/keys/v1.key',
      validator_v2_key: '${NOSTRO_SECRETS_DIR:-./.nostro}/keys/v2.key',
      admin_token: '${NOSTRO_SECRETS_DIR:-./.nostro}/admin-token',
      pii_kek: '${NOSTRO_SECRETS_DIR:-./.nostro}/keys/pii-kek',
    });
    const script = String(doc.services['kafka-topics'].volumes[0]).split(':')[0];
    expect(readFileSync(path.join(__dirname, '..', '..', script), 'utf8')).toContain('kafka-topics.sh');
  });

  it('the example env file holds placeholders only', () => {
    expect(exampleEnv.get('POSTGRES_PASSWORD')).toMatch(/change-me/);
    expect(exampleEnv.get('VALIDATOR_PUBLIC_KEYS')).toMatch(/REPLACE_WITH/);
    expect(exampleEnv.get('FX_PUBLIC_KEY')).toMatch(/REPLACE_WITH/);
  });
});

describe('docker-compose.yml: the checks can fail', () => {
  it('the schema reports unknown keys and bad values', () => {
    const broken = clone(doc);
    broken.services.gateway.restart_policy = 'always';
    broken.services.settlement.depends_on['settlement-migrate'].condition = 'service_done';
    const findings = validateComposeSchema(broken).join('\n');
    expect(findings).toMatch(/\/services\/gateway must NOT have additional properties.*restart_policy/);
    expect(findings).toMatch(/\/services\/settlement\/depends_on\/settlement-migrate\/condition must be equal to one of the allowed values/);
  });

  it('the schema reports the broken fixture file', () => {
    const fixture = parseCompose(readFileSync(path.join(__dirname, 'fixtures', 'broken-compose.yml'), 'utf8'));
    const findings = validateComposeSchema(fixture).join('\n');
    expect(findings).toMatch(/\/services\/app must NOT have additional properties.*healthchek/);
    expect(findings).toMatch(/\/services\/app\/ports/);
  });

  it('the policy reports a writable root, a root user, a missing healthcheck, a literal secret and bad ordering', () => {
    const broken = clone(doc);
    delete broken.services.gateway.read_only;
    broken.services['fx-quote'].user = '0:0';
    delete broken.services['ledger-v0'].healthcheck;
    broken.services.settlement.environment.DATABASE_URL = 'postgres://nostro:hunter2@postgres:5432/nostro_settlement';
    broken.services.settlement.depends_on.redis = { condition: 'service_completed_successfully' };
    broken.services.settlement.depends_on.nowhere = { condition: 'service_started' };
    broken.services.redis.ports = ['6379:6379'];
    broken.services.gateway.environment.REDIS_HOST = 'redis';
    expect(checkComposePolicy(broken, table).sort()).toEqual(
      [
        'service gateway: read_only is not true',
        'service gateway: REDIS_HOST is not a variable gateway reads (docs/architecture.md)',
        'service fx-quote: user is not a numeric non-root uid',
        'service ledger-v0: long-running service without a healthcheck',
        'service gateway: waits for ledger-v0 to be healthy, which has no healthcheck',
        'service settlement: DATABASE_URL has a literal password',
        'service settlement: waits for redis to complete, which is not a one-shot job',
        'service settlement: depends on unknown service nowhere',
        'service redis: publishes ports (only the gateway may)',
      ].sort(),
    );
  });
});
