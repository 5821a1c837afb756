import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { authorize } from '../../tenancy/shared/support';
import { TEST_SAMPLE_USERS } from '../limits';
import { findUserBy, groupMembers, normDn, openSession, searchUsers, type DirectoryUser } from '../ldap/client';
import { loadSettings } from './get-connection';

export const testConnectionInput = z.strictObject({
  /** also look up one user by the login attribute (the value is escaped: `*)(uid=*` is a name, not a filter) */
  user: z.string().min(1).max(256).optional(),
});
export type TestConnectionInput = z.infer<typeof testConnectionInput>;

export const TestConnectionResult = z.object({
  ok: z.literal(true),
  count: z.number(),
  sample: z.array(
    z.object({
      dn: z.string(),
      stableId: z.string().nullable(),
      mail: z.string().nullable(),
      displayName: z.string(),
      enabled: z.boolean(),
    }),
  ),
  user: z.object({ query: z.string(), found: z.array(z.object({ dn: z.string(), mail: z.string().nullable() })) }).optional(),
});
export type TestConnectionResult = z.infer<typeof TestConnectionResult>;

const show = (u: DirectoryUser) => ({ dn: u.dn, stableId: u.stableId, mail: u.mail, displayName: u.displayName, enabled: u.enabled });

/**
 * Binds with the stored connection, counts the users it would sync (filter and group), and shows
 * three of them. Nothing is stored. An unreachable directory answers 503 `unavailable`, a refused bind
 * or a base DN that does not exist 422 `unprocessable`, each with `details.directoryStatus`.
 */
export async function testConnection(ctx: Ctx, tenantId: string, raw: TestConnectionInput = {}): Promise<TestConnectionResult> {
  authorize(ctx, 'directory.write', tenantId);
  const input = testConnectionInput.parse(raw);
  const s = await loadSettings(ctx, tenantId);
  const session = await openSession(s, s.bindDn, s.bindPassword);
  try {
    const members = s.groupDn && s.groupMode === 'expand' ? await groupMembers(session, s) : null;
    let count = 0;
    const sample: DirectoryUser[] = [];
    for await (const page of searchUsers(session, s)) {
      for (const u of page) {
        if (members && !members.has(normDn(u.dn))) continue;
        count++;
        if (sample.length < TEST_SAMPLE_USERS) sample.push(u);
      }
    }
    const out: TestConnectionResult = { ok: true, count, sample: sample.map(show) };
    if (input.user !== undefined) {
      const found = (await findUserBy(session, s, s.loginAttribute, input.user)).filter((u) => !members || members.has(normDn(u.dn)));
      out.user = { query: input.user, found: found.map((u) => ({ dn: u.dn, mail: u.mail })) };
    }
    return out;
  } finally {
    await session.close();
  }
}
