PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_jackpots` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`pool` text NOT NULL,
	`trial_id` text NOT NULL,
	`receiver` text NOT NULL,
	`amount` text NOT NULL,
	`signature` text NOT NULL,
	`slot` integer NOT NULL,
	`block_time` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_jackpots`("seq", "id", "pool", "trial_id", "receiver", "amount", "signature", "slot", "block_time") SELECT "seq", "id", "pool", "trial_id", "receiver", "amount", "signature", "slot", "block_time" FROM `jackpots`;--> statement-breakpoint
DROP TABLE `jackpots`;--> statement-breakpoint
ALTER TABLE `__new_jackpots` RENAME TO `jackpots`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `jackpots_id_unique` ON `jackpots` (`id`);