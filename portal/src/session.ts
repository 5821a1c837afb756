// Who is signed in, and what their role may see: the menu and the start page per role. The API
// decides what anyone may do (permissions, tenant scoping); this only keeps the portal from offering
// what the API would refuse.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { MessageKey } from './i18n';

/** The staff roles, and an account's own user (signed in with the mail password for self-service). */
export type StaffRole = 'operator' | 'tenant_admin' | 'migration_engineer' | 'support';
export type Role = StaffRole | 'mail_user';

export interface Me {
  kind: string;
  id: string;
  label: string;
  role: Role;
  tenantId: string | null;
  /** the role must have a second factor and none is enrolled: the enrolment page only, until there is one */
  secondFactorEnrolmentRequired?: boolean;
}

export const isStaff = (me: Me) => me.kind === 'staff';

export interface MenuItem {
  href: string;
  label: MessageKey;
}

export function menuFor(me: Me): MenuItem[] {
  switch (me.role) {
    case 'tenant_admin': {
      const t = `/t/${me.tenantId}`;
      return [
        { href: `${t}/overview`, label: 'navOverview' },
        { href: `${t}/accounts`, label: 'navAccounts' },
        { href: `${t}/aliases`, label: 'navAliases' },
        { href: `${t}/import`, label: 'navImport' },
        { href: `${t}/notifications`, label: 'navNotifications' },
        { href: `${t}/access`, label: 'navAccess' },
        { href: `${t}/quarantine`, label: 'navQuarantine' },
        { href: `${t}/migrations`, label: 'navMigrations' },
        { href: '/audit', label: 'navAudit' },
      ];
    }
    case 'migration_engineer':
      return [{ href: '/migrations', label: 'navMigrations' }];
    case 'operator':
      return [
        { href: '/operator/tenants', label: 'navTenants' },
        { href: '/operator/health', label: 'navHealth' },
        { href: '/audit', label: 'navAudit' },
        { href: '/migrations', label: 'navMigrations' },
      ];
    case 'support':
      return [
        { href: '/support', label: 'supportHome' },
        { href: '/support/trace', label: 'navTrace' },
        { href: '/operator/health', label: 'navHealth' },
        { href: '/audit', label: 'navAudit' },
      ];
    case 'mail_user':
      return [{ href: '/mail', label: 'navMailbox' }];
  }
}

export const homeFor = (me: Me) => menuFor(me)[0]!.href;

export const SessionContext = createContext<{ me: Me; signOut(): Promise<void>; refresh(): Promise<void> } | null>(null);
export function useSession() {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}
