import Foundation

/// The cores this process may run on: its CPU affinity (`taskset`, a container's cpuset), which
/// `ProcessInfo.activeProcessorCount` does not look at, as Linux lists it in
/// `/proc/self/status`; the machine's count where that cannot be read.
func usableCores() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
          let count = cpuCount(list: line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)),
          count > 0
    else { return ProcessInfo.processInfo.activeProcessorCount }
    return count
}

/// The number of CPUs in a Linux CPU list such as `0-3,8,10-11`; nil if it is not one.
private func cpuCount(list: String) -> Int? {
    var count = 0
    for part in list.split(separator: ",") {
        let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        switch bounds.count {
        case 1 where bounds[0] != nil:
            count += 1
        case 2:
            guard let low = bounds[0], let high = bounds[1], low <= high else { return nil }
            count += high - low + 1
        default:
            return nil
        }
    }
    return count
}
