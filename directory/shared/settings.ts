import { z } from 'zod';
import type { Config } from '../../platform/config';
import { createSecretBox } from '../../platform/secrets';
import { bytes } from '../../tenancy/shared/schemas';
import type { ConnectionRow } from '../repositories/connections';

/** An attribute name as LDAP writes them (RFC 4512 descr, or an OID): never filter syntax. */
const attribute = z
  .string()
  .regex(/^([A-Za-z][A-Za-z0-9-]{0,63}|\d+(\.\d+)+)$/, 'an LDAP attribute name (letters, digits, hyphen) or an OID');
const dn = z.string().trim().min(3).max(1000);

/** A directory connection as the API and the CLI take it (PUT: the whole connection). */
export const connectionInput = z.strictObject({
  url: z
    .string()
    .max(500)
    .regex(/^ldaps?:\/\/[^/\s]+\/?$/i, 'ldap://host[:port] or ldaps://host[:port]'),
  /** upgrade an ldap:// connection with StartTLS (RFC 4513) before the bind */
  startTls: z.boolean().default(false),
  /** PEM of the CA that signed the directory's certificate (ldaps or StartTLS); default: the system's CAs */
  caPem: z.string().max(20_000).includes('-----BEGIN CERTIFICATE-----').nullable().default(null),
  bindDn: dn,
  /** required when creating; left out on a change, the stored (sealed) one is kept */
  bindPassword: z.string().min(1).max(500).optional(),
  baseDn: dn,
  userFilter: z.string().trim().min(3).max(1000).default('(objectClass=inetOrgPerson)'),
  /** only members of this group (and of groups nested in it) get a mailbox */
  groupDn: dn.nullable().default(null),
  /** `in-chain`: AD's LDAP_MATCHING_RULE_IN_CHAIN in the search; `expand`: Postwerk walks nested groups (OpenLDAP and others) */
  groupMode: z.enum(['expand', 'in-chain']).default('expand'),
  mailAttribute: attribute.default('mail'),
  nameAttribute: attribute.default('displayName'),
  /** `proxyAddresses` (AD: SMTP:/smtp: values) or `mailAlternateAddress` (plain addresses); null: no aliases */
  aliasAttribute: attribute.nullable().default(null),
  /** the stable id that recognises a rename: `entryUUID` (OpenLDAP, RFC 4530) or `objectGUID` (AD) */
  idAttribute: attribute.default('entryUUID'),
  /** what a user name is looked up by (test connection's lookup) */
  loginAttribute: attribute.default('uid'),
  /** `ad`: userAccountControl bit 2 (ACCOUNTDISABLE); `attribute`: disabled when enabledAttribute has one of disabledValues */
  enabledMode: z.enum(['always', 'ad', 'attribute']).default('always'),
  enabledAttribute: attribute.nullable().default(null),
  disabledValues: z.array(z.string().min(1).max(100)).max(20).default([]),
  /** allocation of each new account; null: the tenant's default */
  defaultAllocationBytes: bytes.nullable().default(null),
  /** the tenant's directory users sign in to the portal with their directory password (by bind) */
  signIn: z.boolean().default(false),
  /** scheduled sync every N minutes; null: on demand only */
  syncEveryMinutes: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .nullable()
    .default(null),
});
export type ConnectionInput = z.input<typeof connectionInput>;

/** The connection with its bind password opened, for the LDAP client; never leaves the process. */
export interface DirectorySettings {
  tenantId: string;
  url: string;
  startTls: boolean;
  caPem: string | null;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  groupDn: string | null;
  groupMode: 'expand' | 'in-chain';
  mailAttribute: string;
  nameAttribute: string;
  aliasAttribute: string | null;
  idAttribute: string;
  loginAttribute: string;
  enabledMode: 'always' | 'ad' | 'attribute';
  enabledAttribute: string | null;
  disabledValues: string[];
  defaultAllocationBytes: number | null;
  signIn: boolean;
  syncEveryMinutes: number | null;
}

