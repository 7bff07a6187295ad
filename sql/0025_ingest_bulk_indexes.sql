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
-- to turn back into a B-tree. Page ranges filled after the index was built are read whole until they are summarized:
-- autosummarize asks autovacuum to summarize each range as soon as the next one starts (a bulk load builds the index
-- afresh), instead of waiting for the table's next vacuum (after a fifth of its size in new lines).
DROP INDEX declaration_line_declared_brin;
DROP INDEX declaration_line_updated;
CREATE INDEX declaration_line_changed_brin ON declaration_line USING brin (declared_on, updated_at)
    WITH (pages_per_range = 32, autosummarize = on);

-- The licence index holds every line: a bulk load keeps partial indexes (they hold the exceptions, such as the
-- citations of licences not loaded yet, and cost a predicate test per line) instead of reading the whole table again to
-- build them, and this one, with nearly every line in it, must be built afresh. Lines citing no licence add NULL
-- entries; every query of it asks for a licence id.
DROP INDEX declaration_line_licence;
CREATE INDEX declaration_line_licence ON declaration_line (licence_id);

-- The CHECK constraints were 41 % of the bulk COPY's backend CPU (perf), these three shape checks three quarters of
-- that. They accept the same values with fewer instructions per line (callgrind, a backend copying 100,000 lines:
-- declaration_no 3.0 to 2.1 thousand, hs_code 2.9 to 2.0, country 1.9 to 1.2; DeclarationConstraintTests compares
-- them with the patterns of 0003 on boundary values):
-- - declaration_no and hs_code: every byte in the allowed ASCII set, removed by ltrim() from the string's bytes (the
--   conversion to SQL_ASCII hands them over unchanged); in every server encoding a byte of a non-ASCII character is
--   above 0x7F, so no such character passes, and the byte length is then the length. A regex match costs more to set
--   up per line than the whole test, translate() compared every character with every allowed one;
-- - country: two bytes, the first and the last an ASCII capital (so neither belongs to a multi-byte character).
ALTER TABLE declaration_line
    DROP CONSTRAINT declaration_line_country_check,
    ADD CONSTRAINT declaration_line_country_check CHECK (
        octet_length(country) = 2 AND country::"char" BETWEEN 'A' AND 'Z' AND right(country, 1)::"char" BETWEEN 'A' AND 'Z'),
    DROP CONSTRAINT declaration_line_hs_code_check,
    ADD CONSTRAINT declaration_line_hs_code_check CHECK (
        octet_length(hs_code) IN (6, 8) AND ltrim(convert_to(hs_code, 'SQL_ASCII'), '0123456789'::bytea) = ''::bytea),
    DROP CONSTRAINT declaration_line_declaration_no_check,
    ADD CONSTRAINT declaration_line_declaration_no_check CHECK (
        octet_length(declaration_no) BETWEEN 1 AND 32
        AND ltrim(convert_to(declaration_no, 'SQL_ASCII'), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/_-'::bytea)
            = ''::bytea);
