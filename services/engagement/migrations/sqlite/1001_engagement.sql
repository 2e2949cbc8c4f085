-- Places: the four local authority areas and the strategy's priority areas.
-- Reference data, so the migration seeds it; ids match eip_types::place.
CREATE TABLE places (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('local_authority', 'priority_area')),
    parent_id TEXT REFERENCES places (id),
    position INTEGER NOT NULL
);
CREATE INDEX places_by_kind ON places (kind, position);

INSERT INTO places (id, name, kind, parent_id, position) VALUES
    ('hull', 'Hull', 'local_authority', NULL, 1),
    ('east-riding', 'East Riding', 'local_authority', NULL, 2),
    ('north-lincolnshire', 'North Lincolnshire', 'local_authority', NULL, 3),
    ('north-east-lincolnshire', 'North East Lincolnshire', 'local_authority', NULL, 4),
    ('west-marsh', 'West Marsh', 'priority_area', 'north-east-lincolnshire', 5),
    ('east-marsh', 'East Marsh', 'priority_area', 'north-east-lincolnshire', 6),
    ('town', 'Town', 'priority_area', 'north-lincolnshire', 7),
    ('bridlington-south', 'Bridlington South', 'priority_area', 'east-riding', 8),
    ('myton', 'Myton', 'priority_area', 'hull', 9);

