-- Sweeps (DESIGN §5): the thresholds every rule reads, what a sweep records about itself, and the indexes its
-- set-based rule queries need.

-- What an incremental sweep starts from: rows changed at or after this instant may not have been seen by this
-- sweep (it is the older of the sweep's start and the start of any transaction still writing when it began).
ALTER TABLE sweep_run ADD COLUMN data_watermark timestamptz;
ALTER TABLE sweep_run ADD COLUMN finding_count integer NOT NULL DEFAULT 0 CHECK (finding_count >= 0);
ALTER TABLE sweep_run ADD COLUMN alert_count integer NOT NULL DEFAULT 0 CHECK (alert_count >= 0);
CREATE INDEX sweep_run_latest ON sweep_run (status, id DESC);

-- Which alert a finding fed (NULL when policy kept it quiet: same evidence, no new rule, score not risen enough).
ALTER TABLE finding ADD COLUMN alert_id bigint REFERENCES alert;
CREATE INDEX finding_alert ON finding (alert_id) WHERE alert_id IS NOT NULL;

-- Self-reports filed after a watermark, for incremental sweeps.
CREATE INDEX self_report_submitted ON self_report (submitted_at);
CREATE INDEX licence_updated ON licence (updated_at);
CREATE INDEX firm_updated ON firm (updated_at);

-- The reporting period of a frequency that contains a day: '2026', '2026-Q3' or '2026-07'.
CREATE FUNCTION period_containing(d date, frequency text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE frequency
        WHEN 'annual' THEN to_char(d, 'YYYY')
        WHEN 'quarterly' THEN to_char(d, 'YYYY') || '-Q' || to_char(d, 'Q')
        WHEN 'monthly' THEN to_char(d, 'YYYY-MM')
    END
$$;

-- Rule thresholds with their defaults. Changed with `precursorctl admin rules set RULE KEY VALUE` (audited).
INSERT INTO rule_config (rule, key, value, description) VALUES
    ('unlicensed_import', 'points', 100, 'score of a controlled movement with no licence of the firm covering substance, activity and date'),
    ('licence_invalid', 'points', 90, 'score of a movement citing a licence that is unknown, another firm''s, lapsed, suspended, revoked, for another substance or activity, or past its shipment count'),
    ('licence_overdrawn', 'critical_ratio', 1.0, 'declared kg / granted kg above which a licence line is overdrawn (critical)'),
    ('licence_overdrawn', 'warning_ratio', 0.9, 'declared kg / granted kg from which a licence line is nearly drawn (warning)'),
    ('licence_overdrawn', 'points', 80, 'score of an overdrawn licence line (plus the overdrawn percentage, up to 100 more)'),
    ('licence_overdrawn', 'warning_points', 15, 'score of a licence line drawn at or above the warning ratio'),
    ('report_mismatch', 'tolerance_pct', 5, 'customs and reported kg may differ by this % of the larger before it is a finding'),
    ('report_mismatch', 'floor_kg', 1, 'customs and reported kg may always differ by this many kg'),
    ('report_mismatch', 'points', 20, 'score at the tolerance; grows with difference / tolerance up to the cap'),
    ('report_mismatch', 'cap', 5, 'largest multiple of points a mismatch scores'),
    ('balance_gap', 'tolerance_pct', 2, 'opening + in - out may differ from closing by this % of the throughput (and an opening from the previous closing by this % of the larger)'),
    ('balance_gap', 'floor_kg', 1, 'balance differences up to this many kg are rounding'),
    ('balance_gap', 'points', 15, 'score at the tolerance; grows with gap / tolerance up to the cap'),
    ('balance_gap', 'cap', 5, 'largest multiple of points a balance gap scores'),
    ('missing_report', 'points', 10, 'score of a report past due and not filed'),
    ('missing_report', 'movement_factor', 2, 'score multiplier when customs shows movements of the firm in that period'),
    ('missing_report', 'lookback_months', 12, 'how many months back a sweep looks for reports past due'),
    ('policy', 'realert_ratio', 1.5, 'an open alert is raised again when its score grows by this factor (or a new rule fires)')
ON CONFLICT (rule, key) DO NOTHING;

-- A declaration may cite a licence number before the licence itself is loaded. When the licence arrives, the
-- citations resolve (and count as changed, so the next incremental sweep looks at them again). The partial index
-- holds only unresolved citations, so it costs the importer next to nothing.
CREATE INDEX declaration_line_unresolved_licence ON declaration_line (licence_no)
    WHERE licence_id IS NULL AND licence_no IS NOT NULL;

CREATE FUNCTION licence_resolve_citations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE declaration_line d SET licence_id = n.id, updated_at = now()
      FROM new_licences n
     WHERE d.licence_no = n.licence_no AND d.licence_id IS NULL AND d.licence_no IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER licence_resolve_citations AFTER INSERT ON licence
    REFERENCING NEW TABLE AS new_licences FOR EACH STATEMENT EXECUTE FUNCTION licence_resolve_citations();

-- A changed licence line changes its licence for incremental sweeps (the importer only touches the licence row
-- when a licence-level field changed).
CREATE FUNCTION licence_line_touch_licence() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE licence SET updated_at = now()
     WHERE id IN (SELECT licence_id FROM changed_lines) AND updated_at < now();
    RETURN NULL;
END $$;
CREATE TRIGGER licence_line_touch_insert AFTER INSERT ON licence_line
    REFERENCING NEW TABLE AS changed_lines FOR EACH STATEMENT EXECUTE FUNCTION licence_line_touch_licence();
CREATE TRIGGER licence_line_touch_update AFTER UPDATE ON licence_line
    REFERENCING NEW TABLE AS changed_lines FOR EACH STATEMENT EXECUTE FUNCTION licence_line_touch_licence();
CREATE TRIGGER licence_line_touch_delete AFTER DELETE ON licence_line
    REFERENCING OLD TABLE AS changed_lines FOR EACH STATEMENT EXECUTE FUNCTION licence_line_touch_licence();

-- Declarations by day range (an incremental sweep whose as-of date moved): declarations arrive roughly in date
-- order, so a BRIN index finds them for almost no upkeep.
CREATE INDEX declaration_line_declared_brin ON declaration_line USING brin (declared_on);

-- Firm risk with the reasons in Vietnamese too (columns appended; the earlier ones unchanged).
CREATE OR REPLACE VIEW firm_risk AS
    WITH ranked AS (
        SELECT a.firm_id, a.score, a.payload,
               row_number() OVER (PARTITION BY a.firm_id ORDER BY a.score DESC, a.id) AS rank
          FROM alert a
         WHERE a.state <> 'closed'
    )
    SELECT r.firm_id,
           round(sum(r.score) FILTER (WHERE r.rank <= 3)
                 * CASE WHEN bool_or(coalesce((r.payload->>'hot_route')::boolean, false)) THEN 1.25 ELSE 1 END, 3) AS score,
           count(*)::int AS open_alerts,
           bool_or(coalesce((r.payload->>'hot_route')::boolean, false)) AS hot_route,
           array_agg(coalesce(r.payload->>'reason_en', r.payload->>'rule', 'alert') ORDER BY r.rank)
               FILTER (WHERE r.rank <= 3) AS reasons,
           array_agg(coalesce(r.payload->>'reason_vi', r.payload->>'reason_en', r.payload->>'rule', 'alert') ORDER BY r.rank)
               FILTER (WHERE r.rank <= 3) AS reasons_vi
      FROM ranked r
     GROUP BY r.firm_id;
