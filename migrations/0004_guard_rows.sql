-- Why: a wallet's overdraft guard row may only change through a transfer. Deleting it would
-- silently switch off the guard for that wallet, and a direct UPDATE would let the guard
-- disagree with the ledger; both are refused unless they come from the transfer trigger.
CREATE FUNCTION wallet_guard_only_by_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'wallet guard rows are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Depth 1 is this trigger fired by a statement of a client; 2 is the transfer trigger's UPDATE.
  IF pg_trigger_depth() < 2 OR NEW.account_id <> OLD.account_id THEN
    RAISE EXCEPTION 'wallet guard rows change only through transfers' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER wallet_guard_only_by_transfer BEFORE UPDATE OR DELETE ON wallet_guard
  FOR EACH ROW EXECUTE FUNCTION wallet_guard_only_by_transfer();
