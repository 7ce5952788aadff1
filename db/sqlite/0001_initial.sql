-- Parley schema, version 1 (SQLite). Times are milliseconds since the Unix epoch (UTC).
-- AUTOINCREMENT: ids are never reused after old messages are purged.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    -- lower(username): uniqueness regardless of case
    username_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_sessions_user ON sessions (user_id);

CREATE TABLE rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- casefold(name): one room per name regardless of case
    name_key TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL DEFAULT '',
    is_private INTEGER NOT NULL DEFAULT 0,
    archived INTEGER NOT NULL DEFAULT 0,
    -- the seq of the newest message; bumped in the (serialized) write transaction that stores it
    last_seq INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE room_members (
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX ix_room_members_user ON room_members (user_id, room_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    client_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (room_id, seq),
    UNIQUE (user_id, client_id)
);
CREATE INDEX ix_messages_created ON messages (created_at);

INSERT INTO rooms (name, name_key, topic, is_private, created_at)
VALUES ('general', 'general', 'Everyone, everything', 0, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
