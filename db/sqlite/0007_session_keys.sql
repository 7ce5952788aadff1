-- Sessions are kept by key, the SHA-256 (hex) of the id the cookie carries, not by the id itself: a copy of the
-- database then holds no usable session. Existing sessions are converted in place, so nobody is logged out, and
-- so are the pending revocations, which name sessions the same way. parley_session_key() is
-- parley.store.session_key, registered on every connection the SQLite backend opens.
UPDATE sessions SET id = parley_session_key(id);
UPDATE revocations SET session_id = parley_session_key(session_id);
