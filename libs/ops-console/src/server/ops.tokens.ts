/** Dependency-injection token of the console's configuration (ops.config.ts). */
export const OPS_CONFIG = Symbol('OPS_CONFIG');
