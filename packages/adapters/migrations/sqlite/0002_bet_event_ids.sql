ALTER TABLE `bets` ADD `register_event_id` text;--> statement-breakpoint
ALTER TABLE `bets` ADD `resolve_event_id` text;