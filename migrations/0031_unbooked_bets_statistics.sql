-- Why: unbooked_bets is a queue (every bet is written at placement and deleted when booked), and
-- in the million-bet round autovacuum never reached it: pg_class still said -1 rows at close.
-- Without statistics the planner took "the round's 10,000 oldest unbooked bets" for a handful of
-- rows and read the whole backlog (bitmap scan of 1,000,000 index entries, live and dead, then a
-- sort: 90-140 ms a matching pass) instead of the first 10,000 entries of the primary key (6 ms).
-- A queue needs vacuum and fresh statistics after a fixed number of rows, not after a fraction
-- of its (changing) size. The match pass also orders that read by the index itself (match-pass.ts).
ALTER TABLE unbooked_bets SET (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 20000,
  autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 20000);
