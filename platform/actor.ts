import { AppError } from './errors';

/**
 * Who is acting: a staff user through a portal session, an API token, the CLI on the operator's
 * machine, or the system itself (workers, schedules). Every command takes the actor first; the audit
 * log records it.
 */
export const ROLES = ['operator', 'tenant_admin', 'migration_engineer', 'support'] as const;
export type Role = (typeof ROLES)[number];
/** The role of a caller that has not signed in (public routes only): no permission lists it. */
export const ANONYMOUS_ROLE = 'anonymous';
export type ActorRole = Role | typeof ANONYMOUS_ROLE;

export interface Actor {
  /** mail_user: an account's own user, signed in with the mail password (backup self-service) */
  kind: 'staff' | 'token' | 'cli' | 'system' | 'mail_user';
  /** staff user id, token id, OS user for the CLI, job name for the system */
  id: string;
  /** what the audit log and error messages show: an e-mail address, a token name */
  label: string;
  /** mail_user actors hold no role of the permission table: every permission check refuses them */
  role: ActorRole | 'mail_user';
  /** set for tenant-scoped actors (tenant admins, tenant tokens): they see only this tenant */
  tenantId: string | null;
  ip?: string;
  /**
   * Why the actor acts, when it said so (the Postwerk-Reason header; required of support for mail
   * content and password resets): every audit entry this actor writes carries it.
   */
  reason?: string;
  /**
   * A staff user whose role must have a second factor (POSTWERK_2FA_REQUIRED_ROLES) and who has not
   * enrolled one: the API lets them enrol, sign out and ask who they are, and answers everything else
   * 403 second_factor_enrolment_required.
   */
  secondFactorEnrolmentRequired?: boolean;
}

export const systemActor = (what: string): Actor => ({ kind: 'system', id: what, label: what, role: 'operator', tenantId: null });

/** The actor of a request without credentials (sign-in): it may do nothing a permission guards. */
export const anonymousActor = (ip?: string): Actor => ({
  kind: 'system',
  id: 'anonymous',
  label: 'anonymous',
  role: ANONYMOUS_ROLE,
  tenantId: null,
  ...(ip !== undefined ? { ip } : {}),
});

export const cliActor = (): Actor => {
  const user = process.env.SUDO_USER ?? process.env.USER ?? 'root';
  return { kind: 'cli', id: user, label: `cli:${user}`, role: 'operator', tenantId: null };
};

/** A tenant-scoped actor reaching into another tenant gets exactly the answer a missing object gets. */
export function assertTenantAccess(actor: Actor, tenantId: string, what = 'object', id?: string): void {
  if (actor.tenantId !== null && actor.tenantId !== tenantId) {
    throw new AppError('not_found', id ? `${what} ${id} not found` : `${what} not found`);
  }
}
