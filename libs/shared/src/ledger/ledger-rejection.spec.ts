import { RejectReason } from '../payment/payment-status';
import { LedgerRejection } from './ledger-rejection';

describe('LedgerRejection', () => {
  it('keeps the wire codes that blocks, settlement and the banks already carry', () => {
    expect(LedgerRejection).toEqual({
      NOT_AFTER_PASSED: 'not_after_passed',
      ACCOUNT_UNKNOWN: 'account_unknown',
      PARTICIPANT_SUSPENDED: 'participant_suspended',
      ZERO_POSTING: 'zero_posting',
      UNBALANCED: 'unbalanced',
      INSUFFICIENT_FUNDS: 'insufficient_funds',
      LIMIT_EXCEEDED: 'limit_exceeded',
      LIMIT_BELOW_BALANCE: 'limit_below_balance',
      PARTICIPANT_REQUIRED: 'participant_required',
      QUEUE_TIMEOUT: 'queue_timeout',
      CANCELLED: 'cancelled',
      CONDITION_INVALID: 'condition_invalid',
      CONDITION_NOT_MET: 'condition_not_met',
      CONDITION_EXPIRED: 'condition_expired',
    });
  });

  it('is where the payment reasons that come from the ledger take their codes', () => {
    expect([
      RejectReason.INSUFFICIENT_FUNDS,
      RejectReason.LIMIT_EXCEEDED,
      RejectReason.PARTICIPANT_SUSPENDED,
      RejectReason.ACCOUNT_UNKNOWN,
      RejectReason.EXPIRED,
      RejectReason.UNBALANCED,
    ]).toEqual(['insufficient_funds', 'limit_exceeded', 'participant_suspended', 'account_unknown', 'not_after_passed', 'unbalanced']);
  });
});
