CREATE TABLE `bets` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`player` text NOT NULL,
	`pool` text NOT NULL,
	`mint` text,
	`game` text NOT NULL,
	`extra_data_hash` text NOT NULL,
	`wager` integer NOT NULL,
	`qk` text NOT NULL,
	`result_index` integer,
	`payout` integer,
	`multiplier` real,
	`won` integer,
	`status` text NOT NULL,
	`register_signature` text NOT NULL,
	`register_slot` integer NOT NULL,
	`block_time` integer NOT NULL,
	`resolve_signature` text,
	`resolve_slot` integer,
	`settled_block_time` integer,
	FOREIGN KEY (`player`) REFERENCES `players`(`wallet`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bets_id_unique` ON `bets` (`id`);--> statement-breakpoint
CREATE INDEX `bets_player_seq_idx` ON `bets` (`player`,`seq`);--> statement-breakpoint
CREATE INDEX `bets_game_seq_idx` ON `bets` (`game`,`seq`);--> statement-breakpoint
CREATE INDEX `bets_status_seq_idx` ON `bets` (`status`,`seq`);--> statement-breakpoint
CREATE INDEX `bets_register_signature_idx` ON `bets` (`register_signature`);--> statement-breakpoint
CREATE INDEX `bets_resolve_signature_idx` ON `bets` (`resolve_signature`);--> statement-breakpoint
CREATE TABLE `casino_totals` (
	`id` integer PRIMARY KEY NOT NULL,
	`bets` integer DEFAULT 0 NOT NULL,
	`wins` integer DEFAULT 0 NOT NULL,
	`losses` integer DEFAULT 0 NOT NULL,
	`wagered` integer DEFAULT 0 NOT NULL,
	`payout` integer DEFAULT 0 NOT NULL,
	`pending` integer DEFAULT 0 NOT NULL,
	`players` integer DEFAULT 0 NOT NULL,
	`last_seq` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "casino_totals_integer" CHECK(typeof("wagered") = 'integer' and typeof("payout") = 'integer')
);
--> statement-breakpoint
CREATE TABLE `chain_events` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`signature` text NOT NULL,
	`slot` integer NOT NULL,
	`block_time` integer NOT NULL,
	`data` text
);
--> statement-breakpoint
CREATE TABLE `chat_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`wallet` text NOT NULL,
	`username` text,
	`message` text NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE TABLE `cursor` (
	`id` integer PRIMARY KEY NOT NULL,
	`signature` text NOT NULL,
	`slot` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `hourly` (
	`hour` integer PRIMARY KEY NOT NULL,
	`bets` integer NOT NULL,
	`wins` integer NOT NULL,
	`wagered` integer NOT NULL,
	`payout` integer NOT NULL,
	CONSTRAINT "hourly_totals_integer" CHECK(typeof("wagered") = 'integer' and typeof("payout") = 'integer')
);
--> statement-breakpoint
CREATE TABLE `jackpots` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`pool` text NOT NULL,
	`trial_id` text NOT NULL,
	`receiver` text NOT NULL,
	`amount` integer NOT NULL,
	`signature` text NOT NULL,
	`slot` integer NOT NULL,
	`block_time` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jackpots_id_unique` ON `jackpots` (`id`);--> statement-breakpoint
CREATE TABLE `orphan_resolves` (
	`trial_id` text PRIMARY KEY NOT NULL,
	`event` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `player_games` (
	`wallet` text NOT NULL,
	`game` text NOT NULL,
	`bets` integer NOT NULL,
	`wins` integer NOT NULL,
	`losses` integer NOT NULL,
	`wagered` integer NOT NULL,
	`payout` integer NOT NULL,
	PRIMARY KEY(`wallet`, `game`),
	FOREIGN KEY (`wallet`) REFERENCES `players`(`wallet`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "player_games_totals_integer" CHECK(typeof("wagered") = 'integer' and typeof("payout") = 'integer')
);
--> statement-breakpoint
CREATE TABLE `player_hourly` (
	`wallet` text NOT NULL,
	`hour` integer NOT NULL,
	`bets` integer NOT NULL,
	`wins` integer NOT NULL,
	`wagered` integer NOT NULL,
	`payout` integer NOT NULL,
	PRIMARY KEY(`wallet`, `hour`),
	FOREIGN KEY (`wallet`) REFERENCES `players`(`wallet`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "player_hourly_totals_integer" CHECK(typeof("wagered") = 'integer' and typeof("payout") = 'integer')
);
--> statement-breakpoint
CREATE INDEX `player_hourly_window_idx` ON `player_hourly` (`hour`,`wallet`,`bets`,`wins`,`wagered`,`payout`);--> statement-breakpoint
CREATE TABLE `players` (
	`wallet` text PRIMARY KEY NOT NULL,
	`username` text,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`total_bets` integer DEFAULT 0 NOT NULL,
	`total_wins` integer DEFAULT 0 NOT NULL,
	`total_losses` integer DEFAULT 0 NOT NULL,
	`total_wagered` integer DEFAULT 0 NOT NULL,
	`total_payout` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "players_totals_integer" CHECK(typeof("total_wagered") = 'integer' and typeof("total_payout") = 'integer')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `players_username_lower_unique` ON `players` (lower("username"));--> statement-breakpoint
CREATE INDEX `players_rank_wagered_idx` ON `players` ("total_wagered" desc,"wallet") WHERE "total_bets" > 0;--> statement-breakpoint
CREATE INDEX `players_rank_profit_idx` ON `players` (("total_payout" - "total_wagered") desc,"total_wagered" desc,"wallet") WHERE "total_bets" > 0;--> statement-breakpoint
CREATE INDEX `players_rank_wins_idx` ON `players` ("total_wins" desc,"total_wagered" desc,"wallet") WHERE "total_bets" > 0;--> statement-breakpoint
CREATE INDEX `players_rank_bets_idx` ON `players` ("total_bets" desc,"total_wagered" desc,"wallet") WHERE "total_bets" > 0;--> statement-breakpoint
CREATE TABLE `system_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`severity` text NOT NULL,
	`message` text NOT NULL,
	`metadata` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `used_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `used_nonces_expires_at_idx` ON `used_nonces` (`expires_at`);