-- Claims become HOT updates: the claim index no longer holds `visible_at`, which every claim, extend and nack
-- rewrites. With `visible_at` in the index each claim wrote two new index entries (the claim index and the primary
-- key) plus the whole new row version into the WAL, and left a dead entry at the front of the claim index that every
-- later claim walked past until vacuum came. As a heap-only update on the same page the claim writes only the changed
-- middle of the row (the payload before it and the columns after it are taken from the old version), no index
-- entry, and page pruning reclaims the old version: 913-923 bytes of WAL per claimed-and-acked message fell to 604
-- (pgmq's read+delete writes 597-612), in bench-queue's shape at batch 10. That needs room on the page for a second
-- version of every row, hence fillfactor 45 (at 70 only about half of the claims found room and stayed HOT).
--
-- Claim order is now priority, then age (the message id), as the queue's contract states; a message whose lease
-- lapsed or whose backoff ended is claimed in its original place. Leased and backing-off messages now sit inside
-- the index range a claim walks and are skipped by their `visible_at` on the heap: a cost per claim that grows with
-- the number of messages in flight or backing off (consumers x batch in normal running; the backlog of failures
-- during a downstream outage), not with history.
ALTER TABLE queue_message SET (fillfactor = 45);
DROP INDEX queue_message_claim;
CREATE INDEX queue_message_claim ON queue_message (topic, priority, id);

CREATE OR REPLACE FUNCTION queue_claim(
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
         ORDER BY q.priority, q.id
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
