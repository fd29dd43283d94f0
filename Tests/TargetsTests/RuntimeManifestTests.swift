import Foundation
import QCCOps
import Testing
import _QCCTestSupport

@testable import QCCTargets

/// The C targets copy only the runtime sources a program's kernels need
/// (`RuntimeManifest`): each kernel's set, compiled alone as a subset build,
/// must link. A kernel whose file list misses a dependency fails here rather
/// than in a user's build.
@Suite struct RuntimeManifestTests {
  @Test(arguments: KernelID.allCases)
  func eachKernelLinksAlone(kernel: KernelID) throws {
    let dir = QCCCommand.temporaryDirectory()
    var sources = RuntimeManifest.common
    for s in RuntimeManifest.sources(of: kernel) where !sources.contains(s) { sources.append(s) }
    for (path, text) in RuntimeSources.files where path.hasSuffix(".h") || sources.contains(path) {
      let full = dir + "/" + path
      try FileManager.default.createDirectory(
        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: full, atomically: false, encoding: .utf8)
    }
    // A program that calls the kernel through the decoder, as model.c does.
    try """
      #include "qcc_program.h"
      int main(void) {
          qcc_call c = {\(kernel.rawValue), 0, 0, 0, 0, 0, 0};
          char error[256];
          return qcc_call_run(&c, error, sizeof error) == -1 ? 0 : 1;
      }
      """.write(toFile: dir + "/main.c", atomically: false, encoding: .utf8)
    let flags = "-std=c99 -O0 -Wall -Wextra -Werror -DQCC_NO_TARGET_CLONES -DQCC_KERNEL_SUBSET -D\(RuntimeManifest.useMacro(kernel))"
    let build = try Shell.run(
      "cc \(flags) -Iinclude -I. main.c \(sources.joined(separator: " ")) -lm -o subset && ./subset", in: dir)
    #expect(build.status == 0, "\(RuntimeManifest.name(kernel)): \(build.output)")
  }

  @Test func aSubsetBuildRefusesTheKernelsItLeftOut() throws {
    let dir = QCCCommand.temporaryDirectory()
    for (path, text) in RuntimeSources.files where path.hasSuffix(".h") || RuntimeManifest.common.contains(path) {
      let full = dir + "/" + path
      try FileManager.default.createDirectory(
        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try text.write(toFile: full, atomically: false, encoding: .utf8)
    }
    try """
      #include "qcc_program.h"
      #include <stdio.h>
      int main(void) {
          int64_t ints[5] = {4, 1, 1, 1, 1};
          char a[4], b[4];
          void *buffers[2] = {a, b};
          qcc_call c = {QCC_KERNEL_COPY, 2, 5, 0, buffers, ints, 0};
          char error[256];
          if (qcc_call_run(&c, error, sizeof error) != -1) return 1;
          puts(error);
          return 0;
      }
      """.write(toFile: dir + "/main.c", atomically: false, encoding: .utf8)
    let build = try Shell.run(
      "cc -std=c99 -DQCC_KERNEL_SUBSET -Iinclude -I. main.c \(RuntimeManifest.common.joined(separator: " ")) -lm -o subset && ./subset",
      in: dir)
    #expect(build.status == 0)
    #expect(build.output == "copy: this runtime is built without the copy kernel\n")
  }
}
