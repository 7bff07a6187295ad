-- The alerts listing's default pages (every alert, or the alerts in one state), newest first, for the API.
--
-- Why a function: as a prepared statement with LIMIT $1 OFFSET $2, PostgreSQL plans the page anew on every call (its
-- generic plan assumes a LIMIT of 10 % of the table and never looks cheaper than a custom plan), and planning was
-- half of the listing's database time. Here the plans are generic (plan_cache_mode), cached per connection, and safe
-- for any LIMIT: the page is cut from the alert_recent index in a subquery that is never flattened, and each of its
-- rows looks up its firm and substance by primary key (LATERAL … OFFSET 0 keeps the planner from hashing the whole
-- firm table, which a generic plan sized for 10 % of the alerts otherwise does on every call).
CREATE FUNCTION alert_recent_page(p_state text, p_limit bigint, p_offset bigint)
RETURNS TABLE (id bigint, firm_tax_code text, firm_name text, substance_code text, rule_family text, rule text,
               severity text, score float8, state text, disposition text, assigned_to text,
               first_raised_at timestamptz, last_raised_at timestamptz, raise_count integer, payload text)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
BEGIN
    IF p_state IS NULL THEN
        RETURN QUERY
        SELECT a.id, f.tax_code, f.name, s.code, a.rule_family, a.rule, a.severity, a.score::float8, a.state,
               a.disposition, a.assigned_to, a.first_raised_at, a.last_raised_at, a.raise_count, a.payload::text
          FROM (SELECT * FROM alert ORDER BY last_raised_at DESC, id DESC LIMIT p_limit OFFSET p_offset) a
         CROSS JOIN LATERAL (SELECT firm.tax_code, firm.name FROM firm WHERE firm.id = a.firm_id OFFSET 0) f
          LEFT JOIN LATERAL (SELECT substance.code FROM substance WHERE substance.id = a.substance_id OFFSET 0) s ON true
         ORDER BY a.last_raised_at DESC, a.id DESC;
    ELSE
        RETURN QUERY
        SELECT a.id, f.tax_code, f.name, s.code, a.rule_family, a.rule, a.severity, a.score::float8, a.state,
               a.disposition, a.assigned_to, a.first_raised_at, a.last_raised_at, a.raise_count, a.payload::text
          FROM (SELECT * FROM alert WHERE alert.state = p_state
                 ORDER BY last_raised_at DESC, id DESC LIMIT p_limit OFFSET p_offset) a
         CROSS JOIN LATERAL (SELECT firm.tax_code, firm.name FROM firm WHERE firm.id = a.firm_id OFFSET 0) f
          LEFT JOIN LATERAL (SELECT substance.code FROM substance WHERE substance.id = a.substance_id OFFSET 0) s ON true
         ORDER BY a.last_raised_at DESC, a.id DESC;
    END IF;
END
$$;
