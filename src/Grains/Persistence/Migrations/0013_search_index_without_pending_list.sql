-- The full-text index takes each new message as it is inserted instead of collecting them in a
-- pending list. With the pending list (GIN's default), the insert that finds it over 4 MB merges
-- all of it into the index inside that statement: under a steady stream of messages one group
-- commit in a few thousand stalled for 150–200 ms, and every send queued behind it waited too
-- (docs/benchmarks.md, eleventh pass). Per message the direct update costs about the same.
ALTER INDEX ix_messages_search SET (fastupdate = off);

-- Merge what the pending list still holds now rather than at the next vacuum.
SELECT gin_clean_pending_list('ix_messages_search');
