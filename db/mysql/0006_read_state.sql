-- Read state, mutes and mentions. A member's read marker and mute setting live on their membership row: leaving
-- a room forgets both. Markers only move forward (the servers write them in batches with
-- `WHERE last_read_seq < new`).
ALTER TABLE room_members
    ADD COLUMN last_read_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
    ADD COLUMN muted TINYINT(1) NOT NULL DEFAULT 0;
-- Existing members have read what was there before this version: an upgrade shows no flood of unread.
UPDATE room_members m JOIN rooms r ON r.id = m.room_id SET m.last_read_seq = r.last_seq;
-- Unread counts scan (room_id, seq > marker) and skip the reader's own messages from the index alone.
CREATE INDEX ix_messages_unread ON messages (room_id, seq, user_id);
-- Who a message mentions (never its author): the key counts a user's mentions after their marker in a room.
CREATE TABLE message_mentions (
    user_id BIGINT UNSIGNED NOT NULL,
    room_id BIGINT UNSIGNED NOT NULL,
    seq BIGINT UNSIGNED NOT NULL,
    message_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (user_id, room_id, seq),
    KEY ix_message_mentions_message (message_id),
    CONSTRAINT fk_message_mentions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_message_mentions_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
