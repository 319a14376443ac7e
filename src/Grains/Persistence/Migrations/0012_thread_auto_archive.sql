-- Automatic archiving of threads. auto_archive_minutes is the thread's inactivity limit (60, 1440,
-- 4320 or 10080). activity_at is when its clock last restarted as far as the row knows: creation,
-- a manual unarchive, or the newest message the archive sweep saw; messages do not update the row
-- (that would add a write to every send), so the sweep looks at a thread's newest message only
-- once the row says it is due. archive_due_at = activity_at + auto_archive_minutes, stored so the
-- sweep walks an index instead of every open thread.
ALTER TABLE threads ADD COLUMN IF NOT EXISTS auto_archive_minutes integer NOT NULL DEFAULT 1440;
ALTER TABLE threads ADD COLUMN IF NOT EXISTS activity_at timestamptz;
ALTER TABLE threads ADD COLUMN IF NOT EXISTS archive_due_at timestamptz;

UPDATE threads
   SET activity_at = COALESCE(activity_at, created_at),
       archive_due_at = COALESCE(activity_at, created_at) + make_interval(mins => auto_archive_minutes)
 WHERE activity_at IS NULL OR archive_due_at IS NULL;

ALTER TABLE threads ALTER COLUMN activity_at SET NOT NULL;
ALTER TABLE threads ALTER COLUMN archive_due_at SET NOT NULL;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'ck_threads_auto_archive_minutes') THEN
        ALTER TABLE threads ADD CONSTRAINT ck_threads_auto_archive_minutes CHECK (auto_archive_minutes IN (60, 1440, 4320, 10080));
    END IF;
END
$$;

-- The sweep: open threads whose due time has passed, soonest first.
CREATE INDEX IF NOT EXISTS ix_threads_archive_due ON threads (archive_due_at) WHERE NOT archived;
