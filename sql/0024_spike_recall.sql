-- volume_spike (issue #6, spike recall): a kind `confirmed_kg` (a month whose kg is a robust-z spike, once the next
-- month is back near the baseline) beside the shipment-count `confirmed`, and thresholds retuned on the tuning worlds
-- (seeds 1–10) where importers on supply contracts have steady months. A smaller MAD floor lets a 3× month of a steady
-- importer reach z 3.5 (from 2.83× the median); the single-month kind stays at 5× the trailing mean, above what a
-- step up in capacity with its stock rebuild reaches; the month after must be back within 1.6× of the baseline (a
-- step up stays above it); the shipment-count test takes size 10 (monthly counts of a regular importer vary less
-- than size 4 allowed) at p ≤ 10^-3.5. Mirrored in RuleThresholds+Statistical.swift.

UPDATE rule_config SET value = 0.2,
       description = 'smallest MAD (natural-log scale) used, so a very regular firm is not flagged for ordinary noise; 0.2 puts z 3.5 at 2.83x the median'
 WHERE rule = 'volume_spike' AND key = 'mad_floor';
UPDATE rule_config SET value = 5,
       description = 'a single-month spike is also at least this multiple of the trailing-12-month mean (seasonally adjusted): above a step up in capacity with its stock rebuild'
 WHERE rule = 'volume_spike' AND key = 'mean_ratio';
UPDATE rule_config SET value = 1.6,
       description = 'confirmed spikes: the following month''s kg is at most this multiple of the baseline (not a new level)'
 WHERE rule = 'volume_spike' AND key = 'after_high';
UPDATE rule_config SET value = 10
 WHERE rule = 'volume_spike' AND key = 'count_size';
UPDATE rule_config SET value = 3.5
 WHERE rule = 'volume_spike' AND key = 'confirm_minus_log10_p';
UPDATE rule_config SET
       description = 'confirmed spikes (both kinds): the following month''s kg is at least this multiple of the baseline (the excess did not go into stock)'
 WHERE rule = 'volume_spike' AND key = 'after_low';
UPDATE rule_config SET
       description = 'confirmed spikes (both kinds): the month''s kg is at least this multiple of the trailing-12-month mean (seasonally adjusted)'
 WHERE rule = 'volume_spike' AND key = 'confirm_ratio';
