-- The outbox, set-based (issue #5): a sweep raises its alerts with one call of queue_raise_alerts instead of one
-- queue_raise_alert per alert. Each raise did an insert-or-update of the alert and a nested enqueue whose statement
-- trigger (the NOTIFY) ran once per message: 1.2 ms an alert, 1.4 s of the first full sweep at 5,000 firms (1,122
-- alerts). Here the alerts are written by one statement and their messages by one more, so the trigger runs once.
-- Same rows as queue_raise_alert, raise by raise: the alert inserted or its open row updated (raise_count + 1), the
-- message on `p_topic` (default data_quality for that family, else alerts) with the alert as JSON, dedupe key
-- alert:<id>:<raise_count>, priority by severity, message ids in input order. The raises must be for distinct
-- (firm, substance, family) groups (an alert cannot be updated twice by one statement).
CREATE FUNCTION queue_raise_alerts(
    p_firm_ids bigint[], p_substance_ids integer[], p_rule_families text[], p_rules text[], p_severities text[],
    p_scores numeric[], p_payloads jsonb[], p_evidence_keys text[], p_topic text DEFAULT NULL,
    p_now timestamptz DEFAULT now())
RETURNS TABLE (ord integer, alert_id bigint, message_id bigint, raise_count integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
#variable_conflict use_column
DECLARE
    missing text;
BEGIN
    SELECT t.name INTO missing
      FROM (SELECT DISTINCT coalesce(p_topic, CASE WHEN f = 'data_quality' THEN 'data_quality' ELSE 'alerts' END) AS name
              FROM unnest(p_rule_families) f) t
     WHERE NOT EXISTS (SELECT 1 FROM queue_topic q WHERE q.name = t.name)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'queue topic "%" does not exist', missing
            USING ERRCODE = 'P0002', HINT = 'create it with queue_create_topic() or pgmq.create()';
    END IF;
    RETURN QUERY
    WITH input AS (
        SELECT u.firm_id, u.substance_id, u.family, u.rule, u.severity, u.score, u.payload, u.evidence_key, u.n::integer AS n
          FROM unnest(p_firm_ids, p_substance_ids, p_rule_families, p_rules, p_severities, p_scores, p_payloads,
                      p_evidence_keys) WITH ORDINALITY AS u(firm_id, substance_id, family, rule, severity, score, payload,
                                                            evidence_key, n)
    ),
    raised AS (
        INSERT INTO alert AS x (firm_id, substance_id, rule_family, rule, severity, score, payload, evidence_key,
                                first_raised_at, last_raised_at)
        SELECT i.firm_id, i.substance_id, i.family, i.rule, i.severity, i.score, i.payload, i.evidence_key, p_now, p_now
          FROM input i ORDER BY i.n
        ON CONFLICT (firm_id, substance_id, rule_family) WHERE state <> 'closed'
        DO UPDATE SET rule = EXCLUDED.rule, severity = EXCLUDED.severity, score = EXCLUDED.score, payload = EXCLUDED.payload,
                      evidence_key = EXCLUDED.evidence_key, last_raised_at = EXCLUDED.last_raised_at,
                      raise_count = x.raise_count + 1
        RETURNING x.*
    ),
    numbered AS (
        SELECT i.n, a.*, coalesce(p_topic, CASE WHEN a.rule_family = 'data_quality' THEN 'data_quality' ELSE 'alerts' END) AS topic
          FROM raised a
          JOIN input i ON i.firm_id = a.firm_id AND i.substance_id IS NOT DISTINCT FROM a.substance_id AND i.family = a.rule_family
    ),
    message AS (
        INSERT INTO queue_message (topic, dedupe_key, payload, headers, priority, max_attempts, enqueued_at, visible_at, alert_id)
        SELECT a.topic, 'alert:' || a.id || ':' || a.raise_count,
               jsonb_build_object(
                   'schema', 'alert.v1', 'alert_id', a.id, 'firm_id', a.firm_id, 'firm_tax_code', f.tax_code,
                   'substance_id', a.substance_id, 'substance', s.code,
                   'rule_family', a.rule_family, 'rule', a.rule, 'severity', a.severity, 'score', a.score,
                   'state', a.state, 'raise_count', a.raise_count, 'first_raised_at', a.first_raised_at,
                   'last_raised_at', a.last_raised_at, 'payload', a.payload),
               jsonb_build_object('alert_id', a.id, 'severity', a.severity),
               (CASE a.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END)::smallint,
               t.max_attempts, p_now, p_now, a.id
          FROM numbered a
          JOIN queue_topic t ON t.name = a.topic
          LEFT JOIN firm f ON f.id = a.firm_id
          LEFT JOIN substance s ON s.id = a.substance_id
         ORDER BY a.n
        ON CONFLICT (topic, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
        RETURNING queue_message.id, queue_message.alert_id
    )
    SELECT a.n, a.id, coalesce(m.id, (SELECT q.id FROM queue_message q
                                        WHERE q.topic = a.topic AND q.dedupe_key = 'alert:' || a.id || ':' || a.raise_count)),
           a.raise_count
      FROM numbered a LEFT JOIN message m ON m.alert_id = a.id
     ORDER BY a.n;
END $$;
REVOKE EXECUTE ON FUNCTION
    queue_raise_alerts(bigint[], integer[], text[], text[], text[], numeric[], jsonb[], text[], text, timestamptz)
    FROM PUBLIC;
