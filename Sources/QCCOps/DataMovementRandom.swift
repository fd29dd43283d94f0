// The random numbers of training-mode Dropout: numpy's legacy generator
// (MT19937 seeded like `np.random.seed`, doubles like `np.random.random_sample`),
// which is what the ONNX reference implementation draws its masks from.

extension DataMovementOps {
  /// A Mersenne Twister (MT19937) producing numpy's legacy uniform doubles.
  struct MersenneTwister {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// Seeded as `np.random.seed(seed)` seeds it (the low 32 bits of `seed`).
    init(seed: UInt32) {
      state[0] = seed
      for i in 1..<624 {
        state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
      }
    }

    mutating func nextUInt32() -> UInt32 {
      if index >= 624 { twist() }
      var y = state[index]
      index += 1
      y ^= y >> 11
      y ^= (y << 7) & 0x9D2C_5680
      y ^= (y << 15) & 0xEFC6_0000
      y ^= y >> 18
      return y
    }

    /// A double in [0, 1) with 53 random bits, as `np.random.random_sample`.
    mutating func nextDouble() -> Double {
      let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
      return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    private mutating func twist() {
      for i in 0..<624 {
        let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
        state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
      }
      index = 0
    }
  }
}
