CREATE TABLE "transaction_events" (
	"signature" text COLLATE "C" PRIMARY KEY NOT NULL,
	"slot" bigint NOT NULL,
	"block_time" bigint NOT NULL,
	"ids" text[] NOT NULL,
	"kinds" text[] NOT NULL
);
