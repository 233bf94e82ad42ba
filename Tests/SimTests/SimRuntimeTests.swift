import Core
import InMemory
import Sim
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The simulator runs every job of a run on the thread that drives it, without a task-executor
/// preference: tasks woken from a continuation come back through the global executor's hook.
@Suite struct SimRuntimeTests {
    /// Written and read only on the thread that runs the simulation.
    final class Record: @unchecked Sendable {
        var threads: [pthread_t] = []
        var order: [String] = []
    }

    @Test func sleepersWakeOnTheSimulatorThreadInTimerOrder() {
        let runtime = SimRuntime(random: SimRandom(seed: 3))
        let clock = SimClock(runtime: runtime)
        let record = Record()
        for (name, step) in [("a", 3), ("b", 5)] {
            runtime.spawn {
                for i in 1...4 {
                    try? await clock.sleep(for: .milliseconds(Int64(step)))
                    record.threads.append(pthread_self())
                    record.order.append("\(name)\(i)")
                }
            }
        }
        #expect(runtime.run(until: .zero + .seconds(1)))
        #expect(record.threads.count == 8)
        #expect(record.threads.allSatisfy { pthread_equal($0, pthread_self()) != 0 })
        // a wakes at 3, 6, 9, 12 ms; b at 5, 10, 15, 20 ms.
        #expect(record.order == ["a1", "b1", "a2", "a3", "b2", "a4", "b3", "b4"])
        #expect(runtime.now == .zero + .milliseconds(20))
    }

    @Test func aCancelledSleeperEndsAtItsTimerAndACancelledTaskDoesNotSleep() {
        let runtime = SimRuntime(random: SimRandom(seed: 2))
        let clock = SimClock(runtime: runtime)
        let record = Record()
        let sleeper = runtime.spawn {
            do {
                try await clock.sleep(for: .milliseconds(50))
                record.order.append("woke")
            } catch is CancellationError {
                record.order.append("cancelled at \(clock.now().millis)")
            } catch {
                record.order.append("\(error)")
            }
            // Already cancelled: the next sleep throws at once, without waiting for a timer.
            let before = clock.now()
            let threw = (try? await clock.sleep(for: .seconds(5))) == nil
            record.order.append("again \(threw) after \((clock.now() - before).components.seconds)s")
        }
        runtime.schedule(at: .zero + .milliseconds(10)) { sleeper.cancel() }
        #expect(runtime.run(until: .zero + .seconds(60)))
        #expect(record.order == ["cancelled at 50", "again true after 0s"])
    }

    @Test func aGenericJobStartedDuringARunRunsInItOnTheSimulatorThread() {
        let runtime = SimRuntime(random: SimRandom(seed: 1))
        let record = Record()
        runtime.schedule(at: .zero + .milliseconds(1)) {
            Task.detached { record.threads.append(pthread_self()) }
        }
        runtime.run(until: .zero + .seconds(1))
        #expect(record.threads.count == 1)
        #expect(record.threads.allSatisfy { pthread_equal($0, pthread_self()) != 0 })
    }

    @Test func afterARunTheThreadsJobsGoToTheGlobalExecutorAgain() async {
        let outer = SimExecutor(), inner = SimExecutor()
        outer.hosting { inner.hosting {} }
        // Were this thread still hosting a simulator, the detached task would be queued there and
        // never run.
        let value = await Task.detached { 42 }.value
        #expect(value == 42)
        #expect(outer.isIdle && inner.isIdle)
    }
}

/// Parked readers of the in-memory bus wait at the simulator's gate (``ReaderParking``), not on
/// continuations: a publication wakes them in the order they parked, and a cancelled one returns
/// at its next wake-up.
@Suite struct ReaderParkingTests {
    final class Record: @unchecked Sendable {
        var order: [String] = []
    }

    @Test func parkedReadersWakeInTheOrderTheyParkedAndACancelledOneReturns() {
        let runtime = SimRuntime(random: SimRandom(seed: 1))
        let bus = InMemoryEventBus(
            configuration: .init(partitions: 1, cancellationWakesReaders: false, parking: runtime.readerParking),
            random: SimRandom(seed: 2))
        let record = Record()
        var readers: [Task<Void, Never>] = []
        for group in ["g1", "g2", "g3"] {
            let consumer = bus.joinMember(group: group, member: "m", topics: [Topics.orders])
            readers.append(runtime.spawn {
                do {
                    let batch = try await consumer.poll(max: 10)
                    record.order.append("\(group) got \(batch.count) at \(runtime.now.millis)")
                } catch {
                    record.order.append("\(group) \(error is CancellationError ? "cancelled" : "\(error)") at \(runtime.now.millis)")
                }
            })
        }
        runtime.schedule(at: .zero + .milliseconds(2)) { readers[1].cancel() }
        runtime.schedule(at: .zero + .milliseconds(5)) {
            let event = RecordedEvent(
                eventID: EventID(unchecked: "e1"), streamID: OrderID(unchecked: "o1").streamID, streamVersion: 1,
                globalPosition: 1, event: .approved, schemaVersion: 1, occurredAt: .zero, recordedAt: .zero,
                correlationID: "c", causationID: "c")
            bus.publishSync([BusRecord(event)])
        }
        #expect(runtime.run(until: .zero + .seconds(1)))
        // Cancelled at 2 ms, g2 stayed parked until the publication woke it.
        #expect(record.order == ["g1 got 1 at 5", "g2 cancelled at 5", "g3 got 1 at 5"])
    }
}
