-- The kept line months (0022) by month: a full sweep writes them in month order and an incremental sweep appends the
-- months it aggregates again (mostly the latest), so a block range index on month finds one month's rows in a
-- twenty-fourth of the table. An incremental sweep reads single months of it (the stale months it drops, the as-of
-- month's late lines, the month before the as-of month and the few months of new pairs for the statistical rules):
-- at 5,000 firms each of those read all 236,000 rows. Ranges of 16 pages: a month holds about 120.
CREATE INDEX sweep_line_month_month ON sweep_line_month USING brin (month) WITH (pages_per_range = 16, autosummarize = on);
