-- Periodic jobs: when each is next due. A worker claims a due run by moving
-- next_run_at forward with a guarded UPDATE, so N workers queue it once.
CREATE TABLE job_schedule (
    name        TEXT PRIMARY KEY NOT NULL,
    next_run_at BIGINT NOT NULL
);
