-- Files uploaded to a room. A file belongs to its uploader alone until a message sends it (message_id set once,
-- in the send's transaction); deleting or purging the message deletes the row, and the server deletes the bytes.
-- `storage_key` names the bytes in FILES_DIR (random, never the user's file name); `name` is the sanitized name.
CREATE TABLE files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id INTEGER NULL REFERENCES messages (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NULL,
    height INTEGER NULL,
    thumbnail INTEGER NOT NULL DEFAULT 0,
    storage_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
-- A message's files; the uploader's recent uploads (the daily quota sums them).
CREATE INDEX ix_files_message ON files (message_id);
CREATE INDEX ix_files_user_created ON files (user_id, created_at);
