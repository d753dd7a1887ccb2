-- Why: a bet fully cancelled before any match ends CANCELLED (docs/invariants.md, "The game's
-- rules"), and stays so when its round is later settled or voided; only SETTLED, VOID and
-- CANCELLED are final.
CREATE OR REPLACE FUNCTION bets_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'bets are never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.round_id <> OLD.round_id OR NEW.user_id <> OLD.user_id OR NEW.side <> OLD.side OR NEW.amount <> OLD.amount
     OR NEW.matched_amount < OLD.matched_amount OR NEW.cancelled_amount < OLD.cancelled_amount
     OR (OLD.seq IS NOT NULL AND NEW.seq IS DISTINCT FROM OLD.seq)
     OR (OLD.payout IS NOT NULL AND (NEW.payout <> OLD.payout OR NEW.refund <> OLD.refund))
     OR (OLD.status IN ('SETTLED', 'VOID', 'CANCELLED') AND NEW.status <> OLD.status) THEN
    RAISE EXCEPTION 'bet % cannot change that way', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
