import Foundation

/// Where the repository's test fixtures live, found from this source file.
public enum Fixtures {
  /// The repository root.
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// A path under `Tests/`.
  public static func path(_ relative: String) -> String {
    root.appendingPathComponent("Tests").appendingPathComponent(relative).path
  }

  /// The text of a fixture under `Tests/`.
  public static func text(_ relative: String) throws -> String {
    try String(contentsOfFile: path(relative), encoding: .utf8)
  }

  /// The shared test models: `$QCC_MODELS`, else `../shared/models` next to the repository.
  public static var modelsDirectory: String {
    if let env = ProcessInfo.processInfo.environment["QCC_MODELS"], !env.isEmpty { return env }
    return root.deletingLastPathComponent().appendingPathComponent("shared/models").path
  }
}

/// Runs the built `qcc` executable, for tests of the command line.
public enum QCCCommand {
  /// The `qcc` binary next to the test bundle (SwiftPM builds both into one folder).
  public static var executable: String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return bundle.appendingPathComponent("qcc").path
  }

  /// Runs `qcc arguments…` and returns its exit status, standard output and standard error.
  public static func run(_ arguments: [String], in directory: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes while the process runs, so a large output cannot block it.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let reader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: errBox.data, as: UTF8.self))
  }

  /// Runs a shell command line in a pseudo-terminal (script(1)), so that
  /// programs see a terminal on standard error; returns the exit status and
  /// everything the terminal showed.
  public static func runInTerminal(_ command: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", command, "/dev/null"]
    let out = Pipe()
    process.standardOutput = out
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }

  /// Whether `runInTerminal` can run here.
  public static var hasTerminal: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/script") }

  /// A fresh folder holding the example model's sample input (`x.npy`), as calibration or eval data.
  public static func exampleDataFolder() throws -> String {
    let dir = temporaryDirectory() + "/data"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: Fixtures.root.appendingPathComponent("examples/tiny-transformer/x.npy").path, toPath: dir + "/x.npy")
    return dir
  }

  /// A fresh empty temporary folder.
  public static func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "qcc-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }
}

/// Runs shell command lines (`make`, `cc`, the runners the C targets emit), for tests of generated code.
public enum Shell {
  /// Runs `command` with /bin/sh in `directory`; returns its exit status and its standard output and error together.
  public static func run(_ command: String, in directory: String? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command + " 2>&1"]
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    process.standardOutput = out
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }
}
