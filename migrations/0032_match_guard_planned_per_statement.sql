-- Why: the guard that a match joins two bets of its own round (0027) is a query with no
-- parameters in a PL/pgSQL trigger, so each session planned it once and kept that plan. The match
-- worker's session planned it at its first pass of a round, when the round had a few hundred
-- bets: hashing every bet was then cheaper than probing the index per match, and the plan stayed
-- "hash all of bets, twice" for the rest of the session. In the million-bet bench a matching pass
-- then spent 778 ms on average writing its matches (pg_stat_statements: 192 passes, 149 s in
-- all), growing with the round, and the final pass took 56 s. The check is now planned for each
-- statement (EXECUTE), with the sizes of that moment; what is refused, and how, is unchanged.
CREATE OR REPLACE FUNCTION matches_of_round_bets() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  EXECUTE $q$
    SELECT m.round_id, m.bet_id, m.against_bet_id FROM new_matches m
    WHERE NOT EXISTS (SELECT 1 FROM bets b WHERE b.round_id = m.round_id AND b.id = m.bet_id)
       OR NOT EXISTS (SELECT 1 FROM bets b WHERE b.round_id = m.round_id AND b.id = m.against_bet_id)
    LIMIT 1 $q$ INTO bad;
  IF bad.bet_id IS NOT NULL THEN
    RAISE EXCEPTION 'match of bets % and % is not between two bets of round %', bad.bet_id, bad.against_bet_id,
      bad.round_id USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'matches_of_round_bets';
  END IF;
  RETURN NULL;
END $$;
