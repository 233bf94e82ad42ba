import Core
import Testing

@Suite struct CancellationTests {
    /// The check without a retain answers what `Task.isCancelled` answers, inside a task and out.
    @Test func seesTheRunningTasksCancellation() async throws {
        #expect(Cancellation.isCancelled == Task.isCancelled)
        let gate = AsyncStream<Void>.makeStream()
        let task = Task {
            for await _ in gate.stream {}
            return (Cancellation.isCancelled, Task.isCancelled, Result { try Cancellation.check() })
        }
        let running = Task { (Cancellation.isCancelled, Result { try Cancellation.check() }) }
        let (before, passed) = await running.value
        #expect(!before)
        #expect((try? passed.get()) != nil)

        task.cancel()
        gate.continuation.finish()
        let (after, standard, checked) = await task.value
        #expect(after && standard)
        #expect(throws: CancellationError.self) { try checked.get() }
    }
}
