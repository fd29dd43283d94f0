import QCCIR
import QCCTargets
import Testing

/// The arena planner: tensors alive at the same time never share bytes,
/// tensors that are not reuse them, and every offset is 64-byte aligned.
@Suite struct MemoryPlanTests {
  func tensor(_ bytes: Int, _ first: Int, _ last: Int) -> Program.Tensor {
    var t = Program.Tensor(name: "t", elementType: .u8, shape: [bytes], storage: .arena, quantization: nil, bytes: bytes)
    t.firstUse = first
    t.lastUse = last
    return t
  }

  @Test func aChainReusesTwoSlots() {
    // a → b → c → d: each lives from its producer to its consumer.
    var tensors = [tensor(1000, 0, 1), tensor(1000, 1, 2), tensor(1000, 2, 3), tensor(1000, 3, 4)]
    let size = MemoryPlan.place(&tensors)
    #expect(size == 2 * 1024)
    #expect(tensors.map(\.offset) == [0, 1024, 0, 1024])
  }

  @Test func overlappingLifetimesNeverShareBytes() {
    var tensors: [Program.Tensor] = []
    var seed: UInt64 = 7
    func next(_ n: Int) -> Int {
      seed = seed &* 6364136223846793005 &+ 1442695040888963407
      return Int(seed >> 33) % n
    }
    for _ in 0..<200 {
      let first = next(100)
      tensors.append(tensor(1 + next(5000), first, first + next(10)))
    }
    let size = MemoryPlan.place(&tensors)
    #expect(size >= MemoryPlan.peakLiveBytes(tensors))
    for (i, a) in tensors.enumerated() {
      #expect(a.offset % 64 == 0 && a.offset + a.bytes <= size)
      for b in tensors[(i + 1)...] where a.firstUse <= b.lastUse && b.firstUse <= a.lastUse {
        #expect(a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset, "overlapping tensors share bytes")
      }
    }
  }
}
