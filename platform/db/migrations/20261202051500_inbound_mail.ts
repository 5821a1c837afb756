import type { Knex } from 'knex';

/**
 * Inbound mail (filters/): what the SMTP ingress accepted, what became of it per recipient, the trace of
 * every message's path, and counters per verdict. Schema only, conventions of 20261123000100_core.
 *
 * The spool file (filters/spool) is the truth about a message's bytes and envelope; these rows are the
 * truth about its outcome per delivery target. A message leaves the spool once every target is final.
 *
 * inbound_targets.status:
 *   pending     nothing final yet (waiting for a scan, a retry, a relay host)
 *   delivering  an LMTP/relay transaction for it was started and its answer is not recorded yet: after a
 *               crash, the pipeline looks into the mailbox (by X-Postwerk-Queue-ID) before delivering again
 *   delivered | relayed | quarantined | discarded | rejected | failed   final
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbound_messages', (t) => {
    t.string('queue_id', 40).primary();
    t.string('message_id', 998).nullable(); // the Message-ID header, when there is one
    t.string('mail_from', 320).notNullable(); // '' for the null sender
    t.string('client_address', 64).notNullable();
    t.string('helo', 255).notNullable();
    t.integer('secure').notNullable().defaultTo(0);
    t.bigInteger('size_bytes').notNullable();
    t.string('received_at', 32).notNullable();
    // spooled | done (every target final; spool file removed, or moved to spool/failed when one failed)
    t.string('status', 16).notNullable().defaultTo('spooled');
    t.text('av_verdict').nullable(); // JSON AntivirusVerdict of the last scan that ran (clean | infected)
    t.text('spam_verdict').nullable(); // JSON SpamVerdict (scored)
    t.string('finished_at', 32).nullable();
    t.index(['status', 'received_at']);
    t.index(['message_id']);
  });

  await knex.schema.createTable('inbound_targets', (t) => {
    t.string('queue_id', 40).notNullable().references('queue_id').inTable('inbound_messages').onDelete('CASCADE');
    // the account that stores the message (an alias or a local forwarding resolved at RCPT)
    t.string('account_id', 36).notNullable();
    t.string('tenant_id', 36).notNullable();
    t.string('recipient', 320).notNullable(); // the RCPT TO address as given
    t.string('address', 320).notNullable(); // the account's address (the LMTP recipient)
    t.string('status', 16).notNullable().defaultTo('pending');
    t.string('route', 8).nullable(); // local | source, when routed
    t.text('decision').nullable(); // JSON Decision of the tenant's policy
    t.integer('attempts').notNullable().defaultTo(0); // delivery attempts
    t.text('last_error').nullable(); // the server's own words (Dovecot's refusal text)
    t.string('quarantine_id', 64).nullable();
    t.string('updated_at', 32).notNullable();
    t.primary(['queue_id', 'account_id']);
    t.index(['account_id', 'status']);
  });

  await knex.schema.createTable('message_events', (t) => {
    t.bigIncrements('id').primary();
    t.string('queue_id', 40).notNullable();
    t.string('message_id', 998).nullable();
    t.string('tenant_id', 36).nullable();
    t.string('recipient', 320).nullable(); // null: an event of the whole message (accepted, scanned)
    // accepted | scanned | routed | delivered | quarantined | failed | released (and deferred, relayed, discarded, rejected)
    t.string('stage', 16).notNullable();
    t.string('at', 32).notNullable();
    t.integer('elapsed_ms').nullable(); // since the message was accepted
    t.text('detail').nullable(); // JSON: verdict, score, symbols, server answer …
    t.index(['queue_id', 'id']);
    t.index(['message_id']);
    t.index(['recipient', 'at']);
    t.index(['tenant_id', 'at']);
  });

  // Counters per verdict for the metrics work: one row per UTC day, tenant and verdict.
  await knex.schema.createTable('verdict_counters', (t) => {
    t.string('day', 10).notNullable(); // YYYY-MM-DD (UTC)
    t.string('tenant_id', 36).notNullable();
    t.string('verdict', 24).notNullable(); // deliver | junk | quarantine | reject | discard | virus | spam …
    t.bigInteger('count').notNullable().defaultTo(0);
    t.primary(['day', 'tenant_id', 'verdict']);
  });

  // Before its switch, a migrating account's mail is relayed to the project's source server over SMTP.
  await knex.schema.alterTable('migration_projects', (t) => {
    t.string('relay_host', 253).nullable();
    t.integer('relay_port').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  // plain DROP COLUMN on both databases (see 20261123000600)
  await knex.raw('ALTER TABLE migration_projects DROP COLUMN relay_port');
  await knex.raw('ALTER TABLE migration_projects DROP COLUMN relay_host');
  await knex.schema.dropTableIfExists('verdict_counters');
  await knex.schema.dropTableIfExists('message_events');
  await knex.schema.dropTableIfExists('inbound_targets');
  await knex.schema.dropTableIfExists('inbound_messages');
}
