-- Why: a 200,000-bet round (issue 10, docs/benchmarks.md) showed most updates of two tables
-- were not HOT, so each one also wrote every index of its table again:
-- - account_balance: the projection worker updates each paid account's row once per batch;
--   3,000 of 300,000 updates were HOT. The table had no free space on its pages at all.
-- - bets: each bet is updated up to three times (booking, a later fill, settlement). Booking
--   writes the indexed seq, so it is never HOT, and its new row version used up the quarter of
--   each page left free (0009); only 106,000 of the 200,000 settlement and fill updates were
--   HOT, the rest wrote all five indexes.
-- Half of each page is left free from now on. Pages already written keep their fill until they
-- are rewritten; new bets partitions (partition_schemes) are created with the new setting.
ALTER TABLE account_balance SET (fillfactor = 50);
UPDATE partition_schemes SET options = 'fillfactor = 50' WHERE parent = 'bets';
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'bets'::regclass LOOP
    EXECUTE format('ALTER TABLE %s SET (fillfactor = 50)', part);
  END LOOP;
END $$;
