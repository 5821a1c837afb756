// The permission table lives in platform/permissions.ts so that domain modules (quotas' forced
// reassignment, for one) can check it too; routes and the CLI import it from here or there alike.
export * from '../../platform/permissions';