/** The sealed bind password is bound to its tenant's row: copied into another row, it does not open. */
export const bindPasswordContext = (tenantId: string) => `directory_connections:${tenantId}`;

export function settingsOf(config: Pick<Config, 'secretKey'>, row: ConnectionRow): DirectorySettings {
  return {
    tenantId: row.tenant_id,
    url: row.url,
    startTls: Boolean(row.start_tls),
    caPem: row.ca_pem,
    bindDn: row.bind_dn,
    bindPassword: createSecretBox(config.secretKey).open(row.bind_password_sealed, bindPasswordContext(row.tenant_id)),
    baseDn: row.base_dn,
    userFilter: row.user_filter,
    groupDn: row.group_dn,
    groupMode: row.group_mode,
    mailAttribute: row.mail_attribute,
    nameAttribute: row.name_attribute,
    aliasAttribute: row.alias_attribute,
    idAttribute: row.id_attribute,
    loginAttribute: row.login_attribute,
    enabledMode: row.enabled_mode,
    enabledAttribute: row.enabled_attribute,
    disabledValues: row.disabled_values ? (JSON.parse(row.disabled_values) as string[]) : [],
    defaultAllocationBytes: row.default_allocation_bytes === null ? null : Number(row.default_allocation_bytes),
    signIn: Boolean(row.sign_in),
    syncEveryMinutes: row.sync_every_minutes,
  };
}

export const ConnectionView = z.object({
  tenantId: z.string(),
  url: z.string(),
  startTls: z.boolean(),
  caConfigured: z.boolean(),
  bindDn: z.string(),
  bindPasswordSet: z.literal(true),
  baseDn: z.string(),
  userFilter: z.string(),
  groupDn: z.string().nullable(),
  groupMode: z.enum(['expand', 'in-chain']),
  mailAttribute: z.string(),
  nameAttribute: z.string(),
  aliasAttribute: z.string().nullable(),
  idAttribute: z.string(),
  loginAttribute: z.string(),
  enabledMode: z.enum(['always', 'ad', 'attribute']),
  enabledAttribute: z.string().nullable(),
  disabledValues: z.array(z.string()),
  defaultAllocationBytes: z.number().nullable(),
  signIn: z.boolean(),
  syncEveryMinutes: z.number().nullable(),
  lastSync: z.object({ at: z.string(), status: z.string(), result: z.unknown() }).nullable(),
});
export type ConnectionView = z.infer<typeof ConnectionView>;

/** What the API shows of a connection: never the bind password, sealed or not. */
export function presentConnection(row: ConnectionRow): ConnectionView {
  return {
    tenantId: row.tenant_id,
    url: row.url,
    startTls: Boolean(row.start_tls),
    caConfigured: row.ca_pem !== null,
    bindDn: row.bind_dn,
    bindPasswordSet: true,
    baseDn: row.base_dn,
    userFilter: row.user_filter,
    groupDn: row.group_dn,
    groupMode: row.group_mode,
    mailAttribute: row.mail_attribute,
    nameAttribute: row.name_attribute,
    aliasAttribute: row.alias_attribute,
    idAttribute: row.id_attribute,
    loginAttribute: row.login_attribute,
    enabledMode: row.enabled_mode,
    enabledAttribute: row.enabled_attribute,
    disabledValues: row.disabled_values ? (JSON.parse(row.disabled_values) as string[]) : [],
    defaultAllocationBytes: row.default_allocation_bytes === null ? null : Number(row.default_allocation_bytes),
    signIn: Boolean(row.sign_in),
    syncEveryMinutes: row.sync_every_minutes,
    lastSync:
      row.last_sync_at && row.last_sync_status
        ? { at: row.last_sync_at, status: row.last_sync_status, result: row.last_sync_result ? JSON.parse(row.last_sync_result) : null }
        : null,
  };
}
