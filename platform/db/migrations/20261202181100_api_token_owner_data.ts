import type { Knex } from 'knex';

/**
 * Existing tokens: the label `created_by` held moves to `created_by_label`; `created_by` becomes the id
 * of the staff user whose e-mail address the label is (a token made in the portal or through a
 * session). A token made by the CLI (`cli:<user>`) or by another token (`token:<name>`) has no staff
 * owner: `created_by` is null, as for tokens the CLI makes from now on, and such a token keeps working
 * until it is revoked or expires. Expiries are left as they were (null stays "never").
 */
export async function up(knex: Knex): Promise<void> {
  await knex('api_tokens').update({ created_by_label: knex.ref('created_by') });
  await knex('api_tokens').update({
    created_by: knex('staff_users')
      .select('staff_users.id')
      .where('staff_users.email', knex.raw('lower(api_tokens.created_by_label)'))
      .limit(1),
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('api_tokens').update({ created_by: knex.raw('substr(created_by_label, 1, 36)') });
}
