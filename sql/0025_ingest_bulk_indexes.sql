-- A bulk declarations load (issue #3) builds the indexes of declaration_line afresh after its COPY: every build reads
-- the whole table again, and the CHECK constraints run on every line the COPY writes. This file makes both cheaper
-- without giving up anything they guarantee or serve.

-- One BRIN index over (declared_on, updated_at) replaces the BRIN on declared_on and the B-tree on updated_at: one
-- scan and no sort (at a million lines, load 2-3: 0.41-0.50 s against 0.18-0.33 s plus 0.28-0.57 s). Every reader of
-- updated_at on declaration_line asks for the lines changed since a recent watermark (`updated_at >= $1`: the
-- incremental sweep's scope and stale months, the baselines' validity); lines are appended in the order they are
-- written, so only the last page ranges match, plus any range an updated line moved into since the watermark (a
-- correction, a citation resolved when its licence arrives). 32 pages a range (about 1,500 lines) keep such scattered
-- updates cheap to recheck; if corrections ever touch lines all over the table between two sweeps, this is the index
-- to turn back into a B-tree.
DROP INDEX declaration_line_declared_brin;
DROP INDEX declaration_line_updated;
CREATE INDEX declaration_line_changed_brin ON declaration_line USING brin (declared_on, updated_at)
    WITH (pages_per_range = 32);

-- The licence index holds every line: a bulk load keeps partial indexes (they hold the exceptions, such as the
-- citations of licences not loaded yet, and cost a predicate test per line) instead of reading the whole table again to
-- build them, and this one, with nearly every line in it, must be built afresh. Lines citing no licence add NULL
-- entries; every query of it asks for a licence id.
DROP INDEX declaration_line_licence;
CREATE INDEX declaration_line_licence ON declaration_line (licence_id);

-- The CHECK constraints were 41 % of the bulk COPY's backend CPU (perf), these three half of it. The same values
-- accepted, for fewer function calls per line (measured one by one over a million rows: country 290 to 160 ns,
-- hs_code 370 to 260 ns, declaration_no 280 to 250 ns; DeclarationConstraintTests compares them with the 0003 shapes):
-- - country: two bytes, the first and the last an ASCII capital (a byte of a multi-byte character never is one, so
--   the two bytes are two letters);
-- - hs_code: 6 or 8 bytes, none of them outside 0-9 (one regex test; translate() compared every byte with each of
--   the ten digits);
-- - declaration_no: the same pattern; it admits only ASCII, so its byte length is its length.
ALTER TABLE declaration_line
    DROP CONSTRAINT declaration_line_country_check,
    ADD CONSTRAINT declaration_line_country_check CHECK (
        octet_length(country) = 2 AND country::"char" BETWEEN 'A' AND 'Z' AND right(country, 1)::"char" BETWEEN 'A' AND 'Z'),
    DROP CONSTRAINT declaration_line_hs_code_check,
    ADD CONSTRAINT declaration_line_hs_code_check CHECK (octet_length(hs_code) IN (6, 8) AND hs_code !~ '[^0-9]'),
    DROP CONSTRAINT declaration_line_declaration_no_check,
    ADD CONSTRAINT declaration_line_declaration_no_check CHECK (
        declaration_no ~ '^[A-Za-z0-9/_-]+$' AND octet_length(declaration_no) <= 32);
