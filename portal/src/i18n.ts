// English and German. The language comes from the person's choice (kept in localStorage), else from
// the browser's languages; the switch in the header changes it at once. Every text of the portal is a
// key here, with both languages side by side so that a missing translation shows in review.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Lang = 'en' | 'de';
export const LANGS: Lang[] = ['en', 'de'];

const M = {
  appName: ['Postwerk', 'Postwerk'],
  skipToContent: ['Skip to content', 'Zum Inhalt springen'],
  language: ['Language', 'Sprache'],
  signIn: ['Sign in', 'Anmelden'],
  signOut: ['Sign out', 'Abmelden'],
  email: ['E-mail address', 'E-Mail-Adresse'],
  password: ['Password', 'Passwort'],
  signedInAs: ['Signed in as {who} ({role})', 'Angemeldet als {who} ({role})'],
  role_operator: ['operator', 'Betrieb'],
  role_tenant_admin: ['tenant admin', 'Mandanten-Admin'],
  role_migration_engineer: ['migration engineer', 'Migrationstechnik'],
  role_support: ['support', 'Support'],
  mainMenu: ['Main menu', 'Hauptmenü'],
  notFound: ['Not found', 'Nicht gefunden'],
  notFoundText: ['There is nothing here, or it is not yours to see.', 'Hier ist nichts, oder es ist nicht für Sie sichtbar.'],
  backHome: ['Back to the start page', 'Zurück zur Startseite'],
  loading: ['Loading…', 'Lädt…'],
  save: ['Save', 'Speichern'],
  cancel: ['Cancel', 'Abbrechen'],
  create: ['Create', 'Anlegen'],
  delete: ['Delete', 'Löschen'],
  remove: ['Remove', 'Entfernen'],
  add: ['Add', 'Hinzufügen'],
  search: ['Search', 'Suchen'],
  status: ['Status', 'Status'],
  actions: ['Actions', 'Aktionen'],
  previous: ['Previous', 'Zurück'],
  next: ['Next', 'Weiter'],
  pageOf: ['Page {page} of {pages}', 'Seite {page} von {pages}'],
  none: ['None yet.', 'Noch keine.'],
  updatedLive: ['Updates live', 'Aktualisiert sich laufend'],
  // navigation
  navOverview: ['Overview', 'Übersicht'],
  navAccounts: ['Accounts', 'Postfächer'],
  navAliases: ['Aliases', 'Aliasse'],
  navImport: ['CSV import', 'CSV-Import'],
  navNotifications: ['Notifications', 'Benachrichtigungen'],
  navAccess: ['Tokens & staff', 'Tokens & Personal'],
  navMigrations: ['Migrations', 'Migrationen'],
  navTenants: ['Tenants', 'Mandanten'],
  navHealth: ['Platform health', 'Plattformzustand'],
  navAudit: ['Audit log', 'Audit-Protokoll'],
  // pool
  pool: ['Storage pool', 'Speicherpool'],
  poolSize: ['Pool', 'Pool'],
  allocated: ['Allocated', 'Zugeteilt'],
  used: ['Used', 'Belegt'],
  free: ['Free to allocate', 'Frei zuteilbar'],
  poolBar: ['{used} used, {allocated} allocated of {pool}', '{used} belegt, {allocated} zugeteilt von {pool}'],
  forecast: ['Forecast', 'Prognose'],
  fullOn: ['Full on {date} at {rate}/day', 'Voll am {date} bei {rate}/Tag'],
  notFilling: ['Not filling up at the current rate.', 'Füllt sich beim aktuellen Verbrauch nicht.'],
  tooFewSamples: ['Not enough usage history for a forecast yet.', 'Noch zu wenig Verlauf für eine Prognose.'],
  usageOverTime: ['Usage over time (largest accounts)', 'Verbrauch im Zeitverlauf (größte Postfächer)'],
  usageChartEmpty: ['No usage has been collected yet.', 'Es wurde noch kein Verbrauch erfasst.'],
  // reassignment
  reassign: ['Reassign storage', 'Speicher umverteilen'],
  reassignHelp: [
    'Set new allocations for one or more accounts; all change together or none.',
    'Neue Zuteilungen für ein oder mehrere Postfächer; alle ändern sich gemeinsam oder keine.',
  ],
  account: ['Account', 'Postfach'],
  newAllocationMiB: ['New allocation (MiB)', 'Neue Zuteilung (MiB)'],
  addRow: ['Add an account', 'Postfach hinzufügen'],
  freeAfter: ['Free after this change: {free} of {pool}', 'Frei nach dieser Änderung: {free} von {pool}'],
  overBy: ['{bytes} more than the pool has free', '{bytes} mehr, als im Pool frei ist'],
  apply: ['Apply', 'Übernehmen'],
  reassigned: ['Allocations changed.', 'Zuteilungen geändert.'],
  refused: ['Refused', 'Abgelehnt'],
  needsMore: [
    'Needs {need} more; free: {free}; pool: {pool}; allocated: {allocated}',
    'Benötigt {need} mehr; frei: {free}; Pool: {pool}; zugeteilt: {allocated}',
  ],
  moveFrom: ['Move from', 'Verschieben von'],
  moveTo: ['to', 'nach'],
  amountMiB: ['Amount (MiB)', 'Menge (MiB)'],
  fillRows: ['Fill in', 'Eintragen'],
  // accounts
  address: ['Address', 'Adresse'],
  displayName: ['Display name', 'Anzeigename'],
  allocation: ['Allocation', 'Zuteilung'],
  usage: ['Usage', 'Verbrauch'],
  usageOf: ['{used} of {allocation}', '{used} von {allocation}'],
  sortBy: ['Sort by {col}', 'Sortieren nach {col}'],
  searchAccounts: ['Search accounts', 'Postfächer durchsuchen'],
  createAccount: ['Create an account', 'Postfach anlegen'],
  allocationMiB: ['Allocation (MiB, empty: the tenant’s default)', 'Zuteilung (MiB, leer: Vorgabe des Mandanten)'],
  accountCreated: ['Account {address} created.', 'Postfach {address} angelegt.'],
  suspend: ['Suspend', 'Sperren'],
  resume: ['Resume', 'Entsperren'],
  restore: ['Restore', 'Wiederherstellen'],
  deleteAfter: ['Deleted; the mailbox is purged after {date}', 'Gelöscht; das Postfach wird nach dem {date} endgültig entfernt'],
  confirmDelete: [
    'Delete {address}? It can be restored until the grace period ends.',
    '{address} löschen? Bis zum Ende der Frist kann es wiederhergestellt werden.',
  ],
  status_active: ['active', 'aktiv'],
  status_suspended: ['suspended', 'gesperrt'],
  status_deleting: ['deleted', 'gelöscht'],
  status_passed: ['passed', 'bestanden'],
  status_failed: ['failed', 'fehlgeschlagen'],
  status_running: ['running', 'läuft'],
  forwardings: ['Forwardings', 'Weiterleitungen'],
  targetAddress: ['Forward to', 'Weiterleiten an'],
  keepCopy: ['Keep a copy', 'Kopie behalten'],
  setPassword: ['Set a new password', 'Neues Passwort setzen'],
  passwordChanged: ['Password changed.', 'Passwort geändert.'],
  // aliases
  aliasAddress: ['Alias address', 'Alias-Adresse'],
  deliversTo: ['Delivers to', 'Stellt zu an'],
  // import
  importHelp: [
    'CSV with a header line: address,display_name,password,allocation_bytes,status. All rows are imported, or none.',
    'CSV mit Kopfzeile: address,display_name,password,allocation_bytes,status. Alle Zeilen werden importiert oder keine.',
  ],
  csvFile: ['CSV file', 'CSV-Datei'],
  csvText: ['CSV', 'CSV'],
  importNow: ['Import', 'Importieren'],
  imported: [
    '{created} created, {updated} updated, {unchanged} unchanged.',
    '{created} angelegt, {updated} geändert, {unchanged} unverändert.',
  ],
  rowErrors: ['Row errors', 'Fehler in Zeilen'],
  line: ['Line', 'Zeile'],
  column: ['Column', 'Spalte'],
  problem: ['Problem', 'Problem'],
  // notifications
  notifications: ['Quota notifications', 'Quota-Benachrichtigungen'],
  threshold: ['Threshold', 'Schwelle'],
  when: ['When', 'Wann'],
  webhook: ['Webhook URL (empty: none)', 'Webhook-URL (leer: keine)'],
  webhookSaved: ['Webhook saved.', 'Webhook gespeichert.'],
  delivery: ['Webhook delivery', 'Webhook-Zustellung'],
  // access
  tokens: ['API tokens', 'API-Tokens'],
  name: ['Name', 'Name'],
  role: ['Role', 'Rolle'],
  createdAt: ['Created', 'Angelegt'],
  lastUsed: ['Last used', 'Zuletzt benutzt'],
  revoke: ['Revoke', 'Widerrufen'],
  tokenSecret: ['The token (shown only now): {secret}', 'Das Token (nur jetzt sichtbar): {secret}'],
  staff: ['Staff', 'Personal'],
  disable: ['Disable', 'Deaktivieren'],
  expiresIn: ['Expires in', 'Läuft ab in'],
  expiryDays: ['{days} days', '{days} Tagen'],
  expiryNever: ['Never', 'Nie'],
  expiresAt: ['Expires', 'Läuft ab'],
  tokenOwner: ['Owner', 'Besitzer'],
  // migrations
  projects: ['Migration projects', 'Migrationsprojekte'],
  newProject: ['New project', 'Neues Projekt'],
  chooseTenant: ['Tenant', 'Mandant'],
  sourceServer: ['Source server', 'Quellserver'],
  host: ['Host', 'Host'],
  port: ['Port', 'Port'],
  security: ['Security', 'Sicherheit'],
  insecure: ['Accept a self-signed certificate', 'Selbstsigniertes Zertifikat akzeptieren'],
  authMethod: ['Authentication', 'Anmeldung'],
  authMaster: ['One admin (master) login for every account', 'Eine Admin-(Master-)Anmeldung für alle Postfächer'],
  authPassword: ['Each account’s own password (from the CSV)', 'Eigenes Passwort je Postfach (aus der CSV)'],
  masterUser: ['Admin user', 'Admin-Benutzer'],
  masterPassword: ['Admin password', 'Admin-Passwort'],
  masterStyle: ['How the admin logs in', 'Wie der Admin sich anmeldet'],
  styleSasl: ['SASL authorization identity', 'SASL-Autorisierungsidentität'],
  styleSeparator: ['user*admin (Dovecot)', 'user*admin (Dovecot)'],
  timeZone: ['Time zone', 'Zeitzone'],
  timeZoneHint: ['The cut-over is scheduled and shown in this zone.', 'Die Umstellung wird in dieser Zone geplant und angezeigt.'],
  accountsCsv: [
    'Account pairs (CSV: source_user,destination_address[,source_password])',
    'Postfachpaare (CSV: source_user,destination_address[,source_password])',
  ],
  testConnection: ['Test connection', 'Verbindung testen'],
  connectionOk: [
    'Connected and logged in as {user}: {folders} folders ({ms} ms).',
    'Verbunden und angemeldet als {user}: {folders} Ordner ({ms} ms).',
  ],
  connectionFailed: ['Connection test failed: {error}', 'Verbindungstest fehlgeschlagen: {error}'],
  csvFirstRowNeeded: [
    'Enter at least one account pair first: the test logs in as its source user.',
    'Bitte zuerst ein Postfachpaar eintragen: der Test meldet sich als dessen Quellbenutzer an.',
  ],
  createProject: ['Create project', 'Projekt anlegen'],
  accounts: ['Accounts', 'Postfächer'],
  prestage: ['Start pre-stage', 'Vorab-Kopie starten'],
  retryFailed: ['Retry failed accounts', 'Fehlgeschlagene wiederholen'],
  started: ['{n} accounts started.', '{n} Postfächer gestartet.'],
  progressTitle: ['Progress per account', 'Fortschritt je Postfach'],
  sourceUser: ['Source', 'Quelle'],
  destination: ['Destination', 'Ziel'],
  phase: ['Phase', 'Phase'],
  messages: ['Messages', 'Nachrichten'],
  bytes: ['Bytes', 'Bytes'],
  rate: ['Rate', 'Rate'],
  eta: ['ETA', 'Restzeit'],
  errors: ['Errors', 'Fehler'],
  deltaSchedule: ['Delta passes', 'Delta-Läufe'],
  everyMinutes: ['Every (minutes)', 'Alle (Minuten)'],
  deltaOff: ['No delta passes are scheduled.', 'Keine Delta-Läufe geplant.'],
  deltaOn: ['A delta pass runs every {n} minutes.', 'Alle {n} Minuten läuft ein Delta-Lauf.'],
  startDelta: ['Schedule', 'Planen'],
  stopDelta: ['Stop delta passes', 'Delta-Läufe beenden'],
  cutover: ['Cut-over', 'Umstellung'],
  cutoverDate: ['Date', 'Datum'],
  cutoverTime: ['Time', 'Uhrzeit'],
  cutoverAt: ['Cut-over scheduled for {at} ({zone}).', 'Umstellung geplant für {at} ({zone}).'],
  noCutover: ['No cut-over is scheduled.', 'Keine Umstellung geplant.'],
  scheduleCutover: ['Schedule the cut-over', 'Umstellung planen'],
  moveCutover: ['Move the cut-over', 'Umstellung verschieben'],
  rollback: ['Roll back', 'Zurückrollen'],
  rollbackReason: ['Reason for the roll-back', 'Grund für das Zurückrollen'],
  report: ['Verification report', 'Prüfbericht'],
  showReport: ['Report', 'Bericht'],
  downloadJson: ['Download JSON', 'JSON herunterladen'],
  downloadCsv: ['Download CSV', 'CSV herunterladen'],
  noReport: ['Not verified yet: the verification runs at the cut-over.', 'Noch nicht geprüft: die Prüfung läuft bei der Umstellung.'],
  folder: ['Folder', 'Ordner'],
  sourceCount: ['At the source', 'In der Quelle'],
  destCount: ['At the destination', 'Im Ziel'],
  matched: ['Matched', 'Übereinstimmend'],
  missing: ['Missing', 'Fehlend'],
  missingMessages: ['Missing messages', 'Fehlende Nachrichten'],
  verifiedYes: ['Verified: every message arrived.', 'Geprüft: jede Nachricht ist angekommen.'],
  verifiedNo: ['Not verified: messages are missing.', 'Nicht bestätigt: Nachrichten fehlen.'],
  subject: ['Subject', 'Betreff'],
  history: ['History', 'Verlauf'],
  // operator
  tenants: ['Tenants', 'Mandanten'],
  slug: ['Short name (slug)', 'Kurzname (Slug)'],
  poolGiB: ['Pool (GiB)', 'Pool (GiB)'],
  defaultAllocationMiB: ['Default allocation (MiB)', 'Standardzuteilung (MiB)'],
  createTenant: ['Create a tenant', 'Mandanten anlegen'],
  changePool: ['Change the pool', 'Pool ändern'],
  poolChanged: ['Pool changed.', 'Pool geändert.'],
  openTenant: ['Open', 'Öffnen'],
  readiness: ['Readiness checks', 'Bereitschaftsprüfungen'],
  check: ['Check', 'Prüfung'],
  ok: ['ok', 'ok'],
  down: ['down', 'ausgefallen'],
  queues: ['Queues', 'Warteschlangen'],
  queue: ['Queue', 'Warteschlange'],
  waiting: ['Waiting', 'Wartend'],
  active: ['Active', 'Aktiv'],
  delayed: ['Delayed', 'Verzögert'],
  failed: ['Failed', 'Fehlgeschlagen'],
  failedJobs: ['Failed jobs', 'Fehlgeschlagene Aufträge'],
  job: ['Job', 'Auftrag'],
  reason: ['Reason', 'Grund'],
  attempts: ['Attempts', 'Versuche'],
  filters: ['Filters', 'Filter'],
  actor: ['Actor', 'Akteur'],
  action: ['Action (or prefix like account.)', 'Aktion (oder Präfix wie account.)'],
  from: ['From', 'Von'],
  to: ['Until', 'Bis'],
  apply_filters: ['Show', 'Anzeigen'],
  exportNdjson: ['Export NDJSON', 'NDJSON exportieren'],
  exportCsv: ['Export CSV', 'CSV exportieren'],
  verifyChain: ['Verify the chain', 'Kette prüfen'],
  chainOk: ['Chain intact: {n} entries checked.', 'Kette intakt: {n} Einträge geprüft.'],
  chainBroken: ['Chain broken: {n} problems.', 'Kette beschädigt: {n} Probleme.'],
  target: ['Target', 'Ziel'],
  tenant: ['Tenant', 'Mandant'],
  loadMore: ['Load more', 'Mehr laden'],
  supportHome: ['Support', 'Support'],
  supportHelp: [
    'Pick a tenant to see its accounts and their audit trail.',
    'Wählen Sie einen Mandanten, um seine Postfächer und deren Audit-Verlauf zu sehen.',
  ],
  auditTrail: ['Audit trail', 'Audit-Verlauf'],
  backups: ['Backups and restore', 'Sicherungen und Wiederherstellung'],
  backupsOf: ['Backups of {address}', 'Sicherungen von {address}'],
  backupSearchText: ['Subject or sender contains', 'Betreff oder Absender enthält'],
  deletedWithin: ['Deleted', 'Gelöscht'],
  anyMessage: ['Any message, deleted or not', 'Jede Nachricht, gelöscht oder nicht'],
  lastDays: ['in the last {days} days', 'in den letzten {days} Tagen'],
  noBackupMatches: ['No backed-up message matches.', 'Keine gesicherte Nachricht passt.'],
  receivedAt: ['Received', 'Empfangen'],
  deletedAt: ['Deleted', 'Gelöscht'],
  previewAction: ['Preview', 'Vorschau'],
  preview: ['Preview (headers and text only)', 'Vorschau (nur Kopfzeilen und Text)'],
  size: ['Size', 'Größe'],
  accessReason: ['Reason for the preview and the restore', 'Grund für Vorschau und Wiederherstellung'],
  accessReasonHintSupport: [
    'Support gives it before reading a message; recorded in the audit log with the preview and the restore, e.g. the ticket number.',
    'Der Support gibt ihn vor dem Lesen einer Nachricht an; er wird mit Vorschau und Wiederherstellung im Audit-Protokoll festgehalten, z. B. die Ticketnummer.',
  ],
  passwordReason: ['Reason for the password reset', 'Grund für das Zurücksetzen des Passworts'],
  passwordReasonHint: [
    'Support gives a reason for every password reset; it is recorded in the audit log, e.g. the ticket number.',
    'Der Support nennt für jedes Zurücksetzen eines Passworts einen Grund; er wird im Audit-Protokoll festgehalten, z. B. die Ticketnummer.',
  ],
  readReason: ['Reason for reading this message', 'Grund für das Lesen dieser Nachricht'],
  readReasonHint: [
    'Support gives a reason before reading mail content; it is recorded in the audit log, e.g. the ticket number.',
    'Der Support nennt vor dem Lesen von Nachrichteninhalten einen Grund; er wird im Audit-Protokoll festgehalten, z. B. die Ticketnummer.',
  ],
  showPreview: ['Show the preview', 'Vorschau zeigen'],
  reasonFirst: [
    'Give a reason first (at least 5 characters), e.g. the ticket number.',
    'Geben Sie zuerst einen Grund an (mindestens 5 Zeichen), z. B. die Ticketnummer.',
  ],
  restoreReasonHint: [
    'Recorded in the audit log, e.g. the ticket number.',
    'Wird im Audit-Protokoll festgehalten, z. B. die Ticketnummer.',
  ],
  restoreMessage: ['Restore this message', 'Diese Nachricht wiederherstellen'],
  backupHealth: ['Backups', 'Sicherungen'],
  lastDrill: ['Last restore drill', 'Letzte Wiederherstellungsprobe'],
  drillFigures: [
    '{passed} of {sampled} sampled messages restored identical; recovery point at most {rpo} min, recovery time {rto} s',
    '{passed} von {sampled} Stichproben identisch wiederhergestellt; Wiederherstellungspunkt höchstens {rpo} Min., Wiederherstellungszeit {rto} s',
  ],
  lastIntegrityCheck: ['Last integrity check', 'Letzte Integritätsprüfung'],
  integrityFigures: [
    '{checked} stored messages read back: {missing} missing, {corrupt} corrupt',
    '{checked} gespeicherte Nachrichten gelesen: {missing} fehlen, {corrupt} beschädigt',
  ],
  backupNotifications: ['Backup notifications', 'Sicherungs-Meldungen'],
  drillFailedNote: ['A restore drill failed', 'Eine Wiederherstellungsprobe ist fehlgeschlagen'],
  integrityFailedNote: ['An integrity check found a problem', 'Eine Integritätsprüfung hat ein Problem gefunden'],
  restoreDone: [
    'Restored: {restored} message(s) put back, {present} already there.',
    'Wiederhergestellt: {restored} Nachricht(en) zurückgelegt, {present} waren schon da.',
  ],
  // quarantine (tenant admin)
  navQuarantine: ['Quarantine', 'Quarantäne'],
  quarantineHelp: [
    'Messages held back by the filters. Look at a safe preview (headers and text only), then release a message to the inbox or delete it.',
    'Von den Filtern zurückgehaltene Nachrichten. Sehen Sie sich eine sichere Vorschau an (nur Kopfzeilen und Text) und stellen Sie eine Nachricht dann ins Postfach zu oder löschen Sie sie.',
  ],
  quarantineDeleted: ['The message was deleted for good.', 'Die Nachricht wurde endgültig gelöscht.'],
  senderContains: ['Sender contains', 'Absender enthält'],
  subjectContains: ['Subject contains', 'Betreff enthält'],
  quarantineReason: ['Reason', 'Grund'],
  anyReason: ['Any reason', 'Jeder Grund'],
  anyStatus: ['Any status', 'Jeder Status'],
  qreason_spam: ['spam', 'Spam'],
  qreason_virus: ['virus', 'Virus'],
  qreason_blocked_sender: ['blocked sender', 'gesperrter Absender'],
  qstatus_held: ['held', 'zurückgehalten'],
  qstatus_releasing: ['being released', 'wird zugestellt'],
  qstatus_released: ['released', 'zugestellt'],
  quarantineEmpty: ['No quarantined message matches.', 'Keine Nachricht in Quarantäne passt.'],
  sender: ['Sender', 'Absender'],
  recipient: ['Recipient', 'Empfänger'],
  spamScore: ['Spam score', 'Spam-Wert'],
  quarantinedAt: ['Quarantined', 'In Quarantäne seit'],
  quarantineExpiresAt: ['Deleted automatically', 'Automatisch gelöscht am'],
  release: ['Release', 'Zustellen'],
  releaseAllowed: ['You may release it', 'Sie dürfen sie zustellen'],
  noSubject: ['(no subject)', '(kein Betreff)'],
  quarantinePages: ['Quarantine pages', 'Seiten der Quarantäne'],
  firstPage: ['First page', 'Erste Seite'],
  perPage: ['Per page', 'Pro Seite'],
  releaseRefusedReleased: ['Already released.', 'Bereits zugestellt.'],
  releaseRefusedRole: ['Your role may not release messages.', 'Ihre Rolle darf keine Nachrichten zustellen.'],
  releaseRefusedPolicy: [
    "Only an operator may release it: the tenant's release policy for this reason.",
    'Nur der Betrieb darf sie zustellen: so will es die Freigaberegel des Mandanten für diesen Grund.',
  ],
  quarantinedMessage: ['Quarantined: {subject}', 'In Quarantäne: {subject}'],
  releasedBy: ['Released by {who} on {at}.', 'Zugestellt von {who} am {at}.'],
  previewHeadersOnly: [
    'The message is too large for a text preview: its headers only.',
    'Die Nachricht ist für eine Textvorschau zu groß: nur ihre Kopfzeilen.',
  ],
  previewGone: [
    'Released: its content is no longer kept in quarantine, so there is no preview.',
    'Zugestellt: der Inhalt wird nicht mehr in der Quarantäne aufbewahrt, daher gibt es keine Vorschau.',
  ],
  headers: ['Headers', 'Kopfzeilen'],
  headerName: ['Header', 'Kopfzeile'],
  headerValue: ['Value', 'Wert'],
  messageText: ['Message text', 'Nachrichtentext'],
  previewTruncated: ['The text is cut short here.', 'Der Text ist hier gekürzt.'],
  previewFromHtml: [
    'Shown as plain text from the HTML part (no images, links or remote content are loaded).',
    'Als reiner Text aus dem HTML-Teil gezeigt (keine Bilder, Links oder entfernten Inhalte werden geladen).',
  ],
  attachments: ['Attachments (not opened)', 'Anhänge (nicht geöffnet)'],
  allowSenderToo: ["Also put the sender on the tenant's allow list", 'Absender auch auf die Erlaubt-Liste des Mandanten setzen'],
  learnHamToo: ['Also teach the spam filter that this is not spam', 'Dem Spamfilter auch beibringen, dass dies kein Spam ist'],
  releaseToInbox: ['Release to the inbox', 'Ins Postfach zustellen'],
  releaseDone: [
    'Released: scanned again and delivered to the inbox of {recipient}.',
    'Zugestellt: erneut geprüft und in den Posteingang von {recipient} gelegt.',
  ],
  deleteForGood: ['Delete for good', 'Endgültig löschen'],
  deleteConfirm: ['The message cannot be recovered afterwards.', 'Die Nachricht lässt sich danach nicht wiederherstellen.'],
  // message trace (support)
  navTrace: ['Message trace', 'Nachrichtenverfolgung'],
  traceHelp: [
    'Find a message by its Message-ID, or by a recipient within a time range (the last seven days unless you give one), and follow its path.',
    'Finden Sie eine Nachricht über ihre Message-ID oder über einen Empfänger in einem Zeitraum (ohne Angabe die letzten sieben Tage) und verfolgen Sie ihren Weg.',
  ],
  messageIdField: ['Message-ID', 'Message-ID'],
  traceAction: ['Trace', 'Verfolgen'],
  traceNone: ['No message found.', 'Keine Nachricht gefunden.'],
  tracedMessage: ['Message {queueId}', 'Nachricht {queueId}'],
  acceptedAt: ['Accepted', 'Angenommen'],
  tracePath: ["The message's path", 'Der Weg der Nachricht'],
  traceStep: ['Step', 'Schritt'],
  traceTime: ['Time', 'Zeit'],
  traceElapsed: ['Since accepted', 'Seit Annahme'],
  traceDetail: ['Details', 'Einzelheiten'],
  msAfter: ['+{ms} ms', '+{ms} ms'],
  traceScannedSpam: ['spam filter: score {score} (limit {required})', 'Spamfilter: Wert {score} (Grenze {required})'],
  traceScannedVirus: ['virus scanner: infected ({signature})', 'Virenscanner: infiziert ({signature})'],
  traceScannedClean: ['virus scanner: clean', 'Virenscanner: sauber'],
  stage_accepted: ['accepted', 'angenommen'],
  stage_scanned: ['scanned', 'geprüft'],
  stage_routed: ['routed', 'Weg bestimmt'],
  stage_delivered: ['delivered', 'zugestellt'],
  stage_relayed: ['relayed', 'weitergereicht'],
  stage_quarantined: ['quarantined', 'in Quarantäne'],
  stage_released: ['released from quarantine and delivered', 'aus der Quarantäne zugestellt'],
  stage_deferred: ['deferred', 'zurückgestellt'],
  stage_rejected: ['rejected', 'abgewiesen'],
  stage_discarded: ['discarded', 'verworfen'],
  stage_failed: ['failed', 'fehlgeschlagen'],
} as const satisfies Record<string, readonly [string, string]>;

