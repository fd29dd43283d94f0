import QCCIR

/// What a `.npy` header says about the array after it, and how to turn that
/// array into a little-endian, row-major tensor.
struct NPYHeader {
  var elementType: ElementType
  /// The data is big-endian and must be byte-swapped.
  var bigEndian: Bool
  /// The data is column-major and must be transposed.
  var fortranOrder: Bool
  var shape: [Int]
  /// Bytes of array data the header promises.
  var byteCount: Int

  /// The magic string every `.npy` file starts with.
  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
  /// Array data starts at a multiple of this many bytes from the start of the file.
  static let alignment = 64
  /// Spaces numpy leaves after the dict so that the first dimension can grow in place.
  static let growthAxisMaximumDigits = 21

  /// Parses the header dict `text`; `file` names the file in errors.
  init(parsing text: UnsafeRawBufferPointer, file: String) throws(TensorFileError) {
    func failure(_ problem: String) -> TensorFileError { TensorFileError(file: file, problem) }

    let literal: PythonLiteral
    do {
      literal = try PythonLiteral.parse(text)
    } catch {
      throw failure("malformed header: \(error.message) at column \(error.column) in \(NPYHeader.excerpt(text))")
    }
    guard case .dict(let entries) = literal.kind else {
      throw failure("malformed header: not a dict: \(NPYHeader.excerpt(text))")
    }
    var fields: [String: PythonLiteral] = [:]
    for (key, value) in entries {
      guard case .string(let name) = key.kind, ["descr", "fortran_order", "shape"].contains(name) else {
        throw failure("malformed header: unexpected key \(key.text)")
      }
      fields[name] = value
    }
    func field(_ name: String) throws(TensorFileError) -> PythonLiteral {
      guard let value = fields[name] else { throw failure("malformed header: missing key '\(name)'") }
      return value
    }
    let descr = try field("descr"), order = try field("fortran_order"), shape = try field("shape")

    guard case .string(let descrString) = descr.kind, let (type, bigEndian) = NPYDtype.elementType(for: descrString)
    else { throw failure("unsupported dtype \(descr.text)") }
    guard case .bool(let fortranOrder) = order.kind else {
      throw failure("malformed header: 'fortran_order' is \(order.text), not True or False")
    }
    guard case .tuple(let dimensions) = shape.kind else { throw failure("invalid shape \(shape.text): not a tuple") }
    var dims: [Int] = []
    for dimension in dimensions {
      guard case .integer(let value) = dimension.kind else {
        throw failure("invalid shape \(shape.text): dimensions must be integers")
      }
      guard let value else { throw failure("invalid shape \(shape.text): dimension \(dimension.text) is too large") }
      guard value >= 0 else { throw failure("invalid shape \(shape.text): negative dimension") }
      dims.append(value)
    }
    // TensorData multiplies dimensions in order and bits by element count, so
    // both must fit even when a zero dimension makes the product zero.
    var nonZeroProduct = 1
    for d in dims where d != 0 {
      let (product, overflow) = nonZeroProduct.multipliedReportingOverflow(by: d)
      guard !overflow else { throw failure("invalid shape \(shape.text): too many elements") }
      nonZeroProduct = product
    }
    guard nonZeroProduct <= (Int.max - 7) / type.bitWidth else {
      throw failure("invalid shape \(shape.text): too many elements")
    }

    self.elementType = type
    self.bigEndian = bigEndian
    self.fortranOrder = fortranOrder
    self.shape = dims
    self.byteCount = type.byteCount(forElements: dims.reduce(1, *))
  }

  /// The header text for messages: trailing padding dropped, long headers cut short.
  private static func excerpt(_ text: UnsafeRawBufferPointer) -> String {
    var utf8 = Array(text.prefix(200))
    while let last = utf8.last, last == 0x20 || last == 0x0A || last == 0 { utf8.removeLast() }
    return String(decoding: utf8, as: UTF8.self) + (text.count > 200 ? "…" : "")
  }

