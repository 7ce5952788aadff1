-- Sessions are kept by key, the SHA-256 (hex) of the id the cookie carries, not by the id itself: a copy of the
-- database then holds no usable session. Existing sessions are converted in place, so nobody is logged out, and
-- so are the pending revocations, which name sessions the same way (SHA2 gives the same lowercase hex as
-- parley.store.session_key).
UPDATE sessions SET id = SHA2(id, 256);
UPDATE revocations SET session_id = SHA2(session_id, 256);
