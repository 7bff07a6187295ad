-- Declaration lines are keyed by what identifies them everywhere users meet them: the declaration number and the
-- line number. The surrogate `id` (an identity, still given to every line in load order) loses its own index: no
-- reader looks a line up by id, and building that index afresh was an eighth of a bulk load's index work (issue
-- #3's ingest benchmark). The unique constraint on the natural key becomes the primary key: one build fewer.
ALTER TABLE declaration_line DROP CONSTRAINT declaration_line_pkey;
ALTER TABLE declaration_line DROP CONSTRAINT declaration_line_declaration_no_line_no_key;
ALTER TABLE declaration_line ADD CONSTRAINT declaration_line_pkey PRIMARY KEY (declaration_no, line_no);
