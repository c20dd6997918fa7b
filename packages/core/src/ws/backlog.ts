/**
 * The frames a socket sent while one of its messages is being handled (or before its hello went out),
 * in arrival order. Bounded by frame count and bytes so that a client flooding frames while a handler
 * awaits cannot grow the server's memory; reading from a moving head keeps each take O(1) (`shift()` on an
 * array is O(n)), and the array is compacted only when half of it has been read.
 */
export interface Backlog {
  /** Frames waiting. */
  readonly size: number
  /** Bytes waiting (as received on the wire). */
  readonly bytes: number
  /** Queues a frame; false, and nothing queued, when it would pass either bound. */
  push(text: string, bytes: number): boolean
  /** The oldest waiting frame, or undefined when none waits. */
  take(): string | undefined
}

/** Creates an empty {@link Backlog} holding at most `maxFrames` frames and `maxBytes` bytes. */
export function createBacklog(maxFrames: number, maxBytes: number): Backlog {
  let frames: (string | undefined)[] = []
  let sizes: number[] = []
  let head = 0
  let bytes = 0
  return {
    get size() {
      return frames.length - head
    },
    get bytes() {
      return bytes
    },
    push(text, size) {
      if (frames.length - head >= maxFrames || bytes + size > maxBytes) return false
      frames.push(text)
      sizes.push(size)
      bytes += size
      return true
    },
    take() {
      if (head >= frames.length) return undefined
      const text = frames[head]
      bytes -= sizes[head]!
      frames[head] = undefined
      head++
      if (head === frames.length) {
        frames = []
        sizes = []
        head = 0
      }
      else if (head * 2 >= frames.length) {
        frames = frames.slice(head)
        sizes = sizes.slice(head)
        head = 0
      }
      return text
    },
  }
}
