-- Message search (issue 13; store/search.py, docs/search.md). The tokens are made in Python, the same as on MySQL
-- (words; for Chinese and Japanese every character and every pair of adjacent characters), each written as 16 hex
-- digits (a hash), so FTS5's own tokenizer only separates them and FTS5 holds exactly those tokens.
-- search_docs keeps each live message's token string (one row per message, written in the transaction that
-- stores, edits or deletes it); its triggers keep the FTS5 index, which needs the old string to delete a row.
-- FTS5 writes a small segment per transaction and merges segments as it goes, instead of touching a page per
-- token as a B-tree of tokens would. Messages stored before this migration are indexed right after it
-- (store/migrations.py). Triggers stay on one line: migrations split statements at a ';' that ends a line.
CREATE TABLE search_docs (
    message_id INTEGER PRIMARY KEY,
    room_id INTEGER NOT NULL,
    words TEXT NOT NULL
);
CREATE VIRTUAL TABLE search_fts USING fts5(words, content='search_docs', content_rowid='message_id', detail='none');
CREATE TRIGGER search_docs_added AFTER INSERT ON search_docs BEGIN INSERT INTO search_fts (rowid, words) VALUES (new.message_id, new.words); END;
CREATE TRIGGER search_docs_removed AFTER DELETE ON search_docs BEGIN INSERT INTO search_fts (search_fts, rowid, words) VALUES ('delete', old.message_id, old.words); END;
