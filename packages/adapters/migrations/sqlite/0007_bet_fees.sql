ALTER TABLE `bets` ADD `fees` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `bets` ADD `pool_accumulated_amount` text;