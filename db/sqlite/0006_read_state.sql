-- Read state, mutes and mentions. A member's read marker and mute setting live on their membership row: leaving
-- a room forgets both. Markers only move forward (the servers write them in batches with
-- `WHERE last_read_seq < new`).
ALTER TABLE room_members ADD COLUMN last_read_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE room_members ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
-- Existing members have read what was there before this version: an upgrade shows no flood of unread.
UPDATE room_members SET last_read_seq = (SELECT last_seq FROM rooms WHERE rooms.id = room_members.room_id);
-- Unread counts scan (room_id, seq > marker) and skip the reader's own messages from the index alone.
CREATE INDEX ix_messages_unread ON messages (room_id, seq, user_id);
-- Who a message mentions (never its author): the key counts a user's mentions after their marker in a room.
CREATE TABLE message_mentions (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, room_id, seq)
);
CREATE INDEX ix_message_mentions_message ON message_mentions (message_id);
