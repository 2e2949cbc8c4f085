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
    calls INTEGER NOT NULL,
    PRIMARY KEY (source, place_id, month, category)
);
INSERT INTO demand_cells (source, place_id, month, category, area_id, calls)
    SELECT source, place_id, month, category, MAX(area_id), COUNT(*)
    FROM incidents GROUP BY source, place_id, month, category;
CREATE INDEX demand_cells_by_area ON demand_cells (area_id, month);
CREATE TRIGGER incidents_leave_cell AFTER UPDATE ON incidents
BEGIN
    UPDATE demand_cells SET calls = calls - 1
    WHERE source = old.source AND place_id = old.place_id
      AND month = old.month AND category = old.category;
END;

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

-- Inside an upsert, SQLite applies the outer statement's conflict handling
-- to a trigger's `INSERT OR IGNORE`, so two re-imported incidents leaving
-- the same cell in one statement failed it. The trigger now skips a cell
-- already noted.
DROP TRIGGER incidents_cell_moved;
CREATE TRIGGER incidents_cell_moved AFTER UPDATE ON incidents
WHEN old.source = 'command_and_control'
    AND (new.source <> old.source OR new.place_id <> old.place_id
         OR new.month <> old.month OR new.category <> old.category)
BEGIN
    INSERT INTO demand_moves (import_id, place_id, area_id, month, category)
    SELECT new.import_id, old.place_id, old.area_id, old.month, old.category
    WHERE NOT EXISTS (
        SELECT 1 FROM demand_moves
        WHERE import_id = new.import_id AND place_id = old.place_id
          AND month = old.month AND category = old.category);
END;
