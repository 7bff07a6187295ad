-- volume_spike (issue #6: spikes of 3× and more within two cycles). Kind `confirmed`: the month before the as-of
-- month, far above the firm's own seasonal baseline in kg and in shipments, once the as-of month is back near that
-- baseline. Both kinds now need a regular importer (min_rate): a firm that imports a few times a year has no usual
-- month, and its lumpy months were the single-month spike's false alerts. See RuleQueries.volumeSpike for the
-- tests; the defaults are mirrored in RuleThresholds+Statistical.swift.

INSERT INTO rule_config (rule, key, value, description) VALUES
    ('volume_spike', 'confirm_ratio', 3, 'confirmed spike: the month''s kg is at least this multiple of the trailing-12-month mean (seasonally adjusted)'),
    ('volume_spike', 'confirm_minus_log10_p', 4, 'confirmed spike: the month''s shipments have a negative-binomial upper tail p of at most 10^-this against the firm''s usual monthly rate'),
    ('volume_spike', 'count_size', 4, 'confirmed spike: size (whole number) of the negative binomial of monthly shipment counts; smaller allows more month-to-month variation in the rate'),
    ('volume_spike', 'min_rate', 1, 'both kinds: a regular importer, at least this many shipments a month on average over the trailing 12 months (since its first import)'),
    ('volume_spike', 'after_low', 0.3, 'confirmed spike: the following month''s kg is at least this multiple of the baseline (the excess did not go into stock)'),
    ('volume_spike', 'after_high', 2.5, 'confirmed spike: the following month''s kg is at most this multiple of the baseline (not a new level)')
ON CONFLICT (rule, key) DO UPDATE SET value = EXCLUDED.value, description = EXCLUDED.description;
