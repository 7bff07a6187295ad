-- The alert queue: delivery of alerts (and data-quality findings) to downstream case systems, at least once.
--
-- `alert` (0004) is the business record; these tables are its delivery. `queue_message` is the small hot table of
-- messages awaiting delivery (waiting, leased, or backing off after a failure); `queue_archive` keeps every finished
-- message (acked, dead, purged) in monthly partitions, so that retention is DROP of a partition, never a bulk DELETE.
-- Every operation is a SQL function so that consumers in any language can use it; `pgmq` (0007) wraps these.
-- Functions take an injectable `p_now` (default: the clock) so tests move time instead of sleeping.

CREATE TABLE queue_topic (
    name                 text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,46}$'),
    max_attempts         integer NOT NULL DEFAULT 12 CHECK (max_attempts BETWEEN 1 AND 1000),
    lease_seconds        integer NOT NULL DEFAULT 300 CHECK (lease_seconds > 0),
    backoff_base_seconds integer NOT NULL DEFAULT 10 CHECK (backoff_base_seconds > 0),
    backoff_max_seconds  integer NOT NULL DEFAULT 3600 CHECK (backoff_max_seconds > 0),
    created_at           timestamptz NOT NULL DEFAULT now()
);
INSERT INTO queue_topic (name) VALUES ('alerts'), ('data_quality');

-- No foreign key to queue_topic: enqueue checks the topic once per statement instead of once per row.
CREATE TABLE queue_message (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic           text NOT NULL,
    dedupe_key      text,
    payload         jsonb NOT NULL,
    headers         jsonb,
    priority        smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 0 AND 9),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer NOT NULL CHECK (max_attempts >= 1),
    enqueued_at     timestamptz NOT NULL,
    visible_at      timestamptz NOT NULL,
    lease_token     uuid,
    leased_by       text,
    last_claimed_at timestamptz,
    last_error      text,
    -- Every failure so far: [{"attempt": n, "at": …, "error": …}]; NULL until the first one.
    errors          jsonb,
    alert_id        bigint
)
-- Every claim, extend and nack rewrites the row. A fillfactor of 70 leaves room on the page for the new version
-- (less page splitting and extension on a table that churns); the claim changes indexed columns so these updates are
-- not HOT anyway, and the table stays small. Autovacuum by row count (1 000 dead tuples), not by a fraction of a
-- table whose size swings between zero and 100 000, and without cost throttling, so dead tuples from acks are
-- reclaimed within seconds instead of piling up in the claim index that every consumer walks.
WITH (fillfactor = 70,
      autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0,
      autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,
      autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000);
-- Claim order: rows come out of the index in (priority, visible_at, id) order; leased and backing-off rows lie past
-- `visible_at <= now` and are skipped inside the index.
CREATE INDEX queue_message_claim ON queue_message (topic, priority, visible_at, id) WITH (fillfactor = 70);
-- A dedupe key is unique among a topic's pending messages. Partial, so that messages without a key (most pgmq sends)
-- cost no entry here on enqueue nor on each claim (a claim is not a HOT update, so it adds an entry to every index).
CREATE UNIQUE INDEX queue_message_dedupe ON queue_message (topic, dedupe_key) WHERE dedupe_key IS NOT NULL;

CREATE TABLE queue_archive (
    id              bigint NOT NULL,
    topic           text NOT NULL,
    dedupe_key      text,
    payload         jsonb NOT NULL,
    headers         jsonb,
    priority        smallint NOT NULL,
    attempts        integer NOT NULL,
    max_attempts    integer NOT NULL,
    enqueued_at     timestamptz NOT NULL,
    last_claimed_at timestamptz,
    last_error      text,
    errors          jsonb,
    alert_id        bigint,
    outcome         text NOT NULL CHECK (outcome IN ('acked', 'dead', 'purged')),
    finished_at     timestamptz NOT NULL
) PARTITION BY RANGE (finished_at);
-- Only dead messages are indexed (replay, dead counts): every ack inserts here, and pgmq's delete inserts nowhere.
-- Audit queries by message or alert read one month's partition; index a partition if that becomes frequent.
CREATE INDEX queue_archive_dead ON queue_archive (topic, finished_at) WHERE outcome = 'dead';
-- Catches rows outside the pre-created months, so that an ack never fails for want of a partition.
CREATE TABLE queue_archive_default PARTITION OF queue_archive DEFAULT;

