import QCCIR
import QCCKernels

// The sliding-window geometry Conv and the pooling ops share: kernel,
// strides, dilations, explicit pads or auto_pad, ceil_mode, and the output
// sizes they imply.

extension LinearAlgebraOps {
  /// A window's attributes for `spatialRank` spatial dims, validated.
  struct Window {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    /// Explicit pads, begins then ends (zeros when absent); ignored unless `autoPad` is NOTSET.
    var pads: [Int]
    var autoPad: String
    var ceilMode: Bool

    /// Reads `strides`, `dilations`, `pads`, `auto_pad` (and `ceil_mode` when `allowsCeil`) for `kernel`.
    init(_ a: AttributeReader, op: String, kernel: [Int], allowsCeil: Bool) throws(OpError) {
      let r = kernel.count
      func list(_ name: String, count: Int, default value: Int, minimum: Int) throws(OpError) -> [Int] {
        guard let v = try a.ints(name) else { return [Int](repeating: value, count: count) }
        guard v.count == count else {
          throw OpError("\(op) attribute '\(name)' has \(v.count) values, expected \(count)")
        }
        guard v.allSatisfy({ $0 >= minimum }) else {
          throw OpError("\(op) attribute '\(name)' \(v) must be at least \(minimum)")
        }
        return v
      }
      guard kernel.allSatisfy({ $0 >= 1 }) else { throw OpError("\(op) kernel shape \(kernel) must be positive") }
      self.kernel = kernel
      strides = try list("strides", count: r, default: 1, minimum: 1)
      dilations = try list("dilations", count: r, default: 1, minimum: 1)
      pads = try list("pads", count: 2 * r, default: 0, minimum: 0)
      autoPad = try a.string("auto_pad", default: "NOTSET")
      guard ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].contains(autoPad) else {
        throw OpError("\(op) attribute 'auto_pad' has unknown value '\(autoPad)'")
      }
      ceilMode = allowsCeil ? try a.int("ceil_mode", default: 0) != 0 : false
    }

    /// The output size and the pads (begin, end) along spatial dim `i` for input size `n`.
    func resolve(_ i: Int, input n: Int, op: String) throws(OpError) -> (out: Int, begin: Int, end: Int) {
      let span = (kernel[i] - 1) * dilations[i] + 1, s = strides[i]
      switch autoPad {
      case "SAME_UPPER", "SAME_LOWER":
        let out = (n + s - 1) / s
        let total = max(0, (out - 1) * s + span - n)
        let begin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
        return (out, begin, total - begin)
      default:
        let (b, e) = autoPad == "VALID" ? (0, 0) : (pads[i], pads[kernel.count + i])
        let room = n + b + e - span
        guard room >= 0 else {
          throw OpError("\(op) window of size \(span) is larger than the padded input (\(n) + \(b) + \(e)) in spatial dim \(i)")
        }
        var out = (ceilMode ? (room + s - 1) / s : room / s) + 1
        // A last window that starts in the end padding is dropped (as onnxruntime and PyTorch do).
        if ceilMode && (out - 1) * s >= n + b { out -= 1 }
        return (out, b, e)
      }
    }

    /// The output spatial dims for input spatial dims `dims` (unknown where the input is unknown).
    func outputDims(_ dims: [Dim], op: String) throws(OpError) -> [Dim] {
      var out: [Dim] = []
      for (i, d) in dims.enumerated() {
        if case .fixed(let n) = d { out.append(.fixed(try resolve(i, input: n, op: op).out)) } else { out.append(.symbolic(nil)) }
      }
      return out
    }

    /// The kernels' 3-D geometry for concrete input spatial sizes (1-D and 2-D padded with leading unit dims),
    /// and the end pads in the same layout.
    func geometry(input: [Int], op: String) throws(OpError) -> (window: qcc_window3d, padEnd: [Int64]) {
      let r = kernel.count
      guard (1...3).contains(r) else { throw OpError("\(op) supports 1 to 3 spatial dimensions, not \(r)") }
      var inS = [Int64](repeating: 1, count: 3), outS = inS, k = inS, st = inS, dl = inS
      var pb = [Int64](repeating: 0, count: 3), pe = pb
      for i in 0..<r {
        let j = 3 - r + i
        let (o, b, e) = try resolve(i, input: input[i], op: op)
        inS[j] = Int64(input[i])
        outS[j] = Int64(o)
        k[j] = Int64(kernel[i])
        st[j] = Int64(strides[i])
        dl[j] = Int64(dilations[i])
        pb[j] = Int64(b)
        pe[j] = Int64(e)
      }
      var w = qcc_window3d()
      w.in = (inS[0], inS[1], inS[2])
      w.out = (outS[0], outS[1], outS[2])
      w.kernel = (k[0], k[1], k[2])
      w.stride = (st[0], st[1], st[2])
      w.dilation = (dl[0], dl[1], dl[2])
      w.pad_begin = (pb[0], pb[1], pb[2])
      return (w, pe)
    }
  }
}
