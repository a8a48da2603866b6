-- Policy snapshots above ~2 kB are compressed when stored. lz4 compresses them several times faster than
-- PostgreSQL's default (pglz) at a similar ratio, which the inventory sync's insert rate feels directly.
-- Only PostgreSQL compresses (SQLite has no counterpart, hence no 0011 there). A server built without lz4
-- keeps the default.
DO $$
BEGIN
    ALTER TABLE policy_versions ALTER COLUMN snapshot SET COMPRESSION lz4;
    ALTER TABLE policy_versions ALTER COLUMN assignments SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available: policy versions keep the default compression';
END
$$;
