-- The events recorded one row each (chain_events) become one row per transaction (transaction_events),
-- keyed as the store keys them: the transaction an event's id names (the id up to its first ':', as in
-- `<signature>:<index>`, or the whole id), so that replaying any of them stays a no-op.
INSERT INTO `transaction_events` (`signature`, `slot`, `block_time`, `events`)
SELECT `transaction`, min(`slot`), min(`block_time`), json_group_array(json_object('id', `id`, 'kind', `kind`, 'data', json(`data`)))
FROM (
  SELECT CASE WHEN instr(`id`, ':') > 0 THEN substr(`id`, 1, instr(`id`, ':') - 1) ELSE `id` END AS `transaction`, *
  FROM `chain_events` ORDER BY `rowid`
)
GROUP BY `transaction`;
