import type { RouteDef } from '../route';
import { authRoutes } from './auth';

/** Every API route, one module per resource. */
export const allRoutes: RouteDef[] = [...authRoutes];
