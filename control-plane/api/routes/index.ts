import type { RouteDef } from '../route';
import { authRoutes } from './auth';
import { quotaRoutes } from './quotas';

/** Every API route, one module per resource. */
export const allRoutes: RouteDef[] = [...authRoutes, ...quotaRoutes];
