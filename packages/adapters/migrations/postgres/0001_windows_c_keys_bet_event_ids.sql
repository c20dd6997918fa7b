CREATE TABLE "leaderboard_windows" (
	"hours" integer PRIMARY KEY NOT NULL,
	"end_hour" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "player_windows" (
	"hours" integer NOT NULL,
	"wallet" text COLLATE "C" NOT NULL,
	"bets" bigint NOT NULL,
	"wins" bigint NOT NULL,
	"wagered" numeric(39, 0) NOT NULL,
	"payout" numeric(39, 0) NOT NULL,
	CONSTRAINT "player_windows_hours_wallet_pk" PRIMARY KEY("hours","wallet")
);
--> statement-breakpoint
DROP INDEX "bets_register_signature_idx";--> statement-breakpoint
DROP INDEX "bets_resolve_signature_idx";--> statement-breakpoint
ALTER TABLE "bets" ALTER COLUMN "id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "bets" ALTER COLUMN "player" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "bets" ALTER COLUMN "register_signature" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "bets" ALTER COLUMN "resolve_signature" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "orphans" ALTER COLUMN "trial_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "player_games" ALTER COLUMN "wallet" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "player_hourly" ALTER COLUMN "wallet" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "players" ALTER COLUMN "wallet" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "bets" ADD COLUMN "register_event_id" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "bets" ADD COLUMN "resolve_event_id" text COLLATE "C";--> statement-breakpoint
CREATE INDEX "bets_register_signature_idx" ON "bets" USING hash ("register_signature");--> statement-breakpoint
CREATE INDEX "bets_resolve_signature_idx" ON "bets" USING hash ("resolve_signature");