/// Standard base64 (RFC 4648, with `=` padding), the encoding of constant
/// data in the text form. Written here because QCCIR imports no Foundation.
enum Base64 {
  static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
  static let decodeTable: [UInt8] = {
    var t = [UInt8](repeating: 0xFF, count: 256)
    for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
    return t
  }()

  static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
    let n = bytes.count
    out.reserveCapacity(out.count + (n + 2) / 3 * 4)
    alphabet.withUnsafeBufferPointer { a in
      var i = 0
      while i + 3 <= n {
        let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        out.append(a[Int(v >> 18)])
        out.append(a[Int(v >> 12 & 63)])
        out.append(a[Int(v >> 6 & 63)])
        out.append(a[Int(v & 63)])
        i += 3
      }
      if n - i == 1 {
        let v = UInt32(bytes[i]) << 16
        out.append(a[Int(v >> 18)])
        out.append(a[Int(v >> 12 & 63)])
        out.append(UInt8(ascii: "="))
        out.append(UInt8(ascii: "="))
      } else if n - i == 2 {
        let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
        out.append(a[Int(v >> 18)])
        out.append(a[Int(v >> 12 & 63)])
        out.append(a[Int(v >> 6 & 63)])
        out.append(UInt8(ascii: "="))
      }
    }
  }

  /// Decodes `text` into `out`, which must hold exactly the decoded size.
  /// Returns false on a character outside the alphabet, bad padding, or a size mismatch.
  static func decode(_ text: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Bool {
    let n = text.count
    guard n % 4 == 0 else { return false }
    var padding = 0
    if n > 0 && text[n - 1] == UInt8(ascii: "=") { padding += 1 }
    if n > 1 && text[n - 2] == UInt8(ascii: "=") { padding += 1 }
    guard n / 4 * 3 - padding == out.count else { return false }
    return decodeTable.withUnsafeBufferPointer { t in
      var o = 0
      var i = 0
      while i < n {
        let last = i + 4 == n
        var v: UInt32 = 0
        for k in 0..<4 {
          let c = text[i + k]
          if last && c == UInt8(ascii: "=") && k >= 4 - padding {
            v <<= 6
            continue
          }
          let d = t[Int(c)]
          if d == 0xFF { return false }
          v = v << 6 | UInt32(d)
        }
        let produced = last ? 3 - padding : 3
        if produced > 0 { out[o] = UInt8(v >> 16 & 0xFF) }
        if produced > 1 { out[o + 1] = UInt8(v >> 8 & 0xFF) }
        if produced > 2 { out[o + 2] = UInt8(v & 0xFF) }
        o += produced
        i += 4
      }
      return true
    }
  }

  static func decodedCount(ofEncodedCount n: Int, padding: Int) -> Int { n / 4 * 3 - padding }
}
