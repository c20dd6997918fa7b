-- Totals rows are updated by nearly every indexer batch. With room left in their pages, Postgres updates
-- them in place (HOT: no new index entries, pruned on the next visit); full pages made every update
-- insert into each index: about 3x the cost of the players update of a 1,000-bet batch.
ALTER TABLE "players" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "player_games" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "player_hourly" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "player_windows" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "hourly" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "casino" SET (fillfactor = 50);
