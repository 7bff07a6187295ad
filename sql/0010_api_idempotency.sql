-- Idempotency for API submissions: a retried request with the same Idempotency-Key and body is answered from the
-- first one and stored once; the same key with another body is refused.
CREATE TABLE api_idempotency (
    firm_id        bigint NOT NULL REFERENCES firm,
    key            text NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
    operation      text NOT NULL CHECK (operation IN ('submit', 'amend')),
    request_sha256 text NOT NULL CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
    response       jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (firm_id, key)
);
