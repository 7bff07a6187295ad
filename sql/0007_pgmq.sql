-- A pgmq-compatible facade over the alert queue (0006), so that unmodified pgmq client libraries can consume alerts.
--
-- Written from pgmq's documented SQL API (function names, parameter names and types, result columns); none of its
-- code. Mapping: queue_name = topic, msg_id = id, read_ct = attempts, vt = visible_at, message = payload,
-- last_read_at = last_claimed_at. delete and archive both move the message to queue_archive as acked (we keep every
-- finished message); they skip the lease check, as pgmq has no leases. Reads go through queue_claim, so a message
-- whose last allowed attempt lapsed is dead-lettered rather than read again.
--
-- Message records are (msg_id, read_ct, enqueued_at, vt, message, headers, last_read_at): clients that select by name
-- get what they ask for, and positional clients that read columns 0–4 as (msg_id, read_ct, enqueued_at, vt, message)
-- do too (the layout of a pgmq upgraded across the addition of last_read_at).
--
-- Everything is created in schema precursor_pgmq; the block at the end renames it to pgmq only when no real pgmq
-- owns that name (the extension, or a SQL-only install), and otherwise drops it and says so.

CREATE SCHEMA precursor_pgmq;

CREATE TYPE precursor_pgmq.message_record AS (
    msg_id bigint, read_ct integer, enqueued_at timestamptz, vt timestamptz, message jsonb, headers jsonb,
    last_read_at timestamptz);
CREATE TYPE precursor_pgmq.metrics_result AS (
    queue_name text, queue_length bigint, newest_msg_age_sec integer, oldest_msg_age_sec integer,
    total_messages bigint, scrape_time timestamptz, queue_visible_length bigint);
CREATE TYPE precursor_pgmq.queue_record AS (
    queue_name varchar, is_partitioned boolean, is_unlogged boolean, created_at timestamptz);

-- Finishes messages by id without a lease (pgmq's delete/archive); returns the ids finished.
CREATE FUNCTION queue_finish_unleased(p_topic text, p_ids bigint[], p_now timestamptz DEFAULT clock_timestamp())
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    WITH d AS (
        DELETE FROM queue_message q WHERE q.topic = p_topic AND q.id = ANY (p_ids) RETURNING q.*),
    a AS (
        INSERT INTO queue_archive (id, topic, dedupe_key, payload, headers, priority, attempts, max_attempts, enqueued_at,
                                   last_claimed_at, last_error, errors, alert_id, outcome, finished_at)
        SELECT d.id, d.topic, d.dedupe_key, d.payload, d.headers, d.priority, d.attempts, d.max_attempts, d.enqueued_at,
               d.last_claimed_at, d.last_error, d.errors, d.alert_id, 'acked', p_now
          FROM d)
    SELECT d.id FROM d
$$;
REVOKE EXECUTE ON FUNCTION queue_finish_unleased(text, bigint[], timestamptz) FROM PUBLIC;

-- Queue management ------------------------------------------------------------------------------------------------

CREATE FUNCTION precursor_pgmq."create"(queue_name text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT FROM queue_create_topic(lower(queue_name))
$$;

CREATE FUNCTION precursor_pgmq.drop_queue(queue_name text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM queue_purge(queue_name);
    DELETE FROM queue_topic WHERE name = queue_name;
    RETURN FOUND;
END $$;

CREATE FUNCTION precursor_pgmq.list_queues() RETURNS SETOF precursor_pgmq.queue_record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT name::varchar, false, false, created_at FROM queue_topic ORDER BY name
$$;

CREATE FUNCTION precursor_pgmq.purge_queue(queue_name text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT queue_purge(queue_name)
$$;

-- Notifications are always on (statement-level trigger, channel pgmq.q_<queue>.INSERT); these exist for clients
-- that call them.
CREATE FUNCTION precursor_pgmq.enable_notify_insert(queue_name text, throttle_interval_ms integer DEFAULT 250)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT FROM queue_topic_row(queue_name)
$$;
CREATE FUNCTION precursor_pgmq.disable_notify_insert(queue_name text)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT FROM queue_topic_row(queue_name)
$$;

-- Sending: six overloads each (± headers × no delay | seconds | timestamp), no defaults, so no call is ambiguous.

CREATE FUNCTION precursor_pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, msgs, headers, NULL, 2::smallint,
                                         make_interval(secs => greatest(delay, 0))) b ORDER BY b.ord
$$;
CREATE FUNCTION precursor_pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamptz)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, msgs, headers, NULL, 2::smallint,
                                         greatest(delay - now(), interval '0')) b ORDER BY b.ord
$$;
CREATE FUNCTION precursor_pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[])
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, msgs, headers) b ORDER BY b.ord
$$;
CREATE FUNCTION precursor_pgmq.send_batch(queue_name text, msgs jsonb[], delay integer)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, msgs, NULL, NULL, 2::smallint,
                                         make_interval(secs => greatest(delay, 0))) b ORDER BY b.ord
