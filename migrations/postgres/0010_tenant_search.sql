-- What the tenant search matches: the lower-cased display name and the primary domain, joined by a unit
-- separator (U+001F, which a search cannot contain, so no match spans both). Stored, so that a search over
-- a workspace's tenants compares bytes instead of lower-casing every name for every request.
ALTER TABLE tenants ADD COLUMN search_text TEXT
    GENERATED ALWAYS AS (lower(display_name) || chr(31) || primary_domain) STORED;
