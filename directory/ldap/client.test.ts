import { guidText, parseAliasValues, usersFilter } from './client';
import type { DirectorySettings } from '../shared/settings';

const settings = (over: Partial<DirectorySettings> = {}): DirectorySettings => ({
  tenantId: 't',
  url: 'ldap://127.0.0.1:389',
  startTls: false,
  caPem: null,
  bindDn: 'cn=admin',
  bindPassword: 'x',
  baseDn: 'dc=example,dc=com',
  userFilter: '(objectClass=user)',
  groupDn: null,
  groupMode: 'expand',
  mailAttribute: 'mail',
  nameAttribute: 'displayName',
  aliasAttribute: 'proxyAddresses',
  idAttribute: 'objectGUID',
  loginAttribute: 'sAMAccountName',
  enabledMode: 'ad',
  enabledAttribute: null,
  disabledValues: [],
  defaultAllocationBytes: null,
  signIn: false,
  syncEveryMinutes: null,
  ...over,
});

test('proxyAddresses: SMTP: is the primary, smtp: aliases, other types ignored; plain values are mailAlternateAddress', () => {
  expect(
    parseAliasValues(['SMTP:Alice@Example.com', 'smtp:al@example.com', 'X500:/o=x', 'sip:alice@example.com', 'alt@example.com']),
  ).toEqual({
    primary: 'alice@example.com',
    aliases: ['al@example.com', 'alt@example.com'],
  });
});

test('objectGUID bytes print as AD prints them', () => {
  const b = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  expect(guidText(b)).toBe('33221100-5544-7766-8899-aabbccddeeff');
});

test('the group DN in an in-chain filter is escaped', () => {
  const f = usersFilter(settings({ groupDn: 'cn=mail*)(uid=*,dc=example,dc=com', groupMode: 'in-chain' }));
  expect(f).toBe('(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=cn=mail\\2a\\29\\28uid=\\2a,dc=example,dc=com))');
});
