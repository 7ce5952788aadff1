-- Invites (REGISTRATION=invite): single-use links with an expiry, made by admins. Only a SHA-256 of each token
-- is kept, so the table alone lets nobody register. A registration uses its invite in the transaction that
-- creates the user (used_at set only where it is still NULL, under the row's lock), so one token makes one account.
CREATE TABLE invites (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_by BIGINT UNSIGNED NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    used_by BIGINT UNSIGNED NULL,
    revoked_at BIGINT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_invites_token_hash (token_hash),
    CONSTRAINT fk_invites_creator FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT fk_invites_user FOREIGN KEY (used_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
