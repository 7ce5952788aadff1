-- Ended sessions, in order: every app process polls this log and closes the WebSockets of sessions ended
-- anywhere else (another process, the admin CLI). Rows older than a day are pruned by the servers.
CREATE TABLE revocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_revocations_created ON revocations (created_at);
