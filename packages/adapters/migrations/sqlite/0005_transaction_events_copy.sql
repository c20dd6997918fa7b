-- The events recorded one row each (chain_events) become one row per transaction (transaction_events),
-- in the order they were applied, so that replaying any of them stays a no-op.
INSERT INTO `transaction_events` (`signature`, `slot`, `block_time`, `events`)
SELECT `signature`, min(`slot`), min(`block_time`), json_group_array(json_object('id', `id`, 'kind', `kind`, 'data', json(`data`)))
FROM (SELECT * FROM `chain_events` ORDER BY `rowid`)
GROUP BY `signature`;
