import ArgumentParser
import Foundation

@main
struct Causeway: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causeway",
        abstract: "An event-sourced order system, its deterministic simulator, and its services.",
        subcommands: [RunCommand.self, BenchCommand.self]
    )

    /// Exit codes: 0 success, 1 a scenario or check failed, 2 a usage or parse error.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// Output formats of the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
