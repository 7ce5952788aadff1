-- Sends waiting for the search index (docs/search.md, "When the index is written"): a send's transaction adds
-- its message id here instead of writing its tokens; the indexer indexes the messages' current bodies and deletes
-- the rows in one transaction, so a crash between a send and its indexing loses nothing.
CREATE TABLE search_backlog (
    message_id INTEGER NOT NULL PRIMARY KEY
);
