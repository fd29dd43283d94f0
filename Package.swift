// swift-tools-version:6.0
// qcc: a quantizing compiler for edge inference.
//
// Modules depend one way: QCCIR imports nothing of ours; every other module
// builds on it. C code comes from the toolchain and Debian packages only
// (protobuf-c, zlib); SwiftPM cannot fetch outside packages here.
import PackageDescription

/// The C kernels are compiled optimised even in debug builds: they are the
/// engine of the float interpreter, and a -O0 kernel makes every model test slow.
let kernelCFlags: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
  name: "qcc",
  products: [
    .executable(name: "qcc", targets: ["qcc"]),
    .library(name: "QCC", targets: ["QCCIR", "QCCPass", "QCCOps", "QCCONNX", "QCCPasses", "QCCIO", "QCCTargets"]),
  ],
  targets: [
    // MARK: - Public API

    /// The SSA IR, its text form, and the verifier. Imports nothing of ours.
    .target(name: "QCCIR", path: "Sources/QCCIR"),
    /// Pass protocol, options, registry, pipelines, and the pass manager.
    .target(name: "QCCPass", dependencies: ["QCCIR"], path: "Sources/QCCPass"),
    /// Op semantics: type inference and the float reference interpreter.
    .target(name: "QCCOps", dependencies: ["QCCIR", "QCCKernels"], path: "Sources/QCCOps"),
    /// ONNX importer (protobuf-c decoding → IR) and the backend conformance runner.
    .target(name: "QCCONNX", dependencies: ["QCCIR", "QCCOps", "_QCCProtobuf"], path: "Sources/QCCONNX"),
    /// The built-in passes, one folder per pass.
    .target(name: "QCCPasses", dependencies: ["QCCIR", "QCCPass", "QCCOps", "QCCIO"], path: "passes"),
    /// Code generation: op plans (kernel calls), the memory planner, and the qprog writer.
    .target(
      name: "QCCTargets", dependencies: ["QCCIR", "QCCOps", "QCCPass", "QCCPasses", "QCCKernels", "QCCIO"], path: "targets/codegen"),
    /// Tensor files: .npy and .npz.
    .target(name: "QCCIO", dependencies: ["QCCIR", "_QCCZlib"], path: "Sources/QCCIO"),
    /// The command-line driver: argument parsing and subcommands only.
    .executableTarget(
      name: "qcc", dependencies: ["QCCIR", "QCCPass", "QCCOps", "QCCONNX", "QCCPasses", "QCCIO", "QCCTargets"],
      path: "Sources/qcc"),

    // MARK: - Implementation details

    /// The C runtime: the one definition of every kernel, shared by the
    /// interpreter and (later) the emitted C.
    .target(
      name: "QCCKernels", path: "targets/runtime", exclude: ["tools"], cSettings: kernelCFlags,
      linkerSettings: [.linkedLibrary("m")]),
    /// protobuf-c code generated from Debian's onnx.proto by `make generate`; never hand-edited.
    .target(name: "_QCCProtobuf", path: "Sources/_QCCProtobuf", exclude: ["generated/onnx.pb-c.h"], linkerSettings: [.linkedLibrary("protobuf-c")]),
    /// zlib, for reading compressed .npz archives.
    .systemLibrary(name: "_QCCZlib", path: "Sources/_QCCZlib"),

    // MARK: - Tests

    .target(name: "_QCCTestSupport", dependencies: ["QCCIR", "QCCIO"], path: "Tests/_QCCTestSupport"),
    .testTarget(
      name: "GoldenTests", dependencies: ["QCCIR", "QCCOps", "QCCPass", "QCCPasses", "_QCCTestSupport"],
      path: "Tests/GoldenTests"),
    .testTarget(
      name: "ONNXTests", dependencies: ["QCCONNX", "QCCIR", "QCCOps", "_QCCTestSupport"], path: "Tests/ONNXTests",
      exclude: ["Fixtures"]),
    .testTarget(
      name: "ModelTests",
      dependencies: ["QCCONNX", "QCCIR", "QCCIO", "QCCOps", "QCCPass", "QCCPasses", "_QCCTestSupport"],
      path: "Tests/ModelTests"),
    .testTarget(name: "PassTests", dependencies: ["QCCIR", "QCCPass", "QCCPasses", "QCCOps"], path: "Tests/PassTests"),
    .testTarget(
      name: "CLITests", dependencies: ["qcc", "QCCIO", "QCCIR", "_QCCTestSupport"], path: "Tests/CLITests"),
    .testTarget(name: "OpsTests", dependencies: ["QCCOps", "QCCIR", "QCCKernels", "_QCCTestSupport"], path: "Tests/OpsTests"),
    .testTarget(
      name: "TargetsTests",
      dependencies: ["QCCTargets", "QCCKernels", "QCCONNX", "QCCIR", "QCCIO", "QCCOps", "QCCPass", "QCCPasses", "_QCCTestSupport"],
      path: "Tests/TargetsTests", exclude: ["Fixtures"]),
    .testTarget(name: "IRTests", dependencies: ["QCCIR", "_QCCTestSupport"], path: "Tests/IRTests", exclude: ["Fixtures"]),
    .testTarget(name: "IOTests", dependencies: ["QCCIO", "QCCIR", "_QCCTestSupport"], path: "Tests/IOTests", exclude: ["Fixtures"]),
    .testTarget(
      name: "CalibrationTests",
      dependencies: ["qcc", "QCCIR", "QCCIO", "QCCONNX", "QCCOps", "QCCPass", "QCCPasses", "_QCCTestSupport"],
      path: "Tests/CalibrationTests", exclude: ["Fixtures"]),
  ]
)
