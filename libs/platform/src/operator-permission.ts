import { SetMetadata } from '@nestjs/common';
import type { Permission } from '@nostro/shared';

/** Route metadata naming the operator permission (`@nostro/shared` PERMISSIONS) an endpoint needs. */
export const PERMISSION_METADATA = 'operator_permission';

/** The permission an operator or console endpoint needs; an endpoint without it needs `read`. */
export const Requires = (permission: Permission) => SetMetadata(PERMISSION_METADATA, permission);
