-- Sends waiting for the search index (docs/search.md, "When the index is written"): a send's transaction adds
-- its message id here (one row, one multi-row INSERT per group-committed batch) instead of writing its tokens;
-- an indexer in every process takes rows (FOR UPDATE SKIP LOCKED, so two processes never take the same one),
-- indexes the messages' current bodies and deletes the rows, in one transaction. A row is only removed in the
-- transaction that indexed its message, so a crash between a send and its indexing loses nothing.
CREATE TABLE search_backlog (
    message_id BIGINT UNSIGNED NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
