ALTER TABLE `cursor` ADD `published_signature` text;--> statement-breakpoint
ALTER TABLE `cursor` ADD `published_slot` integer;