-- Room changes made outside the servers (the admin CLI): every app process polls this log and tells its own
-- open connections (room.updated, room.joined/left, member.joined/left). Rows older than a day are pruned.
CREATE TABLE room_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id INTEGER NOT NULL,
    user_id INTEGER NULL,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_room_events_created ON room_events (created_at);
