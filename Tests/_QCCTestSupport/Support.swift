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
