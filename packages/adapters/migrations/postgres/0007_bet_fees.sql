ALTER TABLE "bets" ADD COLUMN "fees" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "bets" ADD COLUMN "pool_accumulated_amount" numeric(20, 0);