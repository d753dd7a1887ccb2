-- Why: settling a round updates every bet (status, payout, refund) and, through the transfer
-- trigger, the overdraft guard row of every paid wallet. Neither update touches an indexed
-- column, but with full pages PostgreSQL cannot keep the new row version on the same page, so
-- each one also inserted into every index of the table: the largest cost of settling a round
-- of a million bets (docs/benchmarks.md, large round). Free space on each page lets these be
-- HOT updates (no index writes). Only pages written from now on get the free space.
ALTER TABLE bets SET (fillfactor = 75);
ALTER TABLE wallet_guard SET (fillfactor = 50);

-- The overdraft guard in one statement per transfer instead of two: a transfer touches at most
-- one player wallet (the other side is escrow, cash, house or the withdrawal hold, which have
-- no guard row), so one UPDATE of the rows of both accounts moves the guard, and a transfer
-- between two system accounts (commission) costs one index probe instead of two.
CREATE OR REPLACE FUNCTION ledger_guard_wallets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE wallet_guard
  SET balance = balance + CASE WHEN account_id = NEW.credit_account_id THEN NEW.amount ELSE -NEW.amount END
  WHERE account_id IN (NEW.debit_account_id, NEW.credit_account_id);
  RETURN NULL;
END $$;
