import QCCIR
import Testing
@testable import QCCOps

@Suite struct MetricsTests {
  func t(_ v: [Float]) -> TensorData { TensorData(shape: [v.count], scalars: v) }

  @Test func identicalTensorsWithNonFiniteValuesAreExact() throws {
    let v: [Float] = [1, .nan, -.infinity, .infinity, -2]
    let c = try Comparison(t(v), reference: t(v))
    #expect(c.maxAbsoluteError == 0 && c.relativeError == 0)
    #expect(c.sqnr == .infinity)
    #expect(abs(c.cosine - 1) < 1e-12)
  }

  @Test func aMissingInfinityIsAnInfiniteError() throws {
    let c = try Comparison(t([1, 2]), reference: t([1, .infinity]))
    #expect(c.maxAbsoluteError == .infinity)
    #expect(c.relativeError == .infinity)
  }

  @Test func numbersMatchTheirDefinitions() throws {
    let c = try Comparison(t([1, 2, 3, 5]), reference: t([1, 2, 3, 4]))
    #expect(c.maxAbsoluteError == 1)
    #expect(c.relativeError == 0.25)
    // SQNR = 10 log10(30 / 1).
    #expect(abs(c.sqnr - 14.771212547196624) < 1e-9)
    #expect(abs(c.cosine - 34 / (39.0.squareRoot() * 30.0.squareRoot())) < 1e-12)
    #expect(c.argmaxAgreement == 1)
  }
}
