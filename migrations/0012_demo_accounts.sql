-- Why: the demo crowd of `npm start` reused any existing user named demo_<i> and topped it up
-- with operator deposits whenever it ran dry, and the API listened before those accounts
-- existed: anyone who registered demo_1 first was funded for free. Accounts the demo creates
-- are now marked here; it only ever uses (and funds) marked accounts, and a name someone else
-- holds is skipped. Registration never sets the mark.
ALTER TABLE users ADD COLUMN demo boolean NOT NULL DEFAULT false;
