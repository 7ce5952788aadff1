-- Invites (REGISTRATION=invite): single-use links with an expiry, made by admins. Only a SHA-256 of each token
-- is kept, so the table alone lets nobody register. A registration uses its invite in the transaction that
-- creates the user (used_at set only where it is still NULL), so one token makes one account.
CREATE TABLE invites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER NULL,
    used_by INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    revoked_at INTEGER NULL
);
