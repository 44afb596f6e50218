import { z } from 'zod';
import { ConfigError, baseConfigShape, loadConfig } from './config';
import { DEFAULT_SESSION_TIMEOUT_MS, sessionSettings } from './kafka-pg.transport';

const schema = z.object(baseConfigShape);
const env = { DATABASE_URL: 'postgres://root@127.0.0.1:5432/x' };

describe('KAFKA_SESSION_TIMEOUT_MS', () => {
  it('defaults to 10 s, the transport default, and takes a value Kafka accepts', () => {
    expect(loadConfig(schema, env).KAFKA_SESSION_TIMEOUT_MS).toBe(10_000);
    expect(DEFAULT_SESSION_TIMEOUT_MS).toBe(10_000);
    expect(loadConfig(schema, { ...env, KAFKA_SESSION_TIMEOUT_MS: '45000' }).KAFKA_SESSION_TIMEOUT_MS).toBe(45_000);
  });

  it('refuses what the broker would refuse (below 6 s), more than 5 minutes and non-integers, naming the variable', () => {
    for (const bad of ['5999', '300001', '10s', '7500.5']) {
      expect(() => loadConfig(schema, { ...env, KAFKA_SESSION_TIMEOUT_MS: bad })).toThrow(ConfigError);
      expect(() => loadConfig(schema, { ...env, KAFKA_SESSION_TIMEOUT_MS: bad })).toThrow(/KAFKA_SESSION_TIMEOUT_MS/);
    }
  });

  it('heartbeats at a third of the session, at most 3 s apart (the kafkajs default)', () => {
    expect(sessionSettings()).toEqual({ sessionTimeout: 10_000, heartbeatInterval: 3_000 });
    expect(sessionSettings(6_000)).toEqual({ sessionTimeout: 6_000, heartbeatInterval: 2_000 });
    expect(sessionSettings(30_000)).toEqual({ sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  });
});
