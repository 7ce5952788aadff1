-- Message search (issue 13): one row per distinct token of a live message's body, written in the transaction
-- that stores, edits or deletes the message (store/search.py; docs/search.md says why a token table: MariaDB's
-- FULLTEXT has no parser for Chinese, MySQL's ngram parser is not in MariaDB). Tokens are folded in Python, so
-- the column compares bytes (utf8mb4_bin). The primary key (InnoDB's clustered index) reads a token's messages
-- newest first and answers "does message M hold token T" in one look-up; room_id lets the search keep to the
-- caller's rooms without reading the message. The message_id index serves edits, deletions and purges.
-- Messages stored before this migration are indexed right after it (store/migrations.py).
CREATE TABLE search_tokens (
    token VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    message_id BIGINT UNSIGNED NOT NULL,
    room_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (token, message_id),
    KEY ix_search_tokens_message (message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
