/** Rows of the operability tables as the database returns them (migration 20261203190000_probes). */
export const STEPS = ['login', 'select', 'fetch', 'delivery'] as const;
export type Step = (typeof STEPS)[number];

export interface ProbeSettingsRow {
  tenant_id: string;
  enabled: boolean | number;
  every_seconds: number;
  delivery: boolean | number;
  availability_target: number;
  login_p95_target_ms: number;
  failures_to_open: number;
  slow_minutes_to_open: number;
  updated_at: string;
}

export interface ProbeRunRow {
  id: number;
  tenant_id: string;
  at: string;
  minutes: number;
  ok: boolean | number;
  failed_step: Step | null;
  error: string | null;
  login_ms: number | null;
  select_ms: number | null;
  fetch_ms: number | null;
  delivery_ms: number | null;
  slot?: string | null;
}

export interface ProbeHourlyRow {
  tenant_id: string;
  hour: string;
  runs: number;
  failures: number;
  minutes: number;
  failed_minutes: number;
  breach_minutes: number;
  login_hist: string;
  select_hist: string;
  fetch_hist: string;
  delivery_hist: string;
}

export interface IncidentRow {
  id: string;
  tenant_id: string;
  kind: 'failure' | 'latency';
  step: Step;
  error: string | null;
  opened_at: string;
  closed_at: string | null;
  cause: string | null;
  fix: string | null;
  annotated_by: string | null;
  annotated_at: string | null;
}
