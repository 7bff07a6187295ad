-- The kept line months count their shipments (issue #5), and the statistical rules read their import months from
-- there: a full sweep at 5,000 firms spent 3.2 s grouping a million lines again into sweep_baseline_month (a
-- shipment count needs the declarations) and 1.6 s more into sweep_baseline_pair, against 0.6 s more for counting
-- the declarations while the line months are built. A shipment is a declaration's lines of one firm and substance
-- in one month under one cited licence: a declaration whose lines of a substance cite two licences counts once
-- under each, and summing a month's rows over its licences keeps that.
--
-- sweep_baseline_month goes: while the stored baselines are valid no line before their as-of month has changed, so
-- the kept line months hold the same months; a sweep that computes the baselines reads them into a temporary table.
--
-- All of it is derived data: emptied here, so the next sweep builds the line months afresh with the new column and
-- computes the baselines again.
TRUNCATE sweep_line_month;
DELETE FROM sweep_line_month_state;
ALTER TABLE sweep_line_month ADD COLUMN shipments bigint NOT NULL;

DROP TABLE sweep_baseline_month;
TRUNCATE sweep_baseline_pair, sweep_baseline_season, sweep_baseline_peer, sweep_baseline_route, sweep_baseline_origin,
         sweep_baseline_frequency, sweep_baseline_straddle, sweep_baseline_value, sweep_baseline_unit;
DELETE FROM sweep_baseline;

-- volume_spike's baseline of the as-of month and of the month before it, per firm and substance with history: the
-- season-adjusted import months of the 12 months before each (kg > 0), how many, over how many months since the
-- first import (at most 12), their adjusted kg and shipments, and the median and MAD of their logarithm. Every
-- input is before the as-of month, so an incremental sweep reads it for the pairs it reports instead of computing
-- it again (1.6 s of an incremental sweep at 5,000 firms).
CREATE UNLOGGED TABLE sweep_baseline_spike (
    as_of        date NOT NULL,
    firm_id      bigint NOT NULL,
    substance_id integer NOT NULL,
    month        date NOT NULL,
    n            integer NOT NULL,
    span         float8 NOT NULL,
    adj          float8 NOT NULL,
    shipments    bigint NOT NULL,
    med          float8 NOT NULL,
    mad          float8 NOT NULL,
    PRIMARY KEY (as_of, firm_id, substance_id, month)
);
