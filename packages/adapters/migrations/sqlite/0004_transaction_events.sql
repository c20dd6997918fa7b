CREATE TABLE `transaction_events` (
	`signature` text PRIMARY KEY NOT NULL,
	`slot` integer NOT NULL,
	`block_time` integer NOT NULL,
	`events` text NOT NULL
);
