// Integration tests talk to real servers (Dovecot delays failed logins by design): give them time.
// testTimeout in a jest project entry is ignored, hence this file.
jest.setTimeout(60_000);
