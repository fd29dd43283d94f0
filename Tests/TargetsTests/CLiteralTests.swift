import Foundation
import Testing
import _QCCTestSupport

@testable import QCCTargets

/// The literals model.c is written with: a C compiler must read back exactly
/// the bits qcc meant (floats as hex literals, int64 extremes, strings with
/// any bytes, comments that cannot close early).
@Suite struct CLiteralTests {
  @Test func floatAndIntegerLiteralsReadBackExactly() throws {
    var floats: [Float] = [0, -0.0, 1, -1, .pi, 0.1, 1e-38, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                           .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity,
                           Float(bitPattern: 0x007F_FFFF), Float(bitPattern: 0x0040_0001)]
    var state: UInt32 = 12345
    for _ in 0..<2000 {
      state = state &* 1_664_525 &+ 1_013_904_223
      let f = Float(bitPattern: state)
      if f.isFinite { floats.append(f) }
    }
    let ints: [Int64] = [0, 1, -1, Int64(Int32.max), Int64(Int32.min), Int64(Int32.max) + 1, Int64(Int32.min) - 1, .max, .min]
    let dir = QCCCommand.temporaryDirectory()
    let source = """
      #include <inttypes.h>
      #include <math.h>
      #include <stdio.h>
      #include <string.h>
      static const float f[] = {\(floats.map(CEmitter.cFloat).joined(separator: ", "))};
      static const int64_t n[] = {\(ints.map(CEmitter.cInt).joined(separator: ", "))};
      /* \(CEmitter.cComment("a */ b /* c\u{1}é")) */
      static const char *s = \(CEmitter.cString("quote \" backslash \\ question?? newline\n tab\t é \u{0}z"));
      int main(void) {
          for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
              uint32_t bits;
              memcpy(&bits, &f[i], 4);
              printf("%08" PRIx32 "\\n", bits);
          }
          for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) printf("%" PRId64 "\\n", n[i]);
          for (const char *p = s; *p; p++) printf("%02x", (unsigned char)*p);
          printf("\\n");
          return 0;
      }
      """
    try source.write(toFile: dir + "/t.c", atomically: false, encoding: .utf8)
    let run = try Shell.run("cc -std=c99 -Wall -Wextra -Werror t.c -lm -o t && ./t", in: dir)
    #expect(run.status == 0, "\(run.output)")
    var expected = floats.map { String($0.bitPattern, radix: 16).leftPadded8 + "\n" }.joined()
    expected += ints.map { "\($0)\n" }.joined()
    // The string up to its NUL, byte for byte.
    expected += Array("quote \" backslash \\ question?? newline\n tab\t é ".utf8).map { String($0, radix: 16).leftPadded2 }.joined() + "\n"
    #expect(run.output == expected)
  }
}

extension String {
  fileprivate var leftPadded8: String { String(repeating: "0", count: max(0, 8 - count)) + self }
  fileprivate var leftPadded2: String { count >= 2 ? self : "0" + self }
}
