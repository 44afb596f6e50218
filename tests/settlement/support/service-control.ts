#!/usr/bin/env node
// Stops, kills and (re)starts one service of the test cluster (NOSTRO_TEST_SLOT), with the environment
// scripts/lib/stack.mjs gives it plus optional overrides. The settlement tests call it through child_process,
// because Jest's CommonJS runtime cannot import stack.mjs. The pid file is kept where stack.mjs looks for it, so
// the global teardown stops a service this script started.
//
//   node tests/settlement/support/service-control.mjs <stop|kill|start|restart> <service> [NAME=value ...]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_NODE_ARGS, ensureSecrets, runningPid, services, stackProfile, stopService } from '../../../scripts/lib/stack.mjs';

const [command, name, ...assignments] = process.argv.slice(2);
const usage = 'usage: service-control.mjs <stop|kill|start|restart> <service> [NAME=value ...]';
if (!['stop', 'kill', 'start', 'restart'].includes(command) || !name) {
  console.error(usage);
  process.exit(2);
}

const profile = stackProfile('test');
const svc = services(profile, ensureSecrets(profile)).find((s) => s.name === name);
if (!svc) {
  console.error(`no service ${name} in the test cluster`);
  process.exit(2);
}
const overrides = Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));

function start() {
  const pidFile = path.join(profile.stateDir, 'run', `${svc.name}.pid`);
  const logFile = path.join(profile.stateDir, 'logs', `${svc.name}.log`);
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...SERVICE_NODE_ARGS, svc.entry], { env: { ...process.env, ...svc.env, ...overrides }, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(pidFile, String(child.pid));
  return child.pid;
}

let pid = null;
if (command === 'stop' || command === 'restart') await stopService(profile, svc, 'SIGTERM');
if (command === 'kill') await stopService(profile, svc, 'SIGKILL');
if (command === 'start' || command === 'restart') pid = runningPid(profile, svc) ?? start();
process.stdout.write(`${JSON.stringify({ service: svc.name, port: svc.port, pid })}\n`);
