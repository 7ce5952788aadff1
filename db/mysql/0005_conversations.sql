-- Direct messages, edit and delete, reactions (issue 11).
-- A DM is a private room of kind 'dm'. dm_key is its members' ids, sorted and comma-separated: the same people
-- always find the same room, and the unique key makes two concurrent creations end in one room. Its name is
-- empty and its name_key is a control character followed by the dm_key, which no room name can be (room names
-- refuse control characters), so a DM never takes or blocks a room's name.
-- change_seq: the room's change counter, bumped under this row's lock in the transaction of each edit,
-- deletion and reaction change, as last_seq is for messages.
ALTER TABLE rooms
    ADD COLUMN kind VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'room',
    ADD COLUMN dm_key VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD COLUMN change_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
    ADD UNIQUE KEY uq_rooms_dm_key (dm_key);

-- deleted: the row stays (empty body, no reactions), a tombstone, so seq stays gap-free.
-- change_seq: the room's change_seq at this message's last change (0: never changed). Not indexed: sends pay
-- nothing for it.
ALTER TABLE messages
    ADD COLUMN edited_at BIGINT NULL,
    ADD COLUMN deleted TINYINT(1) NOT NULL DEFAULT 0,
    ADD COLUMN change_seq BIGINT UNSIGNED NOT NULL DEFAULT 0;

-- Which message each change_seq of a room changed, one row per changed message (its latest change): what
-- GET /api/rooms/{id}/changes pages through. Written only by changes, never by a send.
CREATE TABLE message_changes (
    message_id BIGINT UNSIGNED NOT NULL,
    room_id BIGINT UNSIGNED NOT NULL,
    change_seq BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (message_id),
    UNIQUE KEY uq_message_changes_room_seq (room_id, change_seq),
    CONSTRAINT fk_message_changes_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT fk_message_changes_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per (message, user, emoji). utf8mb4_bin: the unicode collations call many different emoji equal.
CREATE TABLE reactions (
    message_id BIGINT UNSIGNED NOT NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    emoji VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji),
    KEY ix_reactions_user (user_id),
    CONSTRAINT fk_reactions_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
    CONSTRAINT fk_reactions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
