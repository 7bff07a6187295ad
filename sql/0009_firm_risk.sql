-- Firm risk for review ordering: the sum of a firm's three strongest open alerts (correlated rules do not pile
-- up), ×1.25 when any open alert involves a hot route; with the top reasons. Sweeps (DESIGN §5) may refine it with
-- CREATE OR REPLACE VIEW keeping these columns.
CREATE VIEW firm_risk AS
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
               FILTER (WHERE r.rank <= 3) AS reasons
      FROM ranked r
     GROUP BY r.firm_id;
