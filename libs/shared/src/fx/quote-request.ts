import { z } from 'zod';
import { asCurrency } from '../money/currency';
import { AmountParseError, parseAmount } from '../money/money';
import { currencySchema, participantIdSchema } from '../messages/schemas';

/** API.md `POST /v1/quotes` body: exactly one of sendAmount / receiveAmount, digits within the currency's minor units. */
export const quoteRequestSchema = z
  .strictObject({
    sourceCurrency: currencySchema,
    targetCurrency: currencySchema,
    sendAmount: z.string().optional(),
    receiveAmount: z.string().optional(),
    creditorParticipant: participantIdSchema,
  })
  .superRefine((body, ctx) => {
    if ((body.sendAmount === undefined) === (body.receiveAmount === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['sendAmount'], message: 'give exactly one of sendAmount and receiveAmount' });
      return;
    }
    const [field, currency] =
      body.sendAmount !== undefined ? (['sendAmount', body.sourceCurrency] as const) : (['receiveAmount', body.targetCurrency] as const);
    try {
      if (parseAmount(body[field], asCurrency(currency)) <= 0n) ctx.addIssue({ code: 'custom', path: [field], message: 'amount must be positive' });
    } catch (error) {
      if (error instanceof AmountParseError) ctx.addIssue({ code: 'custom', path: [field], message: error.message });
      else if (!(error instanceof RangeError)) throw error;
    }
  });
export type QuoteRequest = z.infer<typeof quoteRequestSchema>;
