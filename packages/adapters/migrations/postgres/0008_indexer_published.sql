ALTER TABLE "casino" ADD COLUMN "published_signature" text;--> statement-breakpoint
ALTER TABLE "casino" ADD COLUMN "published_slot" bigint;