import { z } from 'zod';
import type { Db } from '../../platform/db';
import {
  DEFAULT_AVAILABILITY_TARGET,
  DEFAULT_FAILURES_TO_OPEN,
  DEFAULT_LOGIN_P95_TARGET_MS,
  DEFAULT_PROBE_EVERY_SECONDS,
  DEFAULT_SLOW_MINUTES_TO_OPEN,
  MAX_PROBE_EVERY_SECONDS,
  MIN_PROBE_EVERY_SECONDS,
} from '../limits';
import { findSettings } from '../repositories/probes';
import type { ProbeSettingsRow } from '../repositories/rows';

/** A tenant's probe settings and SLA target, as the API shows and takes them. */
export const ProbeSettings = z.object({
  enabled: z.boolean(),
  /** seconds between probe runs */
  everySeconds: z.number().int().min(MIN_PROBE_EVERY_SECONDS).max(MAX_PROBE_EVERY_SECONDS),
  /** whether runs include the end-to-end delivery through the SMTP ingress */
  delivery: z.boolean(),
  /** monthly availability target, percent */
  availabilityTarget: z.number().min(0).max(100),
  /** target of the login step's p95, ms */
  loginP95TargetMs: z.number().int().min(1).max(600_000),
  /** consecutive failed runs that open an incident */
  failuresToOpen: z.number().int().min(1).max(1000),
  /** minutes of login latency over the target that open an incident */
  slowMinutesToOpen: z.number().int().min(1).max(1440),
});
export type ProbeSettings = z.infer<typeof ProbeSettings>;

export const DEFAULT_SETTINGS: ProbeSettings = {
  enabled: true,
  everySeconds: DEFAULT_PROBE_EVERY_SECONDS,
  delivery: true,
  availabilityTarget: DEFAULT_AVAILABILITY_TARGET,
  loginP95TargetMs: DEFAULT_LOGIN_P95_TARGET_MS,
  failuresToOpen: DEFAULT_FAILURES_TO_OPEN,
  slowMinutesToOpen: DEFAULT_SLOW_MINUTES_TO_OPEN,
};

export function settingsOf(row: ProbeSettingsRow | undefined): ProbeSettings & { custom: boolean } {
  if (!row) return { ...DEFAULT_SETTINGS, custom: false };
  return {
    enabled: Boolean(row.enabled),
    everySeconds: Number(row.every_seconds),
    delivery: Boolean(row.delivery),
    availabilityTarget: Number(row.availability_target),
    loginP95TargetMs: Number(row.login_p95_target_ms),
    failuresToOpen: Number(row.failures_to_open),
    slowMinutesToOpen: Number(row.slow_minutes_to_open),
    custom: true,
  };
}

export async function loadSettings(db: Db, tenantId: string) {
  return settingsOf(await findSettings(db, tenantId));
}
