-- Why: settling a round of a million players spent most of its time in per-row triggers, not in
-- writing rows (pg_stat_statements and EXPLAIN ANALYZE of one 2,000-player chunk, issue 10,
-- docs/benchmarks.md): the payout INSERT ran the overdraft guard once per transfer (a plpgsql
-- call, an UPDATE of the wallet's guard row, and wallet_guard's own per-row BEFORE trigger),
-- and the key claim called colorbet_transfer_key() once per transfer, a SQL function that
-- returns a record and so was never inlined. Together they were about three quarters of the
-- INSERT's time. The rules are the same; they now run once per statement:
--
-- 1. The overdraft guard (I4) is a statement trigger over the inserted rows (transition table):
--    one UPDATE adds each player wallet's net change to its guard row, in account order, and the
--    CHECK wallet_never_negative refuses the statement if any wallet would end below zero. A
--    statement's rows are one atomic change, so checking its net effect per wallet is the same
--    rule as checking after each row: no committed state and no statement's result can show a
--    negative wallet. Transfers between system accounts (commission) touch no guard row at all.
-- 2. wallet_guard's "only through transfers" rule is a statement trigger too: a statement that
--    updates or deletes guard rows must come from the transfer trigger (trigger depth 2), as
--    before; it no longer runs once per guard row.
-- 3. colorbet_transfer_key() returns a table of one row, so PostgreSQL inlines it into the key
--    claim and into verify's check K: the same one definition, no function call per transfer.

-- 1. The overdraft guard, once per INSERT statement.
DROP TRIGGER transfers_guard_wallets ON transfers;
CREATE OR REPLACE FUNCTION ledger_guard_wallets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Driven by the accounts in ascending order, so two statements lock shared wallets alike.
  UPDATE wallet_guard g SET balance = g.balance + d.delta
  FROM (SELECT account_id, sum(delta) AS delta
        FROM (SELECT credit_account_id AS account_id, amount AS delta FROM new_transfers
              UNION ALL
              SELECT debit_account_id, -amount FROM new_transfers) moves
        GROUP BY account_id
        ORDER BY account_id) d
  WHERE g.account_id = d.account_id AND d.delta <> 0;
  RETURN NULL;
END $$;
CREATE TRIGGER transfers_guard_wallets AFTER INSERT ON transfers
  REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION ledger_guard_wallets();

-- 2. Guard rows change only through the transfer trigger, checked once per statement.
DROP TRIGGER wallet_guard_only_by_transfer ON wallet_guard;
CREATE OR REPLACE FUNCTION wallet_guard_only_by_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'wallet guard rows are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Depth 1 is this trigger fired by a client's statement; 2 is the transfer trigger's UPDATE,
  -- which never changes account_id.
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'wallet guard rows change only through transfers' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER wallet_guard_only_by_transfer BEFORE UPDATE OR DELETE ON wallet_guard
  FOR EACH STATEMENT EXECUTE FUNCTION wallet_guard_only_by_transfer();

-- 3. The key definition, inlinable. The claim trigger and verify call it the same way.
DROP FUNCTION colorbet_transfer_key(text, bigint, bigint, bigint, bigint, text);
CREATE FUNCTION colorbet_transfer_key(kind text, round_id bigint, bet_id bigint, user_id bigint,
  withdrawal_id bigint, reference text)
RETURNS TABLE (key_round bigint, scope text, key text)
LANGUAGE sql IMMUTABLE ROWS 1 AS $$
  SELECT CASE WHEN kind IN ('deposit', 'withdrawal_hold', 'withdrawal_post', 'withdrawal_release') THEN 0
              ELSE round_id END,
         CASE kind WHEN 'deposit' THEN 'deposit' WHEN 'withdrawal_hold' THEN 'withdrawal_hold'
              WHEN 'withdrawal_post' THEN 'withdrawal_outcome' WHEN 'withdrawal_release' THEN 'withdrawal_outcome'
              WHEN 'stake' THEN 'stake' WHEN 'cancel_refund' THEN 'cancel'
              WHEN 'settlement' THEN 'payout' WHEN 'void_refund' THEN 'payout' WHEN 'commission' THEN 'commission' END,
         CASE WHEN kind = 'deposit' THEN reference
              WHEN kind IN ('withdrawal_hold', 'withdrawal_post', 'withdrawal_release') THEN withdrawal_id::text
              WHEN kind IN ('stake', 'cancel_refund') THEN bet_id::text
              ELSE user_id::text END
$$;
