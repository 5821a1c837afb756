// What the inbound pipeline needs from the tenant's policy: load it, decide with it.
export { loadPolicy } from './use-cases/load-policy';
export { decide, type DecideContext } from './decide';
export type { FilterPolicy, Band, BandAction, ReleasePolicy } from './policy';
