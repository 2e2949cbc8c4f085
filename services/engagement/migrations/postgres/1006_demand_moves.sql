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
CREATE FUNCTION incidents_cell_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO demand_moves (import_id, place_id, area_id, month, category)
    VALUES (NEW.import_id, OLD.place_id, OLD.area_id, OLD.month, OLD.category)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER incidents_cell_moved AFTER UPDATE ON incidents
FOR EACH ROW
WHEN (OLD.source = 'command_and_control'
      AND (NEW.source <> OLD.source OR NEW.place_id <> OLD.place_id
           OR NEW.month <> OLD.month OR NEW.category <> OLD.category))
EXECUTE FUNCTION incidents_cell_moved();

-- Demand per cell is counted from this index alone.
DROP INDEX incidents_by_place;
CREATE INDEX incidents_by_place ON incidents (place_id, month, category, source);
