/// Why a model could not be imported. The message names the file and the
/// node, op, tensor or input at fault; several problems of one kind (every
/// unsupported op) come in one message.
public struct ImportError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
