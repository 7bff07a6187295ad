-- Statistical, data-quality and exploration rules (DESIGN §5, issue #6): their thresholds, per-substance control
-- thresholds and materiality floors, and firm risk without the data-quality and exploration queues.

INSERT INTO rule_config (rule, key, value, description) VALUES
    ('report_mismatch', 'cutoff_days', 1, 'goods declared in the last this-many days of a period may be booked in the next one: their kg is allowed on top of the tolerance (0 turns it off)'),
    ('volume_spike', 'z', 3.5, 'robust z (log scale, median/MAD of the firm''s active months in the trailing 12, seasonally adjusted) from which a month is a spike'),
    ('volume_spike', 'mean_ratio', 10, 'a spike month is also at least this multiple of the trailing-12-month mean (seasonally adjusted)'),
    ('volume_spike', 'min_active_months', 6, 'active months in the trailing 12 a firm needs before its own history is a baseline'),
    ('volume_spike', 'mad_floor', 0.25, 'smallest MAD (natural-log scale) used, so a very regular firm is not flagged for ordinary noise'),
    ('volume_spike', 'floor_kg', 50, 'materiality floor in kg of pure substance when the substance has no floor_kg:CODE row'),
    ('volume_spike', 'points', 30, 'score at the threshold; grows with z / threshold up to the cap'),
    ('volume_spike', 'cap', 3, 'largest multiple of points a spike scores'),
    ('volume_spike', 'floor_kg:ACETONE', 500, 'materiality floor, kg of pure acetone in a month'),
    ('volume_spike', 'floor_kg:TOLUENE', 500, 'materiality floor, kg of pure toluene in a month'),
    ('volume_spike', 'floor_kg:MEK', 300, 'materiality floor, kg of pure MEK in a month'),
    ('volume_spike', 'floor_kg:SULPHURIC_ACID', 1000, 'materiality floor, kg of pure sulphuric acid in a month'),
    ('volume_spike', 'floor_kg:HYDROCHLORIC_ACID', 300, 'materiality floor, kg of pure hydrochloric acid in a month'),
    ('volume_spike', 'floor_kg:ETHYL_ETHER', 50, 'materiality floor, kg of pure ethyl ether in a month'),
    ('volume_spike', 'floor_kg:ACETIC_ANHYDRIDE', 300, 'materiality floor, kg of pure acetic anhydride in a month'),
    ('volume_spike', 'floor_kg:POTASSIUM_PERMANGANATE', 100, 'materiality floor, kg of pure potassium permanganate in a month'),
    ('volume_spike', 'floor_kg:EPHEDRINE', 2, 'materiality floor, kg of pure ephedrine in a month'),
    ('volume_spike', 'floor_kg:PSEUDOEPHEDRINE', 5, 'materiality floor, kg of pure pseudoephedrine in a month'),
    ('peer_outlier', 'z', 2.5, 'robust z (log scale) of a new firm''s monthly kg against established peers'' from which it is an outlier'),
    ('peer_outlier', 'min_peers', 8, 'peers of the same sector and substance needed; fewer widens the group to every sector'),
    ('peer_outlier', 'mad_floor', 0.25, 'smallest MAD (natural-log scale) of the peers used'),
    ('peer_outlier', 'median_ratio', 3, 'an outlier is also at least this multiple of the peers'' median monthly kg'),
    ('peer_outlier', 'new_months', 3, 'a firm is new for this many months from its first import of a substance'),
    ('peer_outlier', 'points', 30, 'score at the threshold; grows with z / threshold up to the cap'),
    ('peer_outlier', 'cap', 3, 'largest multiple of points a peer outlier scores'),
    ('peer_outlier', 'low_confidence_factor', 0.5, 'score multiplier when the peer group had to be widened and still has fewer than min_peers'),
    ('frequency_spike', 'minus_log10_p', 8, 'shipments in the as-of window are a spike when the Poisson upper tail against the firm''s own rate is at most 10^-this'),
    ('frequency_spike', 'min_shipments', 3, 'fewest shipments in the window for a count spike, and for split shipments'),
    ('frequency_spike', 'split_band', 0.9, 'a shipment is sized just under a control threshold from this fraction of it'),
    ('frequency_spike', 'split_ratio', 3, 'split shipments fire only at this multiple of the firm''s usual number of shipments in that band'),
    ('frequency_spike', 'split_span_days', 10, 'split shipments are declared within this many days of each other'),
    ('frequency_spike', 'min_history_days', 90, 'days of import history a firm and substance need before the count test applies'),
    ('frequency_spike', 'points', 25, 'score of a count spike at the threshold; grows with -log10 p / threshold up to the cap'),
    ('frequency_spike', 'split_points', 40, 'score of split shipments at min_shipments; grows with their number up to the cap'),
    ('frequency_spike', 'cap', 3, 'largest multiple of points a frequency spike scores'),
    ('frequency_spike', 'control_kg:ACETONE', 10000, 'control threshold per shipment, kg of pure acetone'),
    ('frequency_spike', 'control_kg:TOLUENE', 10000, 'control threshold per shipment, kg of pure toluene'),
    ('frequency_spike', 'control_kg:MEK', 5000, 'control threshold per shipment, kg of pure MEK'),
    ('frequency_spike', 'control_kg:SULPHURIC_ACID', 20000, 'control threshold per shipment, kg of pure sulphuric acid'),
    ('frequency_spike', 'control_kg:HYDROCHLORIC_ACID', 5000, 'control threshold per shipment, kg of pure hydrochloric acid'),
    ('frequency_spike', 'control_kg:ETHYL_ETHER', 1000, 'control threshold per shipment, kg of pure ethyl ether'),
    ('frequency_spike', 'control_kg:ACETIC_ANHYDRIDE', 5000, 'control threshold per shipment, kg of pure acetic anhydride'),
    ('frequency_spike', 'control_kg:POTASSIUM_PERMANGANATE', 1000, 'control threshold per shipment, kg of pure potassium permanganate'),
    ('frequency_spike', 'control_kg:EPHEDRINE', 25, 'control threshold per shipment, kg of pure ephedrine'),
    ('frequency_spike', 'control_kg:PSEUDOEPHEDRINE', 50, 'control threshold per shipment, kg of pure pseudoephedrine'),
    ('route_novelty', 'min_history_months', 3, 'active months in the 24 before that a firm and substance need before a route counts as new'),
    ('route_novelty', 'express_weight', 2, 'weight of a first use of express courier or post'),
    ('route_novelty', 'air_weight', 1.5, 'weight of a first use of air cargo'),
    ('route_novelty', 'kh_la_weight', 2, 'weight of a first use of a Cambodia or Laos land gate'),
    ('route_novelty', 'rare_origin_share', 0.1, 'a new origin weighs 1 when fewer than this share of the substance''s importers use it, else 0.5'),
    ('route_novelty', 'min_weight', 1, 'route weight from which a new route is a finding'),
    ('route_novelty', 'points', 20, 'score per unit of route weight'),
    ('route_novelty', 'table_i_courier_points', 60, 'score of a Table I substance by courier or post (always a finding)'),
    ('value_outlier', 'z', 3.5, 'robust |z| (log scale) of a month''s unit value against other importers of the substance and origin'),
    ('value_outlier', 'min_peers', 8, 'peer monthly unit values needed; fewer widens to every origin'),
    ('value_outlier', 'mad_floor', 0.1, 'smallest MAD (natural-log scale) of the peers'' unit values used'),
    ('value_outlier', 'ratio', 2, 'an outlier is also at most 1/ratio or at least ratio × the peers'' median unit value'),
    ('value_outlier', 'points', 25, 'score at the threshold; grows with |z| / threshold up to the cap'),
    ('value_outlier', 'cap', 3, 'largest multiple of points a value outlier scores'),
    ('unit_slip', 'low_ratio', 300, 'a line from this multiple (or fraction) of the firm''s median line is a likely unit slip'),
    ('unit_slip', 'high_ratio', 3000, 'up to this multiple (or fraction) of the firm''s median line'),
    ('unit_slip', 'min_lines', 3, 'lines of the firm and substance in the 12 months before needed for a median'),
    ('unit_slip', 'points', 10, 'score of a likely unit slip (data-quality queue)'),
    ('negative_stock', 'tolerance_pct', 2, 'opening + in - out may fall below zero by this % of the throughput'),
    ('negative_stock', 'floor_kg', 1, 'or by this many kg'),
    ('negative_stock', 'points', 10, 'score of a report leaving negative stock (data-quality queue)'),
    ('exploration', 'share', 0.02, 'share of active firms each scheduled full sweep queues at random for a look (0 turns it off)'),
    ('exploration', 'points', 0, 'score of an exploration alert (it does not count in firm risk)')
ON CONFLICT (rule, key) DO NOTHING;

-- Firm risk counts the risk queue only: data-quality findings and the exploration slice have queues of their own.
CREATE OR REPLACE VIEW firm_risk AS
    WITH ranked AS (
        SELECT a.firm_id, a.score, a.payload,
               row_number() OVER (PARTITION BY a.firm_id ORDER BY a.score DESC, a.id) AS rank
          FROM alert a
         WHERE a.state <> 'closed' AND a.rule_family NOT IN ('data_quality', 'exploration')
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
