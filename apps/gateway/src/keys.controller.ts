import { Controller, Get, Inject } from '@nestjs/common';
import { base64UrlEncode, publicKeyFromSeed } from '@nostro/shared';
import { GatewayConfig } from './config';
import { GATEWAY_CONFIG } from './tokens';

/** `GET /v1/keys`: the keys a bank needs to verify webhooks and finality proofs offline. No authentication. */
@Controller('v1/keys')
export class KeysController {
  private readonly body: unknown;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.body = {
      network: { keyid: 'nostro', publicKey: base64UrlEncode(publicKeyFromSeed(Buffer.from(config.networkSeed, 'base64url'))) },
      validators: config.VALIDATOR_PUBLIC_KEYS.map((v) => ({ id: v.id, publicKey: v.publicKey })),
      quorum: config.LEDGER_QUORUM,
    };
  }

  @Get()
  keys(): unknown {
    return this.body;
  }
}
