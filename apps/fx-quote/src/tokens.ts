export const FX_LOGGER = Symbol('FX_LOGGER');
export const FX_RATES = Symbol('FX_RATES');
export const FX_CURRENCIES = Symbol('FX_CURRENCIES');