-- Creates the monthly archive partitions from the month of `p_from` for `p_months` months; returns how many were new.
CREATE FUNCTION queue_archive_ensure_partitions(p_from date DEFAULT current_date, p_months integer DEFAULT 3)
RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    month date;
    name text;
    created integer := 0;
BEGIN
    FOR i IN 0 .. p_months - 1 LOOP
        month := date_trunc('month', p_from)::date + make_interval(months => i);
        name := 'queue_archive_' || to_char(month, 'YYYY_MM');
        IF to_regclass('public.' || name) IS NULL THEN
            EXECUTE format('CREATE TABLE public.%I PARTITION OF public.queue_archive FOR VALUES FROM (%L) TO (%L)',
                           name, month, month + interval '1 month');
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END $$;
SELECT queue_archive_ensure_partitions(current_date - 31, 5);

-- One notification per topic per statement (not per row), on channel `queue_<topic>` with an empty payload so that
-- PostgreSQL folds repeats within a transaction. 0007 may replace this to also notify pgmq's channel names.
CREATE FUNCTION queue_notify_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT DISTINCT topic FROM new_rows LOOP
        PERFORM pg_notify('queue_' || t, '');
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER queue_message_notify AFTER INSERT ON queue_message
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queue_notify_insert();

CREATE FUNCTION queue_topic_row(p_topic text) RETURNS queue_topic
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public AS $$
DECLARE
    t queue_topic;
BEGIN
    SELECT * INTO t FROM queue_topic WHERE name = p_topic;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'queue topic "%" does not exist', p_topic
            USING ERRCODE = 'P0002', HINT = 'create it with queue_create_topic() or pgmq.create()';
    END IF;
    RETURN t;
END $$;

-- Creates a topic (idempotent); returns true when it was new.
CREATE FUNCTION queue_create_topic(p_topic text, p_max_attempts integer DEFAULT 12, p_lease_seconds integer DEFAULT 300)
RETURNS boolean LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    WITH i AS (INSERT INTO queue_topic (name, max_attempts, lease_seconds) VALUES (p_topic, p_max_attempts, p_lease_seconds)
               ON CONFLICT (name) DO NOTHING RETURNING 1)
    SELECT EXISTS (SELECT FROM i)
$$;

