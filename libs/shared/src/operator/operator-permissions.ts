/** The roles an operator token carries (docs/gateway.md, Operator endpoints). */
export type OperatorRole = 'viewer' | 'approver' | 'admin';

/**
 * What each operator role may do: the one table the operator API (`/v1/admin`), the operations console (`/ops`)
 * and the OpenAPI document (`x-roles`) all read. docs/gateway.md prints it; a test walks every operator route
 * with every role against it.
 *
 * The line between approver and admin: an approver decides on payments someone else sent (four eyes on a held
 * payment); anything that moves money into or out of the network, extends credit, lifts a risk limit, or changes
 * who may act (participants, keys, operators) is the admin's.
 */
export const PERMISSIONS = {
  /** Payments, participants, keys, limits, webhooks, screening and blocks, without customer data. */
  read: ['viewer', 'approver', 'admin'],
  /** Debtor and creditor names, accounts and remittance information in the console. */
  'customer_data.read': ['approver', 'admin'],
  /** The console's audit log and who decided what on a held payment. */
  'audit.read': ['approver', 'admin'],
  /** Approve or reject a held payment (M-of-N: distinct operators). */
  'payment.decide': ['approver', 'admin'],
  /** Send a webhook again (changes no money and no state of a payment). */
  'webhook.redeliver': ['approver', 'admin'],
  /** Register and change participants, add and revoke their keys, suspend and resume them. */
  'participant.manage': ['admin'],
  /** Net debit cap and hold threshold: a cap extends credit. */
  'participant.limits': ['admin'],
  /** Amount and velocity limits (null lifts one). */
  'participant.screening_limits': ['admin'],
  /** Deposits and withdrawals. */
  'funds.transfer': ['admin'],
  /** Reload the sanctions list. */
  'screening.reload': ['admin'],
  /** Create and revoke operator tokens. */
  'operator.manage': ['admin'],
  /** Approve or reject another operator's held call (DUAL_CONTROL=on: four eyes). */
  'request.decide': ['admin'],
  /** Erase a participant's old customer data (crypto-shredding; DUAL_CONTROL=on: four eyes). */
  'customer_data.erase': ['admin'],
} as const satisfies Record<string, readonly OperatorRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: OperatorRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly OperatorRole[]).includes(role);
}
