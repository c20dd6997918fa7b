DROP INDEX `bets_status_seq_idx`;--> statement-breakpoint
DROP INDEX `bets_register_signature_idx`;--> statement-breakpoint
DROP INDEX `bets_resolve_signature_idx`;--> statement-breakpoint
CREATE INDEX `bets_pending_seq_idx` ON `bets` (`seq`) WHERE "status" = 'pending';--> statement-breakpoint
CREATE INDEX `bets_register_signature_prefix_idx` ON `bets` (substr("register_signature", 1, 16));--> statement-breakpoint
CREATE INDEX `bets_resolve_signature_prefix_idx` ON `bets` (substr("resolve_signature", 1, 16));