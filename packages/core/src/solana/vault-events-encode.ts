import { BorshWriter } from './borsh'
import { type VaultEvent, vaultEventDiscriminators } from './vault-events'

/**
 * Encodes a Fare Vault event as the program would emit it (discriminator ‖ borsh fields): the mirror
 * of `decodeVaultEvent`, for tests, benches and simulators. The casino itself only decodes.
 */
export function encodeVaultEvent(event: VaultEvent): Uint8Array {
  const w = new BorshWriter().bytes(vaultEventDiscriminators[event.name])
  switch (event.name) {
    case 'TrialRegistered': {
      const f = event.fields
      w.pubkey(f.trialId).pubkey(f.who).pubkey(f.poolId).u64(f.multiplier).u32(f.qk.length)
      for (const [q, k] of f.qk) w.f64(q).f64(k)
      w.string(f.extraDataHash)
      break
    }
    case 'TrialResolved':
      w.pubkey(event.fields.trialId).u64(event.fields.resultIndex).f64(event.fields.randomness)
      break
    case 'FeeCharged':
      w.u8(event.fields.feeType).pubkey(event.fields.poolId).pubkey(event.fields.trialId).u64(event.fields.feeAmount)
      break
    case 'PoolAccumulatedAmountUpdated':
      w.pubkey(event.fields.poolId).pubkey(event.fields.trialId).u64(event.fields.newAccumulatedAmount)
      break
    case 'PoolAccumulatedAmountReleased':
      w.pubkey(event.fields.poolId).pubkey(event.fields.trialId).pubkey(event.fields.receiver).u64(event.fields.releasedAmount)
      break
    case 'PoolRegistered': {
      const f = event.fields
      w.pubkey(f.poolId).pubkey(f.managerAddress)
      for (const v of [f.feePlayMultiplier, f.feeLossMultiplier, f.feeMintMultiplier, f.feeHostPercent, f.feePoolPercent, f.minLimitForTicket, f.probability]) w.f64(v)
      break
    }
  }
  return w.finish()
}
