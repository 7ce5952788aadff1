-- Files uploaded to a room. A file belongs to its uploader alone until a message sends it (message_id set once,
-- in the send's transaction); deleting or purging the message deletes the row, and the server deletes the bytes.
-- `storage_key` names the bytes in FILES_DIR (random, never the user's file name); `name` is the sanitized name.
CREATE TABLE files (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    room_id BIGINT UNSIGNED NOT NULL,
    user_id BIGINT UNSIGNED NOT NULL,
    message_id BIGINT UNSIGNED NULL,
    name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
    size BIGINT UNSIGNED NOT NULL,
    content_type VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    width INT UNSIGNED NULL,
    height INT UNSIGNED NULL,
    thumbnail TINYINT(1) NOT NULL DEFAULT 0,
    storage_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_files_storage_key (storage_key),
    KEY ix_files_message (message_id),
    KEY ix_files_user_created (user_id, created_at),
    CONSTRAINT fk_files_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
    CONSTRAINT fk_files_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_files_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
