-- The feed's own title, from its last document that had one: what an
-- unnamed feed is called in alerts, logs and listings.
ALTER TABLE feeds ADD COLUMN title TEXT;