export type MessageKey = keyof typeof M;
export const hasMessage = (key: string): key is MessageKey => key in M;

export function pickLang(stored: string | null, browser: readonly string[]): Lang {
  if (stored === 'en' || stored === 'de') return stored;
  for (const l of browser) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

export function translate(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text: string = M[key][lang === 'de' ? 1 : 0];
  return text.replace(/\{(\w+)\}/g, (_m, k: string) => (k in vars ? String(vars[k]) : `{${k}}`));
}

export interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  bytes(n: number | null | undefined): string;
  date(iso: string | null | undefined, opts?: Intl.DateTimeFormatOptions): string;
  num(n: number): string;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function makeI18n(lang: Lang, setLang: (l: Lang) => void): I18n {
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  return {
    lang,
    setLang,
    t: (key, vars) => translate(lang, key, vars),
    bytes(n) {
      if (n === null || n === undefined) return '–';
      let v = Math.abs(n);
      let u = 0;
      while (v >= 1024 && u < UNITS.length - 1) {
        v /= 1024;
        u++;
      }
      return `${n < 0 ? '−' : ''}${nf.format(v)} ${UNITS[u]}`;
    },
    date(iso, opts = { dateStyle: 'medium', timeStyle: 'short' }) {
      if (!iso) return '–';
      return new Intl.DateTimeFormat(locale, opts).format(new Date(iso));
    },
    num: (n) => nf.format(n),
  };
}

export const I18nContext = createContext<I18n>(makeI18n('en', () => undefined));
export const useI18n = () => useContext(I18nContext);
