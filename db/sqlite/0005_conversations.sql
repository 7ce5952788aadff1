-- Direct messages, edit and delete, reactions (issue 11).
-- A DM is a private room of kind 'dm'. dm_key is its members' ids, sorted and comma-separated: the same people
-- always find the same room, and the unique key makes two concurrent creations end in one room. Its name is
-- empty and its name_key is a control character followed by the dm_key, which no room name can be (room names
-- refuse control characters), so a DM never takes or blocks a room's name.
ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'room';
ALTER TABLE rooms ADD COLUMN dm_key TEXT NULL;
CREATE UNIQUE INDEX uq_rooms_dm_key ON rooms (dm_key);
-- The room's change counter: bumped under the room's row lock in the transaction of each edit, deletion and
-- reaction change, as last_seq is for messages.
ALTER TABLE rooms ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;

ALTER TABLE messages ADD COLUMN edited_at INTEGER NULL;
-- A deleted message keeps its row (empty body, no reactions): a tombstone, so seq stays gap-free.
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
-- The room's change_seq at this message's last change (0: never changed). Not indexed: sends pay nothing.
ALTER TABLE messages ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;

-- Which message each change_seq of a room changed, one row per changed message (its latest change): what
-- GET /api/rooms/{id}/changes pages through. Written only by changes, never by a send.
CREATE TABLE message_changes (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    change_seq INTEGER NOT NULL,
    UNIQUE (room_id, change_seq)
);

-- One row per (message, user, emoji). SQLite compares text byte by byte: distinct emoji stay distinct.
CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);
