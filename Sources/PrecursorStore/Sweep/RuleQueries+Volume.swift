import PrecursorCore

/// The volume rules (DESIGN §5): a firm's month against its own history, and a new firm against its peers. They
/// read `sweep_stat_month`, `sweep_stat_first` and `sweep_season` (`statisticalTables(scoped:)`) and the stored peer
/// baselines; in an incremental sweep those tables hold only the scoped pairs.
extension RuleQueries {
    /// A month's import kg, divided by the substance's seasonal index, against the firm's own trailing 12 months
    /// before it (the baseline: the seasonal mean over the months since its first import, at most 12, with at least
    /// `$4` active months) of a regular importer (≥ `$10` shipments a month over those months: a firm that imports a
    /// few times a year has no usual month to compare with), in two ways.
    /// `spike`: the as-of month on its own — robust z on a log scale (median and MAD of the active months, MAD
    /// floored at `$5`) ≥ `$2` and kg ≥ `$3` × the baseline.
    /// `confirmed`: the month before the as-of month, once the as-of month has shown what followed it — kg ≥ `$7` ×
    /// the baseline, carried by more shipments than the firm's usual rate explains (negative-binomial upper tail
    /// with size `$9`, p ≤ 10^−`$8`), and the as-of month back
    /// between `$11` × and `$12` × the baseline: the excess neither stayed in stock (the firm kept ordering as
    /// usual) nor became its new level (a step up in capacity). Its period is that month; `reference` is the usual
    /// shipments a month and `reference_date` the first day of the as-of month.
    /// `confirmed_kg`: the same month and the same return to the baseline, where the month's kg rather than its
    /// shipment count is the evidence — robust z ≥ `$2` as for `spike` (statistic z, threshold `$2`); the month after
    /// tells a spike from a step up, which is what lets it go below the `$3` × of the single-month kind.
    /// Both need kg ≥ the substance's materiality floor (`rule_config` `volume_spike`/`floor_kg:CODE`, else `$6`).
    /// The baselines of both months come with the other baselines (`sweep_baseline_spike`): all their months are
    /// before the as-of month.
    static func volumeSpike(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH cur AS (
                SELECT m.firm_id, m.substance_id, m.month, m.kg, m.shipments, m.first_date, m.last_date, m.hot_route,
                       coalesce(si.idx, 1) AS idx
                  FROM sweep_stat_month m
                  LEFT JOIN sweep_season si ON si.substance_id = m.substance_id AND si.cal = extract(month FROM m.month)::int
                 WHERE m.month IN (\(asOfMonth), (\(asOfMonth) - interval '1 month')::date)
                   \(scope(scoped, firm: "m.firm_id", substance: "m.substance_id"))
            ),
            scored AS (
                SELECT c.*, ce.adj / ce.span AS mean_adj, ce.shipments::float8 / ce.span AS rate,
                       (ln(c.kg / c.idx) - ce.med) / (1.4826 * greatest(ce.mad, $5::float8)) AS z
                  FROM cur c
                  JOIN sweep_baseline_spike ce ON ce.as_of = $1::date AND ce.firm_id = c.firm_id
                   AND ce.substance_id = c.substance_id AND ce.month = c.month
                  JOIN substance s ON s.id = c.substance_id
                  LEFT JOIN rule_config rc ON rc.rule = 'volume_spike' AND rc.key = 'floor_kg:' || s.code
                 WHERE ce.n >= $4::float8 AND c.kg >= coalesce(rc.value::float8, $6::float8)
            ),
            confirmable AS (
                SELECT x.*, round($9::float8)::int AS size,
                       round($9::float8) / (round($9::float8) + greatest(x.rate, 1.0 / 12)) AS p
                  FROM scored x
                  JOIN sweep_stat_month a ON a.firm_id = x.firm_id AND a.substance_id = x.substance_id AND a.month = \(asOfMonth)
                  LEFT JOIN sweep_season si ON si.substance_id = a.substance_id AND si.cal = extract(month FROM a.month)::int
                 WHERE x.month < \(asOfMonth) AND x.rate >= $10::float8 AND x.kg >= $7::float8 * x.mean_adj * x.idx
                   AND a.kg / coalesce(si.idx, 1) BETWEEN $11::float8 * x.mean_adj AND $12::float8 * x.mean_adj
            ),
            confirmed AS (
                SELECT x.*, \(negativeBinomialTail(count: "x.shipments", size: "x.size", p: "x.p")) AS minus_log_p
                  FROM confirmable x
            )
            SELECT 'volume_spike' AS rule, 'spike' AS kind, x.firm_id, x.substance_id, to_char($1::date, 'YYYY-MM') AS period,
                   'import' AS direction, x.kg AS observed, x.mean_adj * x.idx AS expected, $2::float8 AS threshold,
                   x.first_date, x.last_date, NULL::text AS reference, NULL::date AS reference_date, x.shipments AS records,
                   \(monthRefs(firm: "x.firm_id", substance: "x.substance_id")) AS declarations,
                   '{}'::text[] AS licences, '{}'::bigint[] AS reports, x.hot_route, x.z AS statistic
              FROM scored x
             WHERE x.month = \(asOfMonth) AND x.rate >= $10::float8 AND x.z >= $2::float8 AND x.kg >= $3::float8 * x.mean_adj * x.idx
            UNION ALL
            SELECT 'volume_spike', CASE WHEN x.minus_log_p >= $8::float8 THEN 'confirmed' ELSE 'confirmed_kg' END, x.firm_id,
                   x.substance_id, to_char(x.month, 'YYYY-MM'), 'import', x.kg, x.mean_adj * x.idx,
                   CASE WHEN x.minus_log_p >= $8::float8 THEN $8::float8 ELSE $2::float8 END, x.first_date, x.last_date,
                   to_char(x.rate, 'FM990.0'), \(asOfMonth), x.shipments,
                   \(monthRefs(firm: "x.firm_id", substance: "x.substance_id", from: "x.month", to: "x.last_date")),
                   '{}', '{}', x.hot_route, CASE WHEN x.minus_log_p >= $8::float8 THEN x.minus_log_p ELSE x.z END
              FROM confirmed x
             WHERE x.minus_log_p >= $8::float8 OR x.z >= $2::float8
            """)
    }

    /// New firms: a pair whose first import was at most `$6` months before the as-of month (and at least 6 months
    /// after the data begin, so the start of the record is not mistaken for newcomers) — its monthly kg since then
    /// against established peers' (a year of history) trailing-12-month monthly kg, same sector and substance:
    /// robust z on a log scale ≥ `$2` with at least `$3` peers (otherwise every sector, kind `low_confidence`),
    /// MAD floor `$4`, and ≥ `$5` × the peers' median. The peers' median and MAD come with the baselines
    /// (`sweep_baseline_peer`), the start of the record too (`sweep_baseline.data_start`).
    static func peerOutlier(scoped: Bool) -> String {
        wrapStatistical(
            """
            WITH data_start AS (SELECT data_start AS month FROM sweep_baseline WHERE as_of = $1::date),
            newcomer AS (
                SELECT m.firm_id, m.substance_id, f.sector, sum(m.kg) AS kg, sum(m.shipments) AS shipments,
                       min(m.first_date) AS first_date, max(m.last_date) AS last_date, bool_or(m.hot_route) AS hot_route,
                       sum(m.kg) / (((extract(year FROM $1::date) - extract(year FROM fi.first_month)) * 12
                                     + extract(month FROM $1::date) - extract(month FROM fi.first_month) + 1)) AS monthly
                  FROM sweep_stat_first fi
                  JOIN sweep_stat_month m ON m.firm_id = fi.firm_id AND m.substance_id = fi.substance_id
                  JOIN firm f ON f.id = fi.firm_id
                 WHERE fi.first_month >= \(asOfMonth) - make_interval(months => $6::float8::int - 1)
                   AND fi.first_month >= (SELECT month FROM data_start) + interval '6 months'
                   AND EXISTS (SELECT 1 FROM sweep_stat_month c WHERE c.firm_id = fi.firm_id
                                  AND c.substance_id = fi.substance_id AND c.month = \(asOfMonth))
                   \(scope(scoped, firm: "fi.firm_id", substance: "fi.substance_id"))
                 GROUP BY m.firm_id, m.substance_id, f.sector, fi.first_month
            ),
            grouped AS (
                SELECT n.firm_id, n.substance_id, g.wide, p.peers, p.med, p.mad
                  FROM newcomer n
                  CROSS JOIN (VALUES (false), (true)) g(wide)
                  JOIN sweep_baseline_peer p ON p.as_of = $1::date AND p.substance_id = n.substance_id
                   AND p.sector IS NOT DISTINCT FROM CASE WHEN g.wide THEN NULL ELSE n.sector END
            ),
            chosen AS (
                SELECT DISTINCT ON (firm_id, substance_id) firm_id, substance_id, wide, peers, med, mad
                  FROM grouped WHERE peers >= $3::float8 OR wide
                 ORDER BY firm_id, substance_id, wide
            ),
            scored AS (
                SELECT n.*, c.wide, c.peers, exp(c.med) AS peer_monthly,
                       (ln(n.monthly) - c.med) / (1.4826 * greatest(c.mad, $4::float8)) AS z
                  FROM newcomer n JOIN chosen c USING (firm_id, substance_id)
                 WHERE c.peers >= 3
            )
            SELECT 'peer_outlier' AS rule, CASE WHEN x.wide AND x.peers < $3::float8 THEN 'low_confidence'
                                                WHEN x.wide THEN 'new_firm_all_sectors' ELSE 'new_firm' END AS kind,
                   x.firm_id, x.substance_id, to_char($1::date, 'YYYY-MM') AS period, 'import' AS direction,
                   x.monthly AS observed, x.peer_monthly AS expected, $2::float8 AS threshold, x.first_date, x.last_date,
                   x.peers::text AS reference, NULL::date AS reference_date, x.shipments AS records,
                   \(monthRefs(firm: "x.firm_id", substance: "x.substance_id")) AS declarations,
                   '{}'::text[] AS licences, '{}'::bigint[] AS reports, x.hot_route, x.z AS statistic
              FROM scored x
             WHERE x.z >= $2::float8 AND x.monthly >= $5::float8 * x.peer_monthly
            """)
    }
}
