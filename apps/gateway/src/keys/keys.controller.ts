import { Controller, Get, Inject } from '@nestjs/common';
import { base64UrlEncode, publicKeyFromSeed } from '@nostro/shared-node';
import { GatewayConfig } from '../config';
import { keysSchema } from '../http/api.schemas';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { GATEWAY_CONFIG } from '../common/tokens';

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
  @ApiDoc({
    summary: 'Network and validator public keys',
    description: 'Verify webhooks (keyid "nostro") and finality proofs (validators, quorum) with these. Raw 32 bytes, base64url.',
    tags: ['Keys'],
    auth: 'none',
    responses: { 200: { description: 'The keys', schema: keysSchema } },
  })
  keys(): unknown {
    return this.body;
  }
}
