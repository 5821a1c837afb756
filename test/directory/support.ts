import { Client } from 'ldapts';
import type { Config } from '../../platform/config';
import { uniq } from '../support/env';

/** An organisational unit of the stack's slapd of this test's own (uniq name), with users and groups the test seeds. */
export interface Ou {
  dn: string;
  admin: Client;
  userDn(uid: string): string;
  close(): Promise<void>;
}

export function ldapAdmin(config: Config) {
  if (!config.ldap) throw new Error('POSTWERK_LDAP_URL is not set: run the tests through stack/test.sh');
  return config.ldap;
}

export async function makeOu(config: Config): Promise<Ou> {
  const l = ldapAdmin(config);
  const admin = new Client({ url: l.url });
  await admin.bind(l.bindDn, l.bindPassword);
  const ou = uniq('dir');
  const dn = `ou=${ou},${l.baseDn}`;
  await admin.add(dn, { objectClass: ['organizationalUnit'], ou });
  return { dn, admin, userDn: (uid) => `uid=${uid},${dn}`, close: () => admin.unbind() };
}

export interface SeedUser {
  uid: string;
  mail?: string;
  aliases?: string[];
  password: string;
  name?: string;
  disabled?: boolean;
}

export async function addUser(ou: Ou, u: SeedUser): Promise<void> {
  await ou.admin.add(ou.userDn(u.uid), {
    objectClass: ['inetOrgPerson', 'postwerkMailUser'],
    uid: u.uid,
    cn: u.name ?? u.uid,
    sn: u.uid,
    displayName: u.name ?? `User ${u.uid}`,
    userPassword: u.password,
    userAccountControl: u.disabled ? '514' : '512',
    ...(u.mail ? { mail: u.mail, proxyAddresses: [`SMTP:${u.mail}`, ...(u.aliases ?? []).map((a) => `smtp:${a}`), 'X500:/o=legacy'] } : {}),
  });
}

export async function addGroup(ou: Ou, cn: string, members: string[]): Promise<string> {
  const dn = `cn=${cn},${ou.dn}`;
  await ou.admin.add(dn, { objectClass: ['groupOfNames'], cn, member: members.length ? members : [ou.dn] });
  return dn;
}
