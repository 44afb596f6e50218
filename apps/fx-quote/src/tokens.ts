export const FX_LOGGER = Symbol('FX_LOGGER');
