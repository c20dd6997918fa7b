CREATE TABLE "bets" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"player" text NOT NULL,
	"pool" text NOT NULL,
	"mint" text,
	"game" text NOT NULL,
	"extra_data_hash" text NOT NULL,
	"wager" numeric(20, 0) NOT NULL,
	"qk" jsonb NOT NULL,
	"result_index" integer,
	"payout" numeric(39, 0),
	"multiplier" double precision,
	"won" boolean,
	"status" text NOT NULL,
	"register_signature" text NOT NULL,
	"register_slot" bigint NOT NULL,
	"block_time" bigint NOT NULL,
	"resolve_signature" text,
	"resolve_slot" bigint,
	"settled_block_time" bigint
);
--> statement-breakpoint
CREATE TABLE "casino" (
	"id" integer PRIMARY KEY NOT NULL,
	"bets" bigint DEFAULT 0 NOT NULL,
	"wins" bigint DEFAULT 0 NOT NULL,
	"losses" bigint DEFAULT 0 NOT NULL,
	"wagered" numeric(39, 0) DEFAULT 0 NOT NULL,
	"payout" numeric(39, 0) DEFAULT 0 NOT NULL,
	"pending" bigint DEFAULT 0 NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"cursor_signature" text,
	"cursor_slot" bigint,
	"cursor_updated_at" bigint
);
--> statement-breakpoint
CREATE TABLE "chat" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "chat_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"wallet" text NOT NULL,
	"username" text,
	"message" text NOT NULL,
	"created_at" bigint NOT NULL,
	"deleted_at" bigint
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"signature" text NOT NULL,
	"slot" bigint NOT NULL,
	"block_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hourly" (
	"hour" integer PRIMARY KEY NOT NULL,
	"bets" bigint NOT NULL,
	"wins" bigint NOT NULL,
	"wagered" numeric(39, 0) NOT NULL,
	"payout" numeric(39, 0) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jackpots" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "jackpots_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"pool" text NOT NULL,
	"trial_id" text NOT NULL,
	"receiver" text NOT NULL,
	"amount" numeric(39, 0) NOT NULL,
	"signature" text NOT NULL,
	"slot" bigint NOT NULL,
	"block_time" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orphans" (
	"trial_id" text PRIMARY KEY NOT NULL,
	"event" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "player_games" (
	"wallet" text NOT NULL,
	"game" text NOT NULL,
	"bets" bigint NOT NULL,
	"wins" bigint NOT NULL,
	"losses" bigint NOT NULL,
	"wagered" numeric(39, 0) NOT NULL,
	"payout" numeric(39, 0) NOT NULL,
	CONSTRAINT "player_games_wallet_game_pk" PRIMARY KEY("wallet","game")
);
--> statement-breakpoint
CREATE TABLE "player_hourly" (
	"wallet" text NOT NULL,
	"hour" integer NOT NULL,
	"bets" bigint NOT NULL,
	"wins" bigint NOT NULL,
	"wagered" numeric(39, 0) NOT NULL,
	"payout" numeric(39, 0) NOT NULL,
	CONSTRAINT "player_hourly_wallet_hour_pk" PRIMARY KEY("wallet","hour")
);
--> statement-breakpoint
CREATE TABLE "players" (
	"wallet" text PRIMARY KEY NOT NULL,
	"username" text,
	"created_at" bigint NOT NULL,
	"last_seen_at" bigint NOT NULL,
	"total_bets" bigint DEFAULT 0 NOT NULL,
	"total_wins" bigint DEFAULT 0 NOT NULL,
	"total_losses" bigint DEFAULT 0 NOT NULL,
	"total_wagered" numeric(39, 0) DEFAULT 0 NOT NULL,
	"total_payout" numeric(39, 0) DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "system_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "system_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"message" text NOT NULL,
	"metadata" jsonb,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "bets_seq_idx" ON "bets" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "bets_player_seq_idx" ON "bets" USING btree ("player","seq");--> statement-breakpoint
CREATE INDEX "bets_game_seq_idx" ON "bets" USING btree ("game","seq");--> statement-breakpoint
CREATE INDEX "bets_pending_seq_idx" ON "bets" USING btree ("seq") WHERE "bets"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "bets_register_signature_idx" ON "bets" USING btree ("register_signature");--> statement-breakpoint
CREATE INDEX "bets_resolve_signature_idx" ON "bets" USING btree ("resolve_signature");--> statement-breakpoint
CREATE UNIQUE INDEX "jackpots_id_idx" ON "jackpots" USING btree ("id");--> statement-breakpoint
CREATE INDEX "nonces_expires_at_idx" ON "nonces" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "player_hourly_hour_idx" ON "player_hourly" USING btree ("hour");--> statement-breakpoint
CREATE UNIQUE INDEX "players_username_lower_idx" ON "players" USING btree (lower("username"));