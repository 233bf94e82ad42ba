import Core
import Sim
import Testing

@Suite struct WorldLifetimeTests {
    /// Thousands of runs share one process in `explore`: each world, with its runtime and every
    /// task it started, must be gone after its run.
    @Test func aFinishedWorldIsFreed() {
        weak var world: SimWorld?
        weak var runtime: SimRuntime?
        // An event lives in the store, on the bus and in every consumer's hands: it must go too.
        weak var event: RecordedEvent?
        do {
            var configuration = WorldConfiguration(seed: 3)
            configuration.mutant = nil
            let w = SimWorld(configuration)
            world = w
            runtime = w.runtime
            w.provider.open(CustomerID(unchecked: "a"), balance: 1000)
            w.start()
            w.inject(.busDuplicate(0.5), for: .seconds(1))
            w.place(PlaceOrder(customerID: CustomerID(unchecked: "a"),
                               lines: [OrderLine(sku: SKU(unchecked: "w"), quantity: 1, unitPrice: 10)],
                               currency: .eur, clientKey: nil)) { _ in }
            w.runtime.run(until: Timestamp(millis: 300))  // stops mid-flow, with tasks asleep
            event = w.store.snapshot().first
            #expect(event != nil)
            #expect(w.bus.endOffsets(topic: Topics.orders).values.reduce(0, +) > 0)
            w.shutdown()
        }
        #expect(world == nil)
        #expect(runtime == nil)
        #expect(event == nil)
    }

    /// A run hands what it leaves to its caller: the caller holds the world's last reference,
    /// and releasing it frees the world.
    @Test func aRunLeavesItsWorldToTheCallerToFree() throws {
        let scenario = try ScenarioFixtures.load("happy-path.scenario")
        weak var handedOverWorld: AnyObject?
        var lastReference: Unmanaged<AnyObject>?
        let report = ScenarioRunner.run(scenario) { remains in
            #expect(remains.events == 4)
            let object = remains.handOver()
            handedOverWorld = object.takeUnretainedValue()
            lastReference = object
        }
        #expect(report.passed)
        #expect(handedOverWorld != nil)
        lastReference?.release()
        #expect(handedOverWorld == nil)
    }

    /// The world keeps its nodes in a table by service: crashing one must leave every other up.
    @Test func eachServiceIsItsOwnNode() {
        for crashed in ServiceName.allCases {
            let world = SimWorld(WorldConfiguration(seed: 1))
            world.start()
            world.crash(crashed)
            for name in ServiceName.allCases {
                #expect(world.isUp(name) == (name != crashed), "\(name) after crashing \(crashed)")
            }
            world.restart(crashed)
            #expect(ServiceName.allCases.allSatisfy(world.isUp))
            world.shutdown()
        }
    }
}
