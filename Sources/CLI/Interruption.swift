import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM asking a long command to stop early and report what it has done.
/// The first signal only sets a flag the command polls; a second one ends the process at once,
/// as if no handler were installed.
enum Interruption {
    /// The signal that asked to stop, or 0.
    private static let received = Atomic<Int32>(0)

    /// Installs the handlers; until then the signals keep their default (the process ends).
    static func install() {
        // Touched here first, so the handler never runs the static's one-time initialization.
        received.store(0, ordering: .relaxed)
        for number in [SIGINT, SIGTERM] {
            signal(number) { number in
                Interruption.received.store(number, ordering: .relaxed)
                signal(number, SIG_DFL)
            }
        }
    }

    static var requested: Bool { received.load(ordering: .relaxed) != 0 }
}
