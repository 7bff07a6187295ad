import Foundation
import Testing

@testable import PrecursorStore

@Suite struct ChildProcessTests {
    /// Children started on another thread while a short one runs must not keep the short one's output open: reading
    /// that output to its end would wait for them (before `ChildProcess` serialised its spawns, a test's `precursorctl`
    /// could wait for another test's `precursord`, on a thread of the two-thread cooperative pool).
    @Test func aChildStartedMeanwhileDoesNotHoldAnotherChildsOutput() throws {
        let stop = Locked(false)
        let sleepers = Locked([ChildProcess]())
        let stopped = DispatchSemaphore(value: 0)
        Thread {
            while !stop.get() {
                if let child = try? ChildProcess("/bin/sleep", ["8"], stdout: .null, stderr: .null) {
                    sleepers.set(sleepers.get() + [child])
                }
                usleep(5000)
            }
            stopped.signal()
        }.start()
        defer {
            stop.set(true)
            stopped.wait()
            for child in sleepers.get() {
                child.signal(SIGKILL)
                _ = child.wait()
            }
        }
        var slowest = 0.0
        for _ in 0..<100 {
            let start = Date()
            let result = try ChildProcess("/bin/echo", ["x"]).finish()
            #expect(result.status == 0)
            slowest = max(slowest, Date().timeIntervalSince(start))
            if slowest > 4 { break }
        }
        #expect(slowest < 4, "reading a short child's output waited for a child started meanwhile")
    }
}
