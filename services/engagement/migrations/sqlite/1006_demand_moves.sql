-- differs by backend: a trigger: SQLite writes its body inline, PostgreSQL calls a function.
-- A re-imported incident that changes ward, month or category leaves its
-- old cell with one call fewer: the import re-records that cell's demand.
-- The trigger notes such cells; imports read and clear them.
CREATE TABLE demand_moves (
    import_id TEXT NOT NULL,
    place_id TEXT NOT NULL,
    area_id TEXT NOT NULL,
    month TEXT NOT NULL,
    category TEXT NOT NULL,
    PRIMARY KEY (import_id, place_id, month, category)
);
CREATE TRIGGER incidents_cell_moved AFTER UPDATE ON incidents
WHEN old.source = 'command_and_control'
    AND (new.source <> old.source OR new.place_id <> old.place_id
         OR new.month <> old.month OR new.category <> old.category)
BEGIN
    INSERT OR IGNORE INTO demand_moves (import_id, place_id, area_id, month, category)
    VALUES (new.import_id, old.place_id, old.area_id, old.month, old.category);
END;

-- Demand per cell is counted from this index alone.
DROP INDEX incidents_by_place;
CREATE INDEX incidents_by_place ON incidents (place_id, month, category, source);
