CREATE TABLE `leaderboard_windows` (
	`hours` integer PRIMARY KEY NOT NULL,
	`end_hour` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `player_windows` (
	`hours` integer NOT NULL,
	`wallet` text NOT NULL,
	`bets` integer NOT NULL,
	`wins` integer NOT NULL,
	`wagered` integer NOT NULL,
	`payout` integer NOT NULL,
	PRIMARY KEY(`hours`, `wallet`),
	CONSTRAINT "player_windows_totals_integer" CHECK(typeof("wagered") = 'integer' and typeof("payout") = 'integer')
);
--> statement-breakpoint
CREATE INDEX `player_windows_rank_wagered_idx` ON `player_windows` (`hours`,"wagered" desc,"wallet");--> statement-breakpoint
CREATE INDEX `player_windows_rank_profit_idx` ON `player_windows` (`hours`,("payout" - "wagered") desc,"wagered" desc,"wallet");--> statement-breakpoint
CREATE INDEX `player_windows_rank_wins_idx` ON `player_windows` (`hours`,"wins" desc,"wagered" desc,"wallet");--> statement-breakpoint
CREATE INDEX `player_windows_rank_bets_idx` ON `player_windows` (`hours`,"bets" desc,"wagered" desc,"wallet");