  /// The preamble and header numpy writes for a little-endian, C-order array:
  /// version 1.0, or 2.0 when the header is too long for 1.0's 16-bit length;
  /// the dict padded with spaces and a newline so the data starts at a
  /// multiple of 64 bytes. Byte-for-byte what `numpy.save` writes.
  static func encode(descr: String, shape: [Int]) -> [UInt8] {
    let shapeText =
      shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    if let first = shape.first {
      dict += String(repeating: " ", count: max(0, growthAxisMaximumDigits - String(first).count))
    }
    let unpadded = dict.utf8.count + 1  // the dict and its newline
    let fitsVersion1 = unpadded + alignment - (magic.count + 4 + unpadded) % alignment <= Int(UInt16.max)
    let lengthSize = fitsVersion1 ? 2 : 4
    let padding = alignment - (magic.count + 2 + lengthSize + unpadded) % alignment
    var bytes = magic + [fitsVersion1 ? 1 : 2, 0]
    if fitsVersion1 {
      bytes.appendLittleEndian(UInt16(unpadded + padding))
    } else {
      bytes.appendLittleEndian(UInt32(unpadded + padding))
    }
    bytes += Array(dict.utf8)
    bytes += [UInt8](repeating: 0x20, count: padding)
    bytes.append(0x0A)
    return bytes
  }

  /// A new tensor holding `data` (at least `byteCount` bytes laid out as this
  /// header says) as little-endian row-major elements.
  func tensor(from data: UnsafeRawBufferPointer) -> TensorData {
    precondition(data.count >= byteCount, "caller checks the data length")
    let source = UnsafeRawBufferPointer(rebasing: data[0..<byteCount])
    let elementSize = elementType.bitWidth / 8
    return TensorData(elementType: elementType, shape: shape) { destination in
      if fortranOrder && shape.count > 1 {
        NPYHeader.transposeFromFortranOrder(source, into: destination, shape: shape, elementSize: elementSize)
      } else {
        destination.copyMemory(from: source)
      }
      if bigEndian { NPYHeader.swapBytes(destination, elementSize: elementSize) }
      if elementType == .bool {
        // Any non-zero byte is True to numpy; Swift's Bool must be exactly 0 or 1.
        for i in destination.indices where destination[i] > 1 { destination[i] = 1 }
      }
    }
  }

  /// Copies column-major `source` to row-major `destination` of the same shape.
  private static func transposeFromFortranOrder(
    _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, shape: [Int], elementSize: Int
  ) {
    guard !shape.contains(0), let from = source.baseAddress, let to = destination.baseAddress else { return }
    // Column-major strides, in elements: the first axis varies fastest.
    var strides = [Int](repeating: 1, count: shape.count)
    for axis in shape.indices.dropFirst() { strides[axis] = strides[axis - 1] * shape[axis - 1] }
    var index = [Int](repeating: 0, count: shape.count)
    var sourceElement = 0
    let count = shape.reduce(1, *)
    for element in 0..<count {
      (to + element * elementSize).copyMemory(from: from + sourceElement * elementSize, byteCount: elementSize)
      // Step the row-major index, last axis fastest.
      var axis = shape.count - 1
      while axis >= 0 {
        index[axis] += 1
        sourceElement += strides[axis]
        if index[axis] < shape[axis] { break }
        sourceElement -= strides[axis] * shape[axis]
        index[axis] = 0
        axis -= 1
      }
    }
  }

  /// Reverses the bytes of each `elementSize`-byte element in place.
  private static func swapBytes(_ bytes: UnsafeMutableRawBufferPointer, elementSize: Int) {
    func swap<T: FixedWidthInteger>(_: T.Type) {
      for offset in stride(from: 0, to: bytes.count, by: elementSize) {
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        bytes.storeBytes(of: value.byteSwapped, toByteOffset: offset, as: T.self)
      }
    }
    switch elementSize {
    case 2: swap(UInt16.self)
    case 4: swap(UInt32.self)
    case 8: swap(UInt64.self)
    default: break
    }
  }
}
