import type { RouteDef } from '../route';
import { authRoutes } from './auth';
import { tenantRoutes } from './tenants';
import { domainRoutes } from './domains';
import { accountRoutes } from './accounts';
import { aliasRoutes } from './aliases';
import { staffRoutes } from './staff';
import { auditRoutes } from './audit';
import { quotaRoutes } from './quotas';
import { migrationRoutes } from './migrations';
import { backupRoutes } from './backup';
import { systemRoutes } from './system';
import { exportRoutes } from './exports';
import { selfServiceRoutes } from './self-service';
import { filterRoutes } from './filters';
import { directoryRoutes } from './directory';
import { outboundRoutes } from './outbound';
import { slaRoutes } from './sla';

/** Every API route, one module per resource. */
export const allRoutes: RouteDef[] = [
  ...authRoutes,
  ...quotaRoutes,
  ...tenantRoutes,
  ...domainRoutes,
  ...accountRoutes,
  ...aliasRoutes,
  ...staffRoutes,
  ...auditRoutes,
  ...migrationRoutes,
  ...backupRoutes,
  ...systemRoutes,
  ...exportRoutes,
  ...selfServiceRoutes,
  ...filterRoutes,
  ...directoryRoutes,
  ...outboundRoutes,
  ...slaRoutes,
];