$$;
CREATE FUNCTION precursor_pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamptz)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, msgs, NULL, NULL, 2::smallint,
                                         greatest(delay - now(), interval '0')) b ORDER BY b.ord
$$;
CREATE FUNCTION precursor_pgmq.send_batch(queue_name text, msgs jsonb[])
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, msgs) b ORDER BY b.ord
$$;

CREATE FUNCTION precursor_pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, ARRAY[msg], ARRAY[headers], NULL, 2::smallint,
                                         make_interval(secs => greatest(delay, 0))) b
$$;
CREATE FUNCTION precursor_pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamptz)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, ARRAY[msg], ARRAY[headers], NULL, 2::smallint,
                                         greatest(delay - now(), interval '0')) b
$$;
CREATE FUNCTION precursor_pgmq.send(queue_name text, msg jsonb, headers jsonb)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, ARRAY[msg], ARRAY[headers]) b
$$;
CREATE FUNCTION precursor_pgmq.send(queue_name text, msg jsonb, delay integer)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, ARRAY[msg], NULL, NULL, 2::smallint,
                                         make_interval(secs => greatest(delay, 0))) b
$$;
CREATE FUNCTION precursor_pgmq.send(queue_name text, msg jsonb, delay timestamptz)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, ARRAY[msg], NULL, NULL, 2::smallint,
                                         greatest(delay - now(), interval '0')) b
$$;
CREATE FUNCTION precursor_pgmq.send(queue_name text, msg jsonb)
RETURNS SETOF bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT b.id FROM queue_enqueue_batch(queue_name, ARRAY[msg]) b
$$;

-- Reading --------------------------------------------------------------------------------------------------------

CREATE FUNCTION precursor_pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb DEFAULT '{}')
RETURNS SETOF precursor_pgmq.message_record
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT c.id, c.attempts, c.enqueued_at, c.visible_at, c.payload, c.headers, c.last_claimed_at
      FROM queue_claim(queue_name, qty, make_interval(secs => vt), 'pgmq', clock_timestamp(),
                       nullif(conditional, '{}'::jsonb)) c
     ORDER BY c.priority, c.id
$$;

CREATE FUNCTION precursor_pgmq.read_with_poll(
    queue_name text, vt integer, qty integer, max_poll_seconds integer DEFAULT 5, poll_interval_ms integer DEFAULT 100,
    conditional jsonb DEFAULT '{}')
RETURNS SETOF precursor_pgmq.message_record
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + make_interval(secs => max_poll_seconds);
    got integer;
BEGIN
    LOOP
        RETURN QUERY
        SELECT c.id, c.attempts, c.enqueued_at, c.visible_at, c.payload, c.headers, c.last_claimed_at
          FROM queue_claim(queue_name, qty, make_interval(secs => vt), 'pgmq', clock_timestamp(),
                           nullif(conditional, '{}'::jsonb)) c
         ORDER BY c.priority, c.id;
        GET DIAGNOSTICS got = ROW_COUNT;
        EXIT WHEN got > 0 OR clock_timestamp() >= deadline;
        PERFORM pg_sleep(poll_interval_ms / 1000.0);
    END LOOP;
