-- What the tenant search matches: the lower-cased display name and the primary domain, joined by a unit
-- separator (U+001F, which a search cannot contain, so no match spans both). SQLite can add only a virtual
-- generated column to an existing table (computed when read, as the search did before).
ALTER TABLE tenants ADD COLUMN search_text TEXT
    GENERATED ALWAYS AS (lower(display_name) || char(31) || primary_domain) VIRTUAL;
