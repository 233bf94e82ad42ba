import Dispatch
import Foundation
@testable import Sim
import Testing

@Suite struct TeardownTests {
    /// Notes on which thread it was freed.
    final class Probe: @unchecked Sendable {
        let freed: DispatchSemaphore
        let thread: UnsafeMutablePointer<pthread_t>
        init(freed: DispatchSemaphore, thread: UnsafeMutablePointer<pthread_t>) {
            self.freed = freed
            self.thread = thread
        }
        deinit {
            thread.pointee = pthread_self()
            freed.signal()
        }
    }

    @Test func remainsHandedOverAreFreedOnAnotherThread() {
        let freed = DispatchSemaphore(value: 0)
        let thread = UnsafeMutablePointer<pthread_t>.allocate(capacity: 1)
        defer { thread.deallocate() }
        thread.pointee = pthread_self()
        Teardown.release(Unmanaged.passRetained(Probe(freed: freed, thread: thread) as AnyObject))
        #expect(freed.wait(timeout: .now() + 10) == .success)
        #expect(pthread_equal(thread.pointee, pthread_self()) == 0)
    }

    @Test func moreRemainsThanTheLimitAreAllFreed() {
        let freed = DispatchSemaphore(value: 0)
        let thread = UnsafeMutablePointer<pthread_t>.allocate(capacity: 1)
        defer { thread.deallocate() }
        let count = Teardown.limit * 4
        for _ in 0..<count {
            Teardown.release(Unmanaged.passRetained(Probe(freed: freed, thread: thread) as AnyObject))
        }
        for _ in 0..<count { #expect(freed.wait(timeout: .now() + 10) == .success) }
    }
}
