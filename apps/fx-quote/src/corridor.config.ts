import { ConfigError } from '@nostro/platform';
import { CorridorConfigError, CorridorTable } from '@nostro/shared';
import fs from 'node:fs';

/** Reads FX_CORRIDORS_FILE once at start-up; any problem stops start-up with one line naming the corridor. */
export function loadCorridors(path: string): CorridorTable {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`invalid configuration: FX_CORRIDORS_FILE: cannot read ${path} (${(error as Error).message})`);
  }
  try {
    return CorridorTable.fromFile(json);
  } catch (error) {
    if (error instanceof CorridorConfigError) throw new ConfigError(`invalid configuration: FX_CORRIDORS_FILE: ${error.message}`);
    throw error;
  }
}
