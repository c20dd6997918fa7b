-- The event ids recorded one row each (events) become one row per transaction (transaction_events),
-- keyed as the store keys them: the transaction an id names (the id up to its first ':', as in
-- `<signature>:<index>`, or the whole id), so that replaying any of them stays a no-op.
INSERT INTO "transaction_events" ("signature", "slot", "block_time", "ids", "kinds")
SELECT split_part("id", ':', 1), min("slot"), min("block_time"), array_agg("id" ORDER BY "id"), array_agg("kind" ORDER BY "id")
FROM "events"
GROUP BY split_part("id", ':', 1);
