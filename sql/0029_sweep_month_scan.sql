-- An incremental sweep reads the lines of its scope once. A month holding this many scoped pairs or more is read
-- whole, through the BRIN index on declared_on, and joined with the scope; the other pair-months are probed through
-- the (firm, substance, day) index. Reading a month whole pays off when a table filled by imports is laid out by day;
-- on a table that is not (loaded in another order), raise it so that sweeps keep probing.
INSERT INTO rule_config (rule, key, value, description) VALUES
    ('sweep', 'month_scan_pairs', 1000,
     'an incremental sweep reads a month''s declaration lines whole (instead of pair by pair) when it holds this many scoped pairs')
ON CONFLICT (rule, key) DO NOTHING;
