-- Skills that unlock work: what an administrator set that an action needs,
-- and the competency states the training service's events last reported
-- (staff ids, competency ids, states and dates only).

CREATE TABLE skill_requirements (
    action TEXT PRIMARY KEY NOT NULL,
    competency_id TEXT NOT NULL,
    competency_name TEXT NOT NULL,
    help TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);

-- `seq` is the training event that last wrote the row: an older event
-- delivered late never overwrites a newer state.
CREATE TABLE skill_states (
    staff_id TEXT NOT NULL,
    competency_id TEXT NOT NULL,
    state TEXT NOT NULL,
    lapses_on TEXT,
    seq BIGINT NOT NULL,
    PRIMARY KEY (staff_id, competency_id)
);

-- The account each staff record is linked to, by the key training's
-- events name it with (a digest of the account id).
CREATE TABLE skill_accounts (
    staff_id TEXT PRIMARY KEY NOT NULL,
    account TEXT NOT NULL UNIQUE,
    seq BIGINT NOT NULL
);
