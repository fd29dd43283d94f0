import Foundation
import QCCIR
import QCCOps
import QCCPass

/// Runs the float interpreter once per calibration sample and collects
/// statistics through its `observe` callback.
///
/// Samples run on up to `threads` threads at once, each with its own
/// collector; the collectors are merged at the end. Merging is exact (see
/// `Histogram`), so the statistics are the same for any thread count and
/// any order the samples finish in.
struct SampleRunner: Sendable {
  var interpreter: Interpreter
  var data: CalibrationData
  var sampleCount: Int
  var plan: CalibrationPlan
  var bins: Int
  var sentinel: Float
  var threads: Int
  var progress: TerminalProgress

  /// Shared between workers under a lock.
  final class Shared: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var failure: PassError?
    var collectors: [StatisticsCollector] = []
  }

  func run() throws(PassError) -> StatisticsCollector {
    let workers = Swift.max(1, Swift.min(threads, sampleCount))
    let shared = Shared()
    let job = self
    let work: @Sendable (Int) -> Void = { _ in
      let collector = StatisticsCollector(plan: job.plan, bins: job.bins, sentinel: job.sentinel)
      while true {
        shared.lock.lock()
        let i = shared.next
        let stop = shared.failure != nil || i >= job.sampleCount
        if !stop {
          shared.next += 1
          job.progress.sample(i + 1, of: job.sampleCount)
        }
        shared.lock.unlock()
        if stop { break }
        let feeds = job.data.sample(i)
        collector.observeInputs(feeds)
        do throws(InterpreterError) {
          _ = try job.interpreter.run(feeds, observe: collector.observe)
        } catch {
          shared.lock.lock()
          if shared.failure == nil {
            shared.failure = PassError(
              "calibration sample \(i) (of \(job.sampleCount)): \(error.message)",
              kind: error.kind == .internalError ? .internalError : .badInput)
          }
          shared.lock.unlock()
          break
        }
      }
      shared.lock.lock()
      shared.collectors.append(collector)
      shared.lock.unlock()
    }
    if workers == 1 {
      work(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: workers, execute: work)
    }
    progress.finish()
    if let failure = shared.failure { throw failure }
    let result = shared.collectors[0]
    for other in shared.collectors.dropFirst() { result.merge(other) }
    if let problem = result.problem { throw PassError("calibration cannot track channels: \(problem)") }
    return result
  }
}
