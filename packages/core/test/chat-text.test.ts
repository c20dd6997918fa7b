import { describe, expect, it } from 'vitest'
import { chatMessageText, createCasinoEvents, memoryStore, postChatMessage } from '../src/index'
import { createWallet } from './http/_harness'

describe('chat text', () => {
  it('keeps what people write: emoji, other scripts, combining marks, tab and line breaks, trimmed', () => {
    for (const text of ['gm 🎲', '👩‍👩‍👧 🇫🇷 👍🏽', 'مرحبا بالعالم', '你好，世界', 'e\u0301', 'one\ttwo\r\nthree']) expect(chatMessageText(` ${text} `)).toEqual({ message: text })
  })

  it('refuses control characters, unpaired surrogates, and more than 500 characters (emoji count one)', () => {
    for (const text of ['\u0000', 'a\u001bb', '\u007f', '\u0085', '\u009b', '\ud800', 'x\udfff']) expect(chatMessageText(text), JSON.stringify(text)).toHaveProperty('problem')
    expect(chatMessageText('🎲'.repeat(500))).toEqual({ message: '🎲'.repeat(500) })
    expect(chatMessageText('🎲'.repeat(501))).toEqual({ problem: 'must be at most 500 characters' })
    expect(chatMessageText('   ')).toEqual({ problem: 'must not be empty' })
    // From a host in plain JavaScript: a refusal, not a TypeError (a 500).
    expect(chatMessageText(42 as unknown as string)).toEqual({ problem: 'must be a string' })
  })

  it('is checked by postChatMessage too, for a host posting through it: nothing stored, nothing emitted', async () => {
    const store = memoryStore()
    const events = createCasinoEvents()
    const heard: string[] = []
    events.on('chat.message', m => heard.push(m.message))
    events.on('player.joined', p => heard.push(p.wallet))
    const wallet = createWallet().address
    await expect(postChatMessage({ store, events }, wallet, 'a\u0000b')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'message: must not contain control characters (tab and line breaks are allowed)' })
    expect(heard).toEqual([])
    expect(await store.getPlayer(wallet)).toBeNull()
    expect((await postChatMessage({ store, events }, wallet, '  gm ')).message).toBe('gm')
    expect(heard).toEqual([wallet, 'gm'])
  })
})
