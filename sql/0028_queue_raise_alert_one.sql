-- queue_raise_alert (one alert, 0006) becomes a call of queue_raise_alerts (a batch, 0027) with one element, so the
-- outbox's rules (the alert upsert, the message's JSON, topic, priority and dedupe key) are written once. Same
-- signature, defaults, results and rights as before; Swift's Outbox already raises through the batch function.
CREATE OR REPLACE FUNCTION queue_raise_alert(
    p_firm_id bigint, p_substance_id integer, p_rule_family text, p_rule text, p_severity text, p_score numeric,
    p_payload jsonb, p_evidence_key text, p_topic text DEFAULT NULL, p_now timestamptz DEFAULT now(),
    OUT alert_id bigint, OUT message_id bigint, OUT raise_count integer)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT r.alert_id, r.message_id, r.raise_count
      FROM queue_raise_alerts(ARRAY[p_firm_id], ARRAY[p_substance_id], ARRAY[p_rule_family], ARRAY[p_rule],
                              ARRAY[p_severity], ARRAY[p_score], ARRAY[p_payload], ARRAY[p_evidence_key], p_topic, p_now) r
$$;
