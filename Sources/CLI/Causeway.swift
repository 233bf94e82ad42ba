import ArgumentParser
import Foundation

@main
struct Causeway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causeway",
        abstract: "An event-sourced order system, its deterministic simulator, and its services.",
        subcommands: [RunCommand.self, ExploreCommand.self, SelfcheckCommand.self, ServeCommand.self, BenchCommand.self]
    )

    /// Exit codes: 0 success, 1 a scenario or check failed, 2 a usage or parse error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let input as InputError {
            FileHandle.standardError.write(Data("error: \(input.message)\n".utf8))
            Foundation.exit(2)
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
            Foundation.exit(1)
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

/// Bad input that is not about the command line itself (a scenario that does not parse, a file
/// that cannot be read): reported alone, without the usage text, with exit status 2.
struct InputError: Error {
    var message: String
}

/// What went wrong with a file, as the system says it ("Not a directory"), where Foundation's own
/// text is a generic one ("The operation could not be completed").
func fileErrorText(_ error: any Error) -> String {
    let ns = error as NSError
    for candidate in [ns, (ns.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }].compactMap({ $0 })
    where candidate.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(candidate.code)))
    }
    return error.localizedDescription
}

/// Whether `path` is a directory; nil when nothing is there.
func isDirectory(_ path: String) -> Bool? {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) ? directory.boolValue : nil
}

/// A check the command makes failed while it ran (the input was fine): reported alone, without
/// the usage text, with exit status 1.
struct CommandFailure: Error {
    var message: String
}

/// Output formats of the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
