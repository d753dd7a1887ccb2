-- Why: every matching pass reloaded the round's whole resting book from bets (issue 10): a
-- round whose book holds many partly matched bets paid O(book) per pass of at most 10,000
-- arrivals. The match worker now keeps each round's book in memory and reuses it while it is
-- still the book in the database.
--
-- Every transaction that changes a round's book (a matching pass, wherever it runs, and a
-- cancel) writes its own transaction id here, under the round's match lock. A worker keeps the
-- book it computed with the id of the transaction that wrote it; at its next pass, under the
-- same lock, it reuses the book only if this row still holds that id. Any other writer (another
-- worker, a cancel in an API process) leaves its own id, and a transaction that rolled back
-- leaves the previous one, so a stale or uncommitted book is never reused: the worker reads
-- the book again from bets (src/betting/match-book.ts).
CREATE TABLE match_books (
  round_id bigint PRIMARY KEY REFERENCES rounds (id),
  -- The transaction that last changed the round's book.
  writer   xid8 NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON match_books TO colorbet_service;
