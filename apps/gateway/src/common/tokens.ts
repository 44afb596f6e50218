export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const REDIS = Symbol('REDIS');
export const LOGGER = Symbol('LOGGER');
export const POOL = Symbol('POOL');
