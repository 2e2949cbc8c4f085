-- differs by backend: triggers: SQLite writes their bodies inline, PostgreSQL calls functions.
-- Calls per ward, month, category and source, kept as incidents are written:
-- the demand analyses, the place profile and the aggregates governance reads
-- sum these few thousand rows rather than count the incident table. An
-- import adds each batch's rows to their cells in the batch's transaction;
-- a re-imported incident takes its call out of its old cell here.
CREATE TABLE demand_cells (
    source TEXT NOT NULL,
    place_id TEXT NOT NULL,
    month TEXT NOT NULL,
    category TEXT NOT NULL,
    area_id TEXT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (source, place_id, month, category)
);
INSERT INTO demand_cells (source, place_id, month, category, area_id, calls)
    SELECT source, place_id, month, category, MAX(area_id), COUNT(*)
    FROM incidents GROUP BY source, place_id, month, category;
CREATE INDEX demand_cells_by_area ON demand_cells (area_id, month);
CREATE FUNCTION incidents_leave_cell() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE demand_cells SET calls = calls - 1
    WHERE source = OLD.source AND place_id = OLD.place_id
      AND month = OLD.month AND category = OLD.category;
    RETURN NULL;
END;
$$;
CREATE TRIGGER incidents_leave_cell AFTER UPDATE ON incidents
FOR EACH ROW EXECUTE FUNCTION incidents_leave_cell();

-- Queries by ward or area now read the cells; the incident table keeps the
-- indexes by caller and by address the repeat-demand rules read.
DROP INDEX IF EXISTS incidents_by_place;
DROP INDEX IF EXISTS incidents_by_area;
-- Those read only which callers and addresses recur, so they index the
-- reference alone.
DROP INDEX IF EXISTS incidents_by_caller;
DROP INDEX IF EXISTS incidents_by_address;
CREATE INDEX incidents_by_caller ON incidents (caller_ref);
CREATE INDEX incidents_by_address ON incidents (address_ref);
