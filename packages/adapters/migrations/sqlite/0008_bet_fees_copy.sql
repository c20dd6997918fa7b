-- Bets registered before 0007 get the fees and the pool amount that their register transaction recorded
-- in transaction_events (its FeeCharged and PoolAccumulatedAmountUpdated of the same trial and pool), as
-- the decoder folds them into the register since. The recorded events stay where they are.
UPDATE `bets` SET
  `fees` = coalesce((
    SELECT json_group_array(json_array(json_extract(f.`value`, '$.data.feeType'), json_extract(f.`value`, '$.data.feeAmount')))
    FROM (
      SELECT e.`value` FROM `transaction_events` t, json_each(t.`events`) e
      WHERE t.`signature` = `bets`.`register_signature`
        AND json_extract(e.`value`, '$.kind') = 'feeCharged'
        AND json_extract(e.`value`, '$.data.trialId') = `bets`.`id`
        AND json_extract(e.`value`, '$.data.poolId') = `bets`.`pool`
        AND json_type(e.`value`, '$.data.feeType') = 'integer'
        AND json_type(e.`value`, '$.data.feeAmount') = 'text'
      ORDER BY e.`key`
    ) f
    HAVING count(*) > 0
  ), '[]'),
  `pool_accumulated_amount` = (
    SELECT json_extract(e.`value`, '$.data.newAccumulatedAmount')
    FROM `transaction_events` t, json_each(t.`events`) e
    WHERE t.`signature` = `bets`.`register_signature`
      AND json_extract(e.`value`, '$.kind') = 'poolAccumulatedAmountUpdated'
      AND json_extract(e.`value`, '$.data.trialId') = `bets`.`id`
      AND json_extract(e.`value`, '$.data.poolId') = `bets`.`pool`
      AND json_type(e.`value`, '$.data.newAccumulatedAmount') = 'text'
    ORDER BY e.`key` DESC
    LIMIT 1
  )
-- Only the bets whose register transaction has a row: the others have nothing to copy.
WHERE `fees` = '[]' AND `pool_accumulated_amount` IS NULL
  AND `register_signature` IN (SELECT `signature` FROM `transaction_events`);
