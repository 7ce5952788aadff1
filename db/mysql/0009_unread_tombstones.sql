-- Unread counts leave deleted messages (tombstones) out: the index they scan carries `deleted`, so the count
-- still reads the index alone. Sends maintain the same one index as before.
ALTER TABLE messages DROP INDEX ix_messages_unread, ADD INDEX ix_messages_unread (room_id, seq, user_id, deleted);
