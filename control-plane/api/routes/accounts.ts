import { z } from 'zod';
import { BulkResult, bulkUpsertAccounts, bulkUpsertAccountsInput } from '../../../quotas/use-cases/bulk-upsert-accounts';
import { changeAccountPassword, changeAccountPasswordInput } from '../../../tenancy/use-cases/change-account-password';
import { createAccount, createAccountInput } from '../../../quotas/use-cases/create-account';
import { deleteAccount } from '../../../tenancy/use-cases/delete-account';
import { getAccount, listAccounts, listAccountsInput } from '../../../tenancy/use-cases/list-accounts';
import { renameAccount, renameAccountInput } from '../../../tenancy/use-cases/rename-account';
import { restoreAccount } from '../../../tenancy/use-cases/restore-account';
import { resumeAccount, suspendAccount } from '../../../tenancy/use-cases/suspend-account';
import { updateAccount, updateAccountInput } from '../../../tenancy/use-cases/update-account';
import { BULK_BODY_LIMIT } from '../../../tenancy/limits';
import { Account } from '../../../tenancy/presenters';
import { pageOf, route } from '../route';
import { tenantParams } from './schemas';

const AccountParams = tenantParams.extend({ accountId: z.uuid() });

export const accountRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/accounts',
    summary: "List a tenant's accounts (filter by status, domain, address prefix)",
    tags: ['accounts'],
    permission: 'account.read',
    params: tenantParams,
    query: listAccountsInput,
    response: pageOf(Account),
    handler: (ctx, { params, query }) => listAccounts(ctx, params.tenantId, query),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/accounts',
    summary: 'Create an account (a mailbox Dovecot serves at once)',
    tags: ['accounts'],
    permission: 'account.write',
    params: tenantParams,
    body: createAccountInput,
    response: Account,
    status: 201,
    idempotent: true,
    handler: (ctx, { params, body }) => createAccount(ctx, params.tenantId, body),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/accounts/bulk',
    summary: 'Create or update accounts from CSV (address,display_name,password,allocation_bytes,status), all or nothing',
    tags: ['accounts'],
    permission: 'account.write',
    params: tenantParams,
    body: bulkUpsertAccountsInput,
    acceptsCsv: true,
    bodyLimit: BULK_BODY_LIMIT,
    response: BulkResult,
    idempotent: true,
    handler: (ctx, { params, body }) => bulkUpsertAccounts(ctx, params.tenantId, body),
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/accounts/:accountId',
    summary: 'Show an account',
    tags: ['accounts'],
    permission: 'account.read',
    params: AccountParams,
    response: Account,
    handler: (ctx, { params }) => getAccount(ctx, params.tenantId, params.accountId),
  }),
  route({
    method: 'patch',
    path: '/tenants/:tenantId/accounts/:accountId',
    summary: "Change an account's display name",
    tags: ['accounts'],
    permission: 'account.write',
    params: AccountParams,
    body: updateAccountInput,
    response: Account,
    handler: (ctx, { params, body }) => updateAccount(ctx, params.tenantId, params.accountId, body),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/accounts/:accountId/suspend',
    summary: 'Suspend an account: logins are refused at once, open sessions are closed',
    tags: ['accounts'],
    permission: 'account.write',
    params: AccountParams,
    response: Account,
    handler: (ctx, { params }) => suspendAccount(ctx, params.tenantId, params.accountId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/accounts/:accountId/resume',
    summary: 'Resume a suspended account',
    tags: ['accounts'],
    permission: 'account.write',
    params: AccountParams,
    response: Account,
    handler: (ctx, { params }) => resumeAccount(ctx, params.tenantId, params.accountId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/accounts/:accountId/password',
    summary: 'Set a new password (sessions with the old one are closed)',
    tags: ['accounts'],
    permission: 'account.password',
    supportReason: 'password_reset',
    params: AccountParams,
    body: changeAccountPasswordInput,
    response: Account,
    handler: (ctx, { params, body }) => changeAccountPassword(ctx, params.tenantId, params.accountId, body),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/accounts/:accountId/rename',
    summary: 'Give an account a new address; the mailbox is kept',
    tags: ['accounts'],
    permission: 'account.write',
    params: AccountParams,
    body: renameAccountInput,
    response: Account,
    handler: (ctx, { params, body }) => renameAccount(ctx, params.tenantId, params.accountId, body),
  }),
  route({
    method: 'delete',
    path: '/tenants/:tenantId/accounts/:accountId',
    summary: 'Delete an account: closed at once, mailbox purged after the grace period',
    tags: ['accounts'],
    permission: 'account.write',
    params: AccountParams,
    response: Account,
    status: 202,
    handler: (ctx, { params }) => deleteAccount(ctx, params.tenantId, params.accountId),
  }),
  route({
    method: 'post',
    path: '/tenants/:tenantId/accounts/:accountId/restore',
    summary: 'Cancel a deletion within the grace period',
    tags: ['accounts'],
    permission: 'account.write',
    params: AccountParams,
    response: Account,
    handler: (ctx, { params }) => restoreAccount(ctx, params.tenantId, params.accountId),
  }),
];
