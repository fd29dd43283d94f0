import Foundation
import QCCIR
import Testing
import _QCCTestSupport

/// `--calib` and `--calib-cache` on the command line.
@Suite struct CalibrateCommandTests {
  /// The fixture's x holds NaN on purpose (it goes to %y through the MatMul).
  static let nanWarning = "qcc: warning: calibrate: 2 values had NaN elements (first: %x); their ranges leave NaN out\n"

  /// The fixture module as a .qir file in a fresh folder.
  func fixtureQIR() throws -> String {
    let path = QCCCommand.temporaryDirectory() + "/fixture.qir"
    try Data(Printer.bytes(Calib.fixtureModule())).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func helpDocumentsTheOptions() throws {
    for command in ["opt", "run"] {
      let help = try QCCCommand.run([command, "--help"]).stdout
      #expect(help.contains(
        "  --calib PATH                  Calibration data for 'calibrate': a folder of <input>.npy or an .npz, samples on axis 0 ('random': smoke tests only)\n"))
      #expect(help.contains(
        "  --calib-cache FILE            Reuse calibration statistics from FILE if it matches, else compute and save them\n"))
    }
    let passes = try QCCCommand.run(["--list-passes"]).stdout
    #expect(passes.contains("  calibrate "))
    #expect(passes.contains("      method=<minmax|percentile|entropy|mse>"))
  }

  @Test func calibratesQuietlyWhenStandardErrorIsNotATerminal() throws {
    let r = try QCCCommand.run(["opt", try fixtureQIR(), "--passes", "calibrate", "--calib", Calib.fixtureData, "-o", "/dev/null"])
    #expect(r.status == 0)
    #expect(r.stderr == Self.nanWarning)
  }

  @Test(.enabled(if: QCCCommand.hasTerminal, "needs script(1) for a terminal"))
  func showsProgressOnATerminal() throws {
    let command = "\(QCCCommand.executable) opt \(try fixtureQIR()) --passes calibrate{threads=1} --calib \(Calib.fixtureData) -o /dev/null"
    let (status, text) = try QCCCommand.runInTerminal(command)
    #expect(status == 0)
    let warning = Self.nanWarning.replacingOccurrences(of: "\n", with: "\r\n")  // the terminal's line discipline
    #expect(text == (1...6).map { "\rcalibrate: sample \($0)/6\u{1B}[K" }.joined() + "\r\u{1B}[K" + warning)
  }

  @Test func missingOrUnusedDataIsReported() throws {
    let qir = try fixtureQIR()
    let none = try QCCCommand.run(["opt", qir, "--passes", "calibrate", "-o", "/dev/null"])
    #expect(none.status == 1)
    #expect(none.stderr.hasPrefix("qcc: error: pass 'calibrate': no calibration data: pass --calib PATH"))
    let bad = try QCCCommand.run(["opt", qir, "--passes", "calibrate", "--calib", "/nonexistent", "-o", "/dev/null"])
    #expect(bad.status == 1)
    #expect(bad.stderr == "qcc: error: calibration data '/nonexistent' does not exist\n")
    let unused = try QCCCommand.run(["opt", qir, "--passes", "cse", "--calib", Calib.fixtureData, "-o", "/dev/null"])
    #expect(unused.status == 0)
    #expect(unused.stderr == "qcc: warning: --calib is ignored: the pipeline has no 'calibrate' pass\n")
  }

  @Test func theCacheIsWrittenThenRead() throws {
    let qir = try fixtureQIR()
    let cache = QCCCommand.temporaryDirectory() + "/stats.json"
    let args = ["opt", qir, "--passes", "calibrate", "--calib", Calib.fixtureData, "--calib-cache", cache, "--statistics", "-o", "/dev/null"]
    let first = try QCCCommand.run(args)
    #expect(first.status == 0)
    #expect(first.stderr == "calibrate: samples = 6\ncalibrate: values recorded = 4\ncalibrate: values with infinities = 4\n"
      + "calibrate: values with sentinels = 4\n" + Self.nanWarning)
    #expect(FileManager.default.fileExists(atPath: cache))
    let second = try QCCCommand.run(args)
    #expect(second.stderr == "calibrate: samples = 6\ncalibrate: values read from the cache = 4\ncalibrate: values with infinities = 4\n"
      + "calibrate: values with sentinels = 4\n" + Self.nanWarning)
    let stale = try QCCCommand.run(args.map { $0 == "calibrate" ? "calibrate{method=mse}" : $0 })
    #expect(stale.status == 1)
    #expect(stale.stderr.contains("was made for different options"))
  }
}