-- Enqueues a batch: one id per input, in input order. A dedupe key already pending in the topic inserts nothing and
-- returns the pending message's id. `p_headers`, `p_dedupe_keys` may be NULL or shorter (missing = NULL).
CREATE FUNCTION queue_enqueue_batch(
    p_topic text, p_payloads jsonb[], p_headers jsonb[] DEFAULT NULL, p_dedupe_keys text[] DEFAULT NULL,
    p_priority smallint DEFAULT 2, p_delay interval DEFAULT '0', p_alert_ids bigint[] DEFAULT NULL,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (ord integer, id bigint) LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
    t queue_topic := queue_topic_row(p_topic);
    keyless bigint[];
BEGIN
    IF p_dedupe_keys IS NULL THEN
        RETURN QUERY
        WITH i AS (
            INSERT INTO queue_message (topic, payload, headers, priority, max_attempts, enqueued_at, visible_at, alert_id)
            SELECT p_topic, m.payload, p_headers[m.ord], p_priority, t.max_attempts, p_now, p_now + p_delay, p_alert_ids[m.ord]
              FROM unnest(p_payloads) WITH ORDINALITY AS m(payload, ord)
             ORDER BY m.ord
            RETURNING queue_message.id)
        SELECT (row_number() OVER (ORDER BY i.id))::integer, i.id FROM i;
        RETURN;
    END IF;
    -- Concurrent enqueues of one key: ON CONFLICT waits for the other inserter, then either skips (its row committed)
    -- or inserts (it rolled back). The ids are then looked up in a second statement, whose fresh snapshot sees the
    -- other transaction's committed row, so every caller gets the one pending id.
    WITH i AS (
        INSERT INTO queue_message (topic, dedupe_key, payload, headers, priority, max_attempts, enqueued_at, visible_at, alert_id)
        SELECT p_topic, p_dedupe_keys[m.ord], m.payload, p_headers[m.ord], p_priority, t.max_attempts, p_now,
               p_now + p_delay, p_alert_ids[m.ord]
          FROM unnest(p_payloads) WITH ORDINALITY AS m(payload, ord)
         ORDER BY m.ord
        ON CONFLICT (topic, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
        RETURNING queue_message.id, queue_message.dedupe_key)
    SELECT array_agg(i.id ORDER BY i.id) FILTER (WHERE i.dedupe_key IS NULL) INTO keyless FROM i;
    RETURN QUERY
    SELECT m.ord::integer,
           CASE WHEN m.key IS NULL THEN keyless[m.nth]
                ELSE (SELECT q.id FROM queue_message q WHERE q.topic = p_topic AND q.dedupe_key = m.key) END
      FROM (SELECT u.ord, p_dedupe_keys[u.ord] AS key,
                   row_number() OVER (PARTITION BY p_dedupe_keys[u.ord] IS NULL ORDER BY u.ord) AS nth
              FROM unnest(p_payloads) WITH ORDINALITY AS u(payload, ord)) m
     ORDER BY m.ord;
END $$;

-- Enqueues one message; returns its id (or the id of the pending message with the same dedupe key).
CREATE FUNCTION queue_enqueue(
    p_topic text, p_payload jsonb, p_headers jsonb DEFAULT NULL, p_dedupe_key text DEFAULT NULL,
    p_priority smallint DEFAULT 2, p_delay interval DEFAULT '0', p_alert_id bigint DEFAULT NULL,
    p_now timestamptz DEFAULT now())
RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT id FROM queue_enqueue_batch(p_topic, ARRAY[p_payload], ARRAY[p_headers],
                                       CASE WHEN p_dedupe_key IS NOT NULL THEN ARRAY[p_dedupe_key] END, p_priority,
                                       p_delay, ARRAY[p_alert_id], p_now)
$$;

-- Claims up to `p_limit` visible messages of a topic for `p_lease` (FOR UPDATE SKIP LOCKED, by priority then age):
-- each gets a fresh lease token and one more attempt. A message whose last allowed attempt's lease ran out is moved
-- to the archive as dead instead of being handed out again. `p_match` restricts to payloads containing it.
CREATE FUNCTION queue_claim(
    p_topic text, p_limit integer, p_lease interval DEFAULT NULL, p_consumer text DEFAULT NULL,
    p_now timestamptz DEFAULT clock_timestamp(), p_match jsonb DEFAULT NULL)
RETURNS TABLE (id bigint, lease_token uuid, attempts integer, max_attempts integer, priority smallint, payload jsonb,
               headers jsonb, enqueued_at timestamptz, visible_at timestamptz, last_claimed_at timestamptz,
               alert_id bigint, dedupe_key text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
    lease interval := coalesce(p_lease, make_interval(secs => (SELECT lease_seconds FROM queue_topic WHERE name = p_topic)),
                               interval '5 minutes');
BEGIN
    RETURN QUERY
    WITH c AS MATERIALIZED (
        SELECT q.id, q.attempts >= q.max_attempts AS exhausted
          FROM queue_message q
         WHERE q.topic = p_topic AND q.visible_at <= p_now AND (p_match IS NULL OR q.payload @> p_match)
         ORDER BY q.priority, q.visible_at, q.id
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED),
    dead AS (
        DELETE FROM queue_message q USING c WHERE q.id = c.id AND c.exhausted RETURNING q.*),
    buried AS (
        INSERT INTO queue_archive (id, topic, dedupe_key, payload, headers, priority, attempts, max_attempts, enqueued_at,
                                   last_claimed_at, last_error, errors, alert_id, outcome, finished_at)
        SELECT d.id, d.topic, d.dedupe_key, d.payload, d.headers, d.priority, d.attempts, d.max_attempts, d.enqueued_at,
               d.last_claimed_at, 'lease expired on the last allowed attempt',
               coalesce(d.errors, '[]') || jsonb_build_object('attempt', d.attempts, 'at', p_now,
                                                              'error', 'lease expired on the last allowed attempt'),
               d.alert_id, 'dead', p_now
          FROM dead d)
    UPDATE queue_message q
       SET attempts = q.attempts + 1, visible_at = p_now + lease, lease_token = gen_random_uuid(),
           leased_by = p_consumer, last_claimed_at = p_now
      FROM c
     WHERE q.id = c.id AND NOT c.exhausted
    RETURNING q.id, q.lease_token, q.attempts, q.max_attempts, q.priority, q.payload, q.headers, q.enqueued_at,
              q.visible_at, q.last_claimed_at, q.alert_id, q.dedupe_key;
END $$;

-- Acknowledges messages: each (id, lease) pair whose lease is still the message's current one moves to the archive
-- as acked. Returns the ids acknowledged; a missing id means the lease was lost (claimed again, or already acked).
-- PL/pgSQL rather than SQL for its cached plan: a SQL function is planned on every call, which at small batch sizes
-- cost a third of the throughput (the insert into the partitioned archive plans every partition).
CREATE FUNCTION queue_ack(p_ids bigint[], p_leases uuid[], p_now timestamptz DEFAULT clock_timestamp())
RETURNS SETOF bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY
    WITH d AS (
        DELETE FROM queue_message q USING unnest(p_ids, p_leases) AS u(id, lease)
         WHERE q.id = u.id AND q.lease_token = u.lease
        RETURNING q.*),
    a AS (
        INSERT INTO queue_archive (id, topic, dedupe_key, payload, headers, priority, attempts, max_attempts, enqueued_at,
                                   last_claimed_at, last_error, errors, alert_id, outcome, finished_at)
        SELECT d.id, d.topic, d.dedupe_key, d.payload, d.headers, d.priority, d.attempts, d.max_attempts, d.enqueued_at,
               d.last_claimed_at, d.last_error, d.errors, d.alert_id, 'acked', p_now
          FROM d)
    SELECT d.id FROM d;
END $$;

-- Acknowledges one message; false when the lease is no longer current.
CREATE FUNCTION queue_ack(p_id bigint, p_lease uuid, p_now timestamptz DEFAULT clock_timestamp())
RETURNS boolean LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT EXISTS (SELECT FROM queue_ack(ARRAY[p_id], ARRAY[p_lease], p_now))
$$;

-- Reports a failed attempt. Returns 'retry' (visible again after exponential backoff with ±20 % jitter), 'dead'
-- (that was the last allowed attempt: archived as dead with its errors) or 'lease_lost' (nothing changed).
CREATE FUNCTION queue_nack(p_id bigint, p_lease uuid, p_error text, p_now timestamptz DEFAULT clock_timestamp(),
                           OUT outcome text, OUT visible_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    m queue_message;
    t queue_topic;
    err jsonb;
    delay double precision;
BEGIN
    SELECT * INTO m FROM queue_message q WHERE q.id = p_id AND q.lease_token = p_lease FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'lease_lost';
        RETURN;
    END IF;
    err := coalesce(m.errors, '[]') || jsonb_build_object('attempt', m.attempts, 'at', p_now, 'error', left(p_error, 4000));
    IF m.attempts >= m.max_attempts THEN
        DELETE FROM queue_message q WHERE q.id = p_id;
        INSERT INTO queue_archive (id, topic, dedupe_key, payload, headers, priority, attempts, max_attempts, enqueued_at,
                                   last_claimed_at, last_error, errors, alert_id, outcome, finished_at)
        VALUES (m.id, m.topic, m.dedupe_key, m.payload, m.headers, m.priority, m.attempts, m.max_attempts, m.enqueued_at,
                m.last_claimed_at, left(p_error, 4000), err, m.alert_id, 'dead', p_now);
        outcome := 'dead';
        RETURN;
    END IF;
    SELECT * INTO t FROM queue_topic WHERE name = m.topic;
    delay := least(coalesce(t.backoff_max_seconds, 3600),
                   coalesce(t.backoff_base_seconds, 10) * power(2, greatest(m.attempts - 1, 0)))
             * (0.8 + random() * 0.4);
    visible_at := p_now + make_interval(secs => delay);
    UPDATE queue_message q
       SET visible_at = queue_nack.visible_at, lease_token = NULL, leased_by = NULL,
           last_error = left(p_error, 4000), errors = err
     WHERE q.id = p_id;
    outcome := 'retry';
END $$;

-- Extends a lease (heartbeat): the message stays invisible until now + `p_lease`. NULL when the lease is lost.
CREATE FUNCTION queue_extend(p_id bigint, p_lease uuid, p_extension interval, p_now timestamptz DEFAULT clock_timestamp())
RETURNS timestamptz LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    UPDATE queue_message q SET visible_at = p_now + p_extension
     WHERE q.id = p_id AND q.lease_token = p_lease
    RETURNING q.visible_at
$$;

-- Puts dead messages of a topic (one, or all when `p_id` is NULL) back in the queue with attempts reset, keeping
-- their ids and their error history. Returns the ids replayed. A dead message whose dedupe key is pending again
-- stays dead (the pending message will deliver the same thing).
CREATE FUNCTION queue_replay_dead(p_topic text, p_id bigint DEFAULT NULL, p_now timestamptz DEFAULT now())
RETURNS SETOF bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
    t queue_topic := queue_topic_row(p_topic);
BEGIN
    RETURN QUERY
    WITH r AS (
        INSERT INTO queue_message (id, topic, dedupe_key, payload, headers, priority, attempts, max_attempts,
                                   enqueued_at, visible_at, last_error, errors, alert_id)
        OVERRIDING SYSTEM VALUE
        SELECT a.id, a.topic, a.dedupe_key, a.payload, a.headers, a.priority, 0, t.max_attempts, a.enqueued_at, p_now,
               a.last_error, a.errors, a.alert_id
          FROM queue_archive a
         WHERE a.topic = p_topic AND a.outcome = 'dead' AND (p_id IS NULL OR a.id = p_id)
        ON CONFLICT DO NOTHING
        RETURNING queue_message.id),
    gone AS (
        DELETE FROM queue_archive a USING r WHERE a.id = r.id AND a.outcome = 'dead' RETURNING a.id)
    SELECT gone.id FROM gone;
END $$;

-- Removes every pending message of a topic (archived as purged, so nothing vanishes untraced); returns how many.
CREATE FUNCTION queue_purge(p_topic text, p_now timestamptz DEFAULT clock_timestamp())
RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    WITH d AS (DELETE FROM queue_message q WHERE q.topic = p_topic RETURNING q.*),
    a AS (
        INSERT INTO queue_archive (id, topic, dedupe_key, payload, headers, priority, attempts, max_attempts, enqueued_at,
                                   last_claimed_at, last_error, errors, alert_id, outcome, finished_at)
        SELECT d.id, d.topic, d.dedupe_key, d.payload, d.headers, d.priority, d.attempts, d.max_attempts, d.enqueued_at,
               d.last_claimed_at, d.last_error, d.errors, d.alert_id, 'purged', p_now
          FROM d)
    SELECT count(*) FROM d
$$;

-- Per-topic metrics: depth (all pending), visible depth (claimable now), leased, oldest and newest pending age in
-- seconds (NULL when empty), dead messages in the archive.
CREATE FUNCTION queue_metrics(p_topic text DEFAULT NULL, p_now timestamptz DEFAULT clock_timestamp())
RETURNS TABLE (topic text, depth bigint, visible_depth bigint, leased bigint, oldest_age_seconds double precision,
               newest_age_seconds double precision, dead bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT t.name, coalesce(m.depth, 0), coalesce(m.visible, 0), coalesce(m.leased, 0),
           extract(epoch FROM p_now - m.oldest)::double precision, extract(epoch FROM p_now - m.newest)::double precision,
           (SELECT count(*) FROM queue_archive a WHERE a.topic = t.name AND a.outcome = 'dead')
      FROM queue_topic t
      LEFT JOIN LATERAL (
          SELECT count(*) AS depth, count(*) FILTER (WHERE q.visible_at <= p_now) AS visible,
                 count(*) FILTER (WHERE q.lease_token IS NOT NULL AND q.visible_at > p_now) AS leased,
                 min(q.enqueued_at) AS oldest, max(q.enqueued_at) AS newest
            FROM queue_message q WHERE q.topic = t.name) m ON true
     WHERE p_topic IS NULL OR t.name = p_topic
     ORDER BY t.name
$$;

-- The outbox: raises (or re-raises) an alert and enqueues its message in the caller's transaction, so that either
-- both happen or neither. One open alert per (firm, substance, rule family): a re-raise updates it and bumps
-- raise_count. The message carries the alert as JSON; its dedupe key is per raise, so one raise delivers once.
-- Data-quality alerts go to topic `data_quality`, the rest to `alerts`, unless `p_topic` says otherwise.
CREATE FUNCTION queue_raise_alert(
    p_firm_id bigint, p_substance_id integer, p_rule_family text, p_rule text, p_severity text, p_score numeric,
    p_payload jsonb, p_evidence_key text, p_topic text DEFAULT NULL, p_now timestamptz DEFAULT now(),
    OUT alert_id bigint, OUT message_id bigint, OUT raise_count integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
    a alert;
    body jsonb;
BEGIN
    INSERT INTO alert AS x (firm_id, substance_id, rule_family, rule, severity, score, payload, evidence_key,
                            first_raised_at, last_raised_at)
    VALUES (p_firm_id, p_substance_id, p_rule_family, p_rule, p_severity, p_score, p_payload, p_evidence_key, p_now, p_now)
    ON CONFLICT (firm_id, substance_id, rule_family) WHERE state <> 'closed'
    DO UPDATE SET rule = EXCLUDED.rule, severity = EXCLUDED.severity, score = EXCLUDED.score, payload = EXCLUDED.payload,
                  evidence_key = EXCLUDED.evidence_key, last_raised_at = EXCLUDED.last_raised_at,
                  raise_count = x.raise_count + 1
    RETURNING x.* INTO a;
    body := jsonb_build_object(
        'schema', 'alert.v1', 'alert_id', a.id, 'firm_id', a.firm_id,
        'firm_tax_code', (SELECT f.tax_code FROM firm f WHERE f.id = a.firm_id),
        'substance_id', a.substance_id,
        'substance', (SELECT s.code FROM substance s WHERE s.id = a.substance_id),
        'rule_family', a.rule_family, 'rule', a.rule, 'severity', a.severity, 'score', a.score,
        'state', a.state, 'raise_count', a.raise_count, 'first_raised_at', a.first_raised_at,
        'last_raised_at', a.last_raised_at, 'payload', a.payload);
    alert_id := a.id;
    raise_count := a.raise_count;
    message_id := queue_enqueue(
        coalesce(p_topic, CASE WHEN a.rule_family = 'data_quality' THEN 'data_quality' ELSE 'alerts' END),
        body, jsonb_build_object('alert_id', a.id, 'severity', a.severity),
        'alert:' || a.id || ':' || a.raise_count,
        (CASE a.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END)::smallint,
        interval '0', a.id, p_now);
END $$;

-- Consumers log in with a role that is a member of precursor_queue_consumer: they may call the queue functions
-- (SECURITY DEFINER, fixed search_path) but hold no rights on the tables themselves.
-- Roles are cluster-wide: several databases on one server may migrate at once, so a concurrent creation is fine.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'precursor_queue_consumer') THEN
        CREATE ROLE precursor_queue_consumer NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END $$;
REVOKE ALL ON queue_topic, queue_message, queue_archive FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION queue_create_topic(text, integer, integer),
    queue_enqueue_batch(text, jsonb[], jsonb[], text[], smallint, interval, bigint[], timestamptz),
    queue_enqueue(text, jsonb, jsonb, text, smallint, interval, bigint, timestamptz),
    queue_claim(text, integer, interval, text, timestamptz, jsonb),
    queue_ack(bigint[], uuid[], timestamptz), queue_ack(bigint, uuid, timestamptz),
    queue_nack(bigint, uuid, text, timestamptz), queue_extend(bigint, uuid, interval, timestamptz),
    queue_replay_dead(text, bigint, timestamptz), queue_purge(text, timestamptz), queue_metrics(text, timestamptz),
    queue_raise_alert(bigint, integer, text, text, text, numeric, jsonb, text, text, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION queue_claim(text, integer, interval, text, timestamptz, jsonb),
    queue_ack(bigint[], uuid[], timestamptz), queue_ack(bigint, uuid, timestamptz),
    queue_nack(bigint, uuid, text, timestamptz), queue_extend(bigint, uuid, interval, timestamptz),
    queue_metrics(text, timestamptz)
    TO precursor_queue_consumer;