END $$;

CREATE FUNCTION precursor_pgmq.pop(queue_name text, qty integer DEFAULT 1)
RETURNS SETOF precursor_pgmq.message_record
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    c record;
    ids bigint[] := '{}';
    leases uuid[] := '{}';
BEGIN
    FOR c IN SELECT * FROM queue_claim(queue_name, qty, interval '30 seconds', 'pgmq', clock_timestamp()) LOOP
        ids := ids || c.id;
        leases := leases || c.lease_token;
        RETURN QUERY SELECT c.id, c.attempts, c.enqueued_at, c.visible_at, c.payload, c.headers, c.last_claimed_at;
    END LOOP;
    PERFORM queue_ack(ids, leases);
END $$;

CREATE FUNCTION precursor_pgmq.set_vt(queue_name text, msg_ids bigint[], vt timestamptz)
RETURNS SETOF precursor_pgmq.message_record
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    UPDATE queue_message q SET visible_at = vt
     WHERE q.topic = queue_name AND q.id = ANY (msg_ids)
    RETURNING q.id, q.attempts, q.enqueued_at, q.visible_at, q.payload, q.headers, q.last_claimed_at
$$;
CREATE FUNCTION precursor_pgmq.set_vt(queue_name text, msg_ids bigint[], vt integer)
RETURNS SETOF precursor_pgmq.message_record
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    UPDATE queue_message q SET visible_at = clock_timestamp() + make_interval(secs => vt)
     WHERE q.topic = queue_name AND q.id = ANY (msg_ids)
    RETURNING q.id, q.attempts, q.enqueued_at, q.visible_at, q.payload, q.headers, q.last_claimed_at
$$;
CREATE FUNCTION precursor_pgmq.set_vt(queue_name text, msg_id bigint, vt timestamptz)
RETURNS SETOF precursor_pgmq.message_record
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    UPDATE queue_message q SET visible_at = vt
     WHERE q.topic = queue_name AND q.id = msg_id
    RETURNING q.id, q.attempts, q.enqueued_at, q.visible_at, q.payload, q.headers, q.last_claimed_at
$$;
CREATE FUNCTION precursor_pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
RETURNS SETOF precursor_pgmq.message_record
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    UPDATE queue_message q SET visible_at = clock_timestamp() + make_interval(secs => vt)
     WHERE q.topic = queue_name AND q.id = msg_id
    RETURNING q.id, q.attempts, q.enqueued_at, q.visible_at, q.payload, q.headers, q.last_claimed_at
$$;

-- Finishing: delete and archive both archive as acked (single: boolean, false when absent; batch: the ids done).

