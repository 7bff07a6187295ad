-- API tokens and the append-only, hash-chained audit log.

CREATE TABLE api_token (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The first characters of the secret, shown in listings so a holder can recognise a token; never the secret.
    prefix         text NOT NULL CHECK (prefix ~ '^[a-z]{2,8}_[A-Za-z0-9]{4,12}$'),
    secret_sha256  bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
    role           text NOT NULL CHECK (role IN ('enterprise', 'analyst', 'supervisor', 'admin')),
    firm_id        bigint REFERENCES firm,
    name           text NOT NULL CHECK (name <> ''),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text NOT NULL,
    expires_at     timestamptz,
    revoked_at     timestamptz,
    last_used_at   timestamptz,
    CHECK ((role = 'enterprise') = (firm_id IS NOT NULL))
);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL,
    role        text NOT NULL,
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   text,
    request_id  text,
    before      jsonb,
    after       jsonb,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL
);

-- The hash of one audit row: SHA-256 over its predecessor's hash and a canonical text of its fields.
CREATE FUNCTION audit_row_hash(prev bytea, r audit_log) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(
        prev || convert_to(
            concat_ws(E'\x1f',
                r.id::text,
                to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                r.actor, r.role, r.action, r.entity_type,
                coalesce(r.entity_id, ''), coalesce(r.request_id, ''),
                coalesce(r.before::text, ''), coalesce(r.after::text, '')),
            'UTF8'))
$$;

CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    previous bytea;
BEGIN
    -- Serialise writers so that every row links to the one committed before it.
    PERFORM pg_advisory_xact_lock(hashtext('precursor.audit_log'));
    SELECT hash INTO previous FROM audit_log ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(previous, '\x'::bytea);
    NEW.at := clock_timestamp();
    NEW.hash := audit_row_hash(NEW.prev_hash, NEW);
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Walks the chain in id order and returns the first row whose link or hash does not match (none when intact).
CREATE FUNCTION audit_verify(OUT broken_id bigint, OUT problem text, OUT rows_checked bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r audit_log;
    previous bytea := '\x'::bytea;
BEGIN
    rows_checked := 0;
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        rows_checked := rows_checked + 1;
        IF r.prev_hash IS DISTINCT FROM previous THEN
            broken_id := r.id; problem := 'prev_hash does not match the preceding row''s hash';
            RETURN;
        END IF;
        IF r.hash IS DISTINCT FROM audit_row_hash(previous, r) THEN
            broken_id := r.id; problem := 'row content does not match its hash (altered after it was written)';
            RETURN;
        END IF;
        previous := r.hash;
    END LOOP;
END
$$;