CREATE FUNCTION precursor_pgmq.delete(queue_name text, msg_id bigint) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT EXISTS (SELECT FROM queue_finish_unleased(queue_name, ARRAY[msg_id]))
$$;
CREATE FUNCTION precursor_pgmq.delete(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT * FROM queue_finish_unleased(queue_name, msg_ids)
$$;
CREATE FUNCTION precursor_pgmq.archive(queue_name text, msg_id bigint) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT EXISTS (SELECT FROM queue_finish_unleased(queue_name, ARRAY[msg_id]))
$$;
CREATE FUNCTION precursor_pgmq.archive(queue_name text, msg_ids bigint[]) RETURNS SETOF bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT * FROM queue_finish_unleased(queue_name, msg_ids)
$$;

-- Metrics (decoded by position by clients): total_messages is the number of message ids handed out so far (the ids
-- are shared by all topics).

CREATE FUNCTION precursor_pgmq.metrics_all() RETURNS SETOF precursor_pgmq.metrics_result
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT m.topic, m.depth, floor(m.newest_age_seconds)::integer, floor(m.oldest_age_seconds)::integer,
           coalesce(pg_sequence_last_value('public.queue_message_id_seq'::regclass), 0), clock_timestamp(),
           m.visible_depth
      FROM queue_metrics() m
$$;
CREATE FUNCTION precursor_pgmq.metrics(queue_name text) RETURNS precursor_pgmq.metrics_result
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT m.topic, m.depth, floor(m.newest_age_seconds)::integer, floor(m.oldest_age_seconds)::integer,
           coalesce(pg_sequence_last_value('public.queue_message_id_seq'::regclass), 0), clock_timestamp(),
           m.visible_depth
      FROM queue_metrics(queue_name) m
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA precursor_pgmq FROM PUBLIC;
GRANT USAGE ON SCHEMA precursor_pgmq TO precursor_queue_consumer;
GRANT EXECUTE ON FUNCTION precursor_pgmq.list_queues(), precursor_pgmq.read(text, integer, integer, jsonb),
    precursor_pgmq.read_with_poll(text, integer, integer, integer, integer, jsonb), precursor_pgmq.pop(text, integer),
    precursor_pgmq.set_vt(text, bigint[], timestamptz), precursor_pgmq.set_vt(text, bigint[], integer),
    precursor_pgmq.set_vt(text, bigint, timestamptz), precursor_pgmq.set_vt(text, bigint, integer),
    precursor_pgmq.delete(text, bigint), precursor_pgmq.delete(text, bigint[]),
    precursor_pgmq.archive(text, bigint), precursor_pgmq.archive(text, bigint[]),
    precursor_pgmq.metrics(text), precursor_pgmq.metrics_all(),
    precursor_pgmq.enable_notify_insert(text, integer), precursor_pgmq.disable_notify_insert(text)
    TO precursor_queue_consumer;

-- Which case applied: 'installed' (our facade owns schema pgmq), or why it was not.
CREATE FUNCTION pgmq_facade_status() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
    SELECT CASE
        WHEN EXISTS (SELECT FROM pg_extension WHERE extname = 'pgmq') THEN 'skipped: the pgmq extension is installed'
        WHEN obj_description(to_regnamespace('pgmq'), 'pg_namespace') LIKE 'Precursor Registry:%' THEN 'installed'
        WHEN to_regnamespace('pgmq') IS NOT NULL THEN 'skipped: schema pgmq belongs to another pgmq install'
        ELSE 'absent: schema pgmq was removed after migration' END
$$;

DO $$
DECLARE
    reason text;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pgmq') THEN
        reason := 'the pgmq extension is installed';
    ELSIF to_regnamespace('pgmq') IS NOT NULL THEN
        reason := 'schema pgmq already exists (a SQL-only pgmq install?)';
    END IF;
    IF reason IS NOT NULL THEN
        RAISE NOTICE 'pgmq facade not installed: %; pgmq clients reach that pgmq, and our queue stays available through the queue_* functions', reason;
        DROP SCHEMA precursor_pgmq CASCADE;
        RETURN;
    END IF;
    ALTER SCHEMA precursor_pgmq RENAME TO pgmq;
    COMMENT ON SCHEMA pgmq IS 'Precursor Registry: pgmq-compatible facade over queue_message (sql/0007_pgmq.sql)';
    -- Also wake pgmq clients, on pgmq's channel names.
    CREATE OR REPLACE FUNCTION queue_notify_insert() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $fn$
    DECLARE
        t text;
    BEGIN
        FOR t IN SELECT DISTINCT topic FROM new_rows LOOP
            PERFORM pg_notify('queue_' || t, '');
            PERFORM pg_notify('pgmq.q_' || t || '.INSERT', NULL);
        END LOOP;
        RETURN NULL;
    END $fn$;
    RAISE NOTICE 'pgmq facade installed in schema pgmq';
END $$;